"""`ExportMixin`: CSV and Excel exports of exactly what a changelist shows.

Put it first among a ModelAdmin's bases:

    class SupportRequestAdmin(ExportMixin, AllianceScopedHistoryAdmin):

It adds `export/csv/` and `export/xlsx/` beside the changelist, and "Export
CSV" / "Export Excel" links to the changelist that carry its query string.
The rows come from the changelist itself (`get_changelist_instance`), so the
admin's `get_queryset` (the alliance scope), its filters, search and ordering
all apply; a user without view permission is refused, a non-staff one sent to
the login page.
"""

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse

from . import exports

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportMixin:
    change_list_template = "admin/reports/change_list_with_export.html"
    # The columns to export; by default the table `exports.TABLES` gives for the model.
    export_table = None

    def get_export_table(self):
        return self.export_table or exports.TABLES[self.model]

    def _export_url_name(self, kind):
        return f"{self.opts.app_label}_{self.opts.model_name}_export_{kind}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export/csv/", wrap(self.export_csv_view), name=self._export_url_name("csv")),
            path("export/xlsx/", wrap(self.export_xlsx_view), name=self._export_url_name("xlsx")),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        site = self.admin_site.name
        extra_context = {
            "export_csv_url": reverse(f"{site}:{self._export_url_name('csv')}"),
            "export_xlsx_url": reverse(f"{site}:{self._export_url_name('xlsx')}"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def get_export_queryset(self, request):
        """The changelist's queryset for this request's query string: scope, filters, search."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return self.get_changelist_instance(request).queryset

    def export_csv_view(self, request):
        try:
            queryset = self.get_export_queryset(request)
        except IncorrectLookupParameters:
            return self._back_to_changelist(request)
        table = self.get_export_table()
        return StreamingHttpResponse(
            exports.csv_lines(table, queryset),
            content_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{table.filename("csv")}"',
                "Cache-Control": "no-store",
            },
        )

    def export_xlsx_view(self, request):
        try:
            queryset = self.get_export_queryset(request)
        except IncorrectLookupParameters:
            return self._back_to_changelist(request)
        table = self.get_export_table()
        response = FileResponse(
            exports.xlsx_file(table, queryset),
            as_attachment=True,
            filename=table.filename("xlsx"),
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Cache-Control"] = "no-store"
        return response

    def _back_to_changelist(self, request):
        messages.error(request, "These filters cannot be exported; check them and try again.")
        changelist = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
        )
        return HttpResponseRedirect(f"{changelist}?e=1")
