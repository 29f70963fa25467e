"""The coordinators' dashboard, an admin page (wrapped in `admin.site.admin_view` in urls.py)."""

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from alliance_portal.accounts import scoping

from .charts import STATE_COLOURS, requests_per_month_svg
from .dashboard import (
    LIST_LIMIT,
    PROPOSAL_WAITING_DAYS,
    TRIAGE_WAITING_WORKING_DAYS,
    dashboard_figures,
)
from .snapshots import dashboard_snapshot, scope_key


def _chosen_alliance(request, alliances):
    """The `?alliance=<id>` a superuser picked, if it names an alliance; else None."""
    try:
        chosen = int(request.GET.get("alliance", ""))
    except ValueError:
        return None
    return next((alliance for alliance in alliances if alliance.pk == chosen), None)


@require_GET
def dashboard(request):
    user = request.user
    if scoping.sees_everything(user):
        # A superuser sees every alliance, or picks one.
        alliances = list(scoping.alliances_for(user).order_by("name"))
        alliance = _chosen_alliance(request, alliances)
        alliance_id = alliance.pk if alliance else None
    else:
        # A coordinator sees their own alliance whatever the query string says.
        alliances = []
        alliance = user.alliance if scoping.alliance_id_of(user) is not None else None
        alliance_id = None
    snapshot = dashboard_snapshot(
        user, alliance_id, lambda: dashboard_figures(user, alliance_id=alliance_id)
    )
    request.current_app = admin.site.name
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "subtitle": alliance.name if alliance else "All alliances",
        "figures": snapshot.figures,
        "figures_html": _figures_html(snapshot, scope_key(user, alliance_id)),
        "as_of": snapshot.as_of,
        "refreshed_within": settings.DASHBOARD_STALE_SECONDS,
        "alliances": alliances,
        "alliance": alliance,
    }
    return TemplateResponse(request, "admin/reports/dashboard.html", context)


def _figures_html(snapshot, key):
    """The tables and chart of one snapshot, rendered once and kept beside it in the shared
    cache: everyone of the scope sees the same, so only the page around it is per request."""
    cache_key = (
        f"{key}:html:{snapshot.as_of.isoformat()}" if key and snapshot.version is not None else None
    )
    if cache_key and (html := cache.get(cache_key)) is not None:
        return mark_safe(html)
    figures = snapshot.figures
    html = render_to_string(
        "admin/reports/dashboard_figures.html",
        {
            "figures": figures,
            "chart": requests_per_month_svg(figures.months),
            "state_columns": [
                (state.status, state.label, STATE_COLOURS[state.status]) for state in figures.states
            ],
            "month_rows": [
                (month, [month.counts.get(state.status, 0) for state in figures.states])
                for month in figures.months
            ],
            "triage_working_days": TRIAGE_WAITING_WORKING_DAYS,
            "proposal_days": PROPOSAL_WAITING_DAYS,
            "list_limit": LIST_LIMIT,
        },
    )
    if cache_key:
        cache.set(cache_key, str(html), settings.DASHBOARD_MAX_AGE_SECONDS)
    return html
