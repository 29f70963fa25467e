import datetime
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from alliance_portal.prepared import Prepared
from alliance_portal.schools.models import Alliance
from deployments.evaluation_links import EVALUATION_LINK_LIFETIME
from leaders.models import Designation

from .models import RolePage

logger = logging.getLogger(__name__)


@require_safe
def healthz(request):
    """A bare view: no database, no template. A health check, and the bench's baseline."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@never_cache
def readyz(request):
    """Readiness: can this process answer real pages? It asks the database and the cache.

    200 with each check "ok", or 503 naming what failed (without its error,
    which goes to the log), so a load balancer sends no visitors to a process
    that would only show them the "try again" page.
    """
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    ready = all(checks.values())
    return JsonResponse(
        {name: "ok" if answered else "failed" for name, answered in checks.items()},
        status=200 if ready else 503,
    )


def _database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("Readiness: the database did not answer.", exc_info=True)
        return False


def _cache_answers():
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        answered = cache.get(key) == "1"
        cache.delete(key)
        return answered
    except Exception:  # each cache backend raises its own errors (redis.ConnectionError, ...)
        logger.warning("Readiness: the cache did not answer.", exc_info=True)
        return False


_ROLE_PAGE_FIELDS = [field.attname for field in RolePage._meta.concrete_fields]
# Every role page, in their order: a query built once (see alliance_portal.prepared).
_ROLE_PAGES = Prepared(lambda: RolePage.objects.values_list(*_ROLE_PAGE_FIELDS))


def role_pages():
    """Every role page (a list of RolePage), for the home page and the role pages."""
    return [
        RolePage.from_db(DEFAULT_DB_ALIAS, _ROLE_PAGE_FIELDS, row) for row in _ROLE_PAGES.rows()
    ]


@require_safe
def home(request):
    return render(request, "pages/home.html", {"roles": role_pages()})


@require_safe
def role(request, kind):
    if kind != kind.lower() or kind.upper() not in Designation.Kind.values:
        raise Http404("No such role.")
    roles = role_pages()
    page = next((role for role in roles if role.kind == kind.upper()), None)
    if page is None:
        raise Http404("No such role.")
    context = {
        "page": page,
        "kind_name": page.get_kind_display(),
        "other_roles": [
            (role.get_absolute_url(), role.get_kind_display()) for role in roles if role is not page
        ],
    }
    return render(request, "pages/role.html", context)


# When the accessibility statement was written and last reviewed; axe-core checks every
# page in CI on each change besides.
ACCESSIBILITY_STATEMENT_PREPARED = datetime.date(2026, 12, 2)
ACCESSIBILITY_LAST_REVIEWED = datetime.date(2026, 12, 2)


@require_safe
def accessibility(request):
    """The accessibility statement, with the session limits the code applies."""
    staff_idle, staff_max = settings.SESSION_LIMITS["staff"]
    return render(
        request,
        "pages/accessibility.html",
        {
            "alliances": Alliance.objects.order_by("name").only("name"),
            "prepared": ACCESSIBILITY_STATEMENT_PREPARED,
            "reviewed": ACCESSIBILITY_LAST_REVIEWED,
            "staff_idle_minutes": staff_idle // 60,
            "staff_max_hours": staff_max // 3600,
            "warning_minutes": max(1, round(settings.SESSION_WARNING_SECONDS / 60)),
        },
    )


def _words(number):
    return {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}.get(
        number, str(number)
    )


@require_safe
def privacy(request):
    """The privacy notice, with the periods the code applies (settings), not typed-in ones."""
    staff_idle, staff_max = settings.SESSION_LIMITS["staff"]
    leader_idle, leader_max = settings.SESSION_LIMITS["leader"]
    return render(
        request,
        "pages/privacy.html",
        {
            "retention_years": _words(settings.RETENTION_YEARS),
            "tracking_days": settings.TRACKING_LINK_DAYS_AFTER_END,
            "contact_days": settings.LEADER_CONTACT_DAYS_AFTER_END,
            "outbox_days": settings.OUTBOX_KEEP_DAYS,
            "lock_minutes": settings.LOGIN_LOCK_SECONDS // 60,
            "evaluation_days": EVALUATION_LINK_LIFETIME.days,
            "staff_idle_minutes": staff_idle // 60,
            "staff_max_hours": staff_max // 3600,
            "leader_idle_days": leader_idle // 86400,
            "leader_max_days": leader_max // 86400,
        },
    )


@require_safe
def contact(request):
    return render(request, "pages/contact.html", {"alliances": Alliance.objects.all()})
