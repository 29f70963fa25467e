from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from alliance_portal.schools.models import Alliance
from deployments.evaluation_links import EVALUATION_LINK_LIFETIME
from leaders.models import Designation

from .models import RolePage


@require_safe
def healthz(request):
    """A bare view: no database, no template. A health check, and the bench's baseline."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def home(request):
    return render(request, "pages/home.html", {"roles": RolePage.objects.all()})


@require_safe
def role(request, kind):
    if kind != kind.lower() or kind.upper() not in Designation.Kind.values:
        raise Http404("No such role.")
    page = get_object_or_404(RolePage, kind=kind.upper())
    return render(request, "pages/role.html", {"page": page, "roles": RolePage.objects.all()})


@require_safe
def static_page(request, template):
    return render(request, template)


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
