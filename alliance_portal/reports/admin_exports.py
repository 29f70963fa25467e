"""`ExportMixin`: CSV and Excel exports of exactly what a changelist shows.

Put it first among a ModelAdmin's bases:

    class SupportRequestAdmin(ExportMixin, AllianceScopedHistoryAdmin):

It adds `export/csv/` and `export/xlsx/` beside the changelist, and "Export
CSV" / "Export Excel" links to the changelist that carry its query string.
The rows come from the changelist itself (`get_changelist_instance`), so the
admin's `get_queryset` (the alliance scope), its filters, search and ordering
all apply; a user without view permission is refused, a non-staff one sent to
the login page.

A list of up to `EXPORT_IN_REQUEST_MAX_ROWS` rows is sent straight away. A
longer one is built by the worker (background.py): the link opens a page
saying so, whose button starts it and leads to its progress. A list longer
than `EXPORT_MAX_ROWS` is not exported; the coordinator is asked to narrow it.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from . import background, exports
from .models import Export

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
            "export_at_once": settings.EXPORT_IN_REQUEST_MAX_ROWS,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def get_export_queryset(self, request):
        """The changelist's queryset for this request's query string: scope, filters, search."""
        return self._export_changelist(request).queryset

    def _export_changelist(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return self.get_changelist_instance(request)

    def export_csv_view(self, request):
        return self._export_view(request, Export.Format.CSV)

    def export_xlsx_view(self, request):
        return self._export_view(request, Export.Format.XLSX)

    def _export_view(self, request, format):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        try:
            changelist = self._export_changelist(request)
        except IncorrectLookupParameters:
            return self._back_to_changelist(request)
        table = self.get_export_table()
        rows = changelist.result_count
        if rows > settings.EXPORT_MAX_ROWS:
            messages.error(
                request,
                f"This list has {rows:,} rows, and an export holds at most "
                f"{settings.EXPORT_MAX_ROWS:,}. Narrow it with the filters or a search, "
                "then export again.",
            )
            return HttpResponseRedirect(self._changelist_url(request.GET.urlencode()))
        if rows <= settings.EXPORT_IN_REQUEST_MAX_ROWS:
            if format == Export.Format.CSV:
                return self._csv_response(table, changelist.queryset)
            return self._xlsx_response(table, changelist.queryset)
        if request.method == "POST":
            export = background.start(
                user=request.user,
                model=self.model,
                query=request.GET.urlencode(),
                format=format,
                filename=table.filename(format),
                rows=rows,
            )
            return HttpResponseRedirect(reverse("exports:detail", args=[export.pk]))
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": f"Export {self.opts.verbose_name_plural} as {Export.Format(format).label}",
            "opts": self.opts,
            "rows": rows,
            "format_label": Export.Format(format).label,
            "changelist_url": self._changelist_url(request.GET.urlencode()),
            "keep_hours": settings.EXPORT_KEEP_HOURS,
        }
        return TemplateResponse(request, "admin/reports/export_start.html", context)

    def _csv_response(self, table, queryset):
        return self._file_response(table, queryset, Export.Format.CSV, "text/csv; charset=utf-8")

    def _xlsx_response(self, table, queryset):
        return self._file_response(table, queryset, Export.Format.XLSX, XLSX_CONTENT_TYPE)

    def _file_response(self, table, queryset, format, content_type):
        response = FileResponse(
            exports.export_file(table, queryset, format),
            as_attachment=True,
            filename=table.filename(format),
            content_type=content_type,
        )
        response["Cache-Control"] = "no-store"
        return response

    def _changelist_url(self, query=""):
        changelist = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
        )
        return f"{changelist}?{query}" if query else changelist

    def _back_to_changelist(self, request):
        messages.error(request, "These filters cannot be exported; check them and try again.")
        return HttpResponseRedirect(f"{self._changelist_url()}?e=1")
