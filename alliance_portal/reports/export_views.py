"""The pages of an export built in the background (background.py): its progress,
its status for the progress bar, its download, and the list of recent ones.

Each is an admin page (wrapped in `admin.site.admin_view` in export_urls.py), and
shows only exports of the user's own scope: any other is a 404.
"""

from django.contrib import admin
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .background import file_chunks, has_stalled, may_view, visible_exports
from .models import Export

CONTENT_TYPES = {
    Export.Format.CSV: "text/csv; charset=utf-8",
    Export.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export_for(request, export_id):
    export = get_object_or_404(
        visible_exports(request.user).filter(expires_at__gte=timezone.now()), pk=export_id
    )
    if not may_view(request.user, export):
        raise Http404("No export with this ID.")
    return export


def _state(export):
    """What the progress page and its polling both show."""
    stalled = has_stalled(export)
    if export.status == Export.Status.READY:
        message = f"Ready: {export.rows_total:,} rows."
    elif export.status == Export.Status.FAILED:
        message = f"The export failed. {export.error}"
    elif stalled and export.status == Export.Status.RUNNING:
        message = "The export stopped before it was finished. Start it again from the list."
    elif export.status == Export.Status.RUNNING:
        message = f"Building: {export.rows_done:,} of {export.rows_total or 0:,} rows."
    elif stalled:
        message = (
            "Still waiting for the worker. If this goes on, tell whoever runs the portal "
            "that the worker (manage.py db_worker) is not running."
        )
    else:
        message = "Waiting for the worker to start it."
    return {
        "status": export.status,
        "done": export.rows_done,
        "total": export.rows_total or 0,
        "percent": export.percent,
        "message": message,
        # The progress bar stops asking: done, failed, or stuck (reloading asks again).
        "finished": export.status in (Export.Status.READY, Export.Status.FAILED) or stalled,
        "ended": export.status in (Export.Status.READY, Export.Status.FAILED),
        "download_url": reverse("exports:download", args=[export.pk])
        if export.status == Export.Status.READY
        else "",
    }


def _context(request, **extra):
    request.current_app = admin.site.name
    return {**admin.site.each_context(request), **extra}


@require_GET
@never_cache
def export_detail(request, export_id):
    export = _export_for(request, export_id)
    model = export.model_label.split(".")
    context = _context(
        request,
        title=f"Export: {export.filename}",
        export=export,
        state=_state(export),
        changelist_url=reverse(f"admin:{model[0]}_{model[1]}_changelist")
        + (f"?{export.query}" if export.query else ""),
    )
    return TemplateResponse(request, "admin/reports/export_detail.html", context)


@require_GET
@never_cache
def export_status(request, export_id):
    # The progress bar asks every second; that alone must not keep a session alive.
    request.polling = True
    return JsonResponse(_state(_export_for(request, export_id)))


@require_GET
def export_download(request, export_id):
    export = _export_for(request, export_id)
    if export.status != Export.Status.READY:
        raise Http404("This export is not ready.")
    return StreamingHttpResponse(
        file_chunks(export),
        content_type=CONTENT_TYPES[export.format],
        headers={
            "Content-Disposition": content_disposition_header(True, export.filename),
            "Content-Length": str(export.size),
            "Cache-Control": "no-store",
        },
    )


@require_GET
@never_cache
def export_list(request):
    exports = (
        visible_exports(request.user)
        .filter(expires_at__gte=timezone.now())
        .select_related("requested_by")[:50]
    )
    rows = [(export, _state(export)) for export in exports]
    return TemplateResponse(
        request,
        "admin/reports/export_list.html",
        _context(request, title="Exports", rows=rows),
    )
