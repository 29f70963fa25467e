"""The leader's own pages under /my/: what is waiting for them, current and past work.

Every query starts from `leader__user=request.user`: a leader sees only their
own deployments. Someone signed in without a Leader record gets a 404.
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from deployments.models import Deployment

from .models import Leader, academic_year_bounds

app_name = "portal"

CURRENT = (Deployment.Status.AGREED, Deployment.Status.IN_DELIVERY)
PAST = (Deployment.Status.COMPLETED, Deployment.Status.DECLINED, Deployment.Status.CANCELLED)


def get_leader_for_user(request: HttpRequest) -> Leader:
    return get_object_or_404(Leader, user=request.user)


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    leader = get_leader_for_user(request)
    deployments = list(
        Deployment.objects.filter(leader__user=request.user)
        .select_related("request__school")
        .prefetch_related("request__areas_of_expertise")
        .order_by("-proposed_at", "-created_at", "-id")
    )
    waiting = [
        d for d in deployments if d.status == Deployment.Status.PROPOSED and d.responded_at is None
    ]
    current = sorted(
        (d for d in deployments if d.status in CURRENT),
        key=lambda d: (d.start_date is None, d.start_date, d.pk),
    )
    past = [d for d in deployments if d.status in PAST]

    year_start, year_end = academic_year_bounds(timezone.localdate())
    days_agreed = sum(
        (
            d.agreed_days or Decimal(0)
            for d in deployments
            if d.status in Deployment.COMMITTED_STATUSES
            and d.start_date is not None
            and year_start <= d.start_date <= year_end
        ),
        Decimal(0),
    )
    return render(
        request,
        "leaders/portal/dashboard.html",
        {
            "leader": leader,
            "waiting": waiting,
            "current": current,
            "past": past,
            "days_agreed": days_agreed,
            "days_left": max(leader.days_per_year - days_agreed, Decimal(0)),
            "year_start": year_start,
            "year_end": year_end,
        },
    )


urlpatterns = [
    path("", dashboard, name="dashboard"),
]
