"""The coordinator's caseload: what each open request is waiting for, and how long.

The request list annotates each row with what its deployments say (an accepted
ask, paused work, the next agreed start), so the next action is worked out
without a query per row.
"""

from django.db.models import Exists, Min, OuterRef, Subquery
from django.utils import timezone

from alliance_portal.pages.formats import long_date
from alliance_portal.pages.working_days import working_days_between
from deployments.models import Deployment

from .models import SupportRequest

Status = SupportRequest.Status
D = Deployment.Status


def with_caseload_facts(queryset):
    """The requests with `has_accepted`, `has_paused` and `next_start` for `next_action`."""
    deployments = Deployment.objects.filter(request=OuterRef("pk")).order_by()
    return queryset.annotate(
        has_accepted=Exists(deployments.filter(status=D.ACCEPTED)),
        has_paused=Exists(deployments.filter(status=D.PAUSED)),
        next_start=Subquery(
            deployments.filter(status=D.AGREED)
            .values("request")
            .annotate(first=Min("start_date"))
            .values("first")[:1]
        ),
    )


def facts_from(support_request, deployments):
    """The caseload's facts for one request whose deployments are already at hand."""
    support_request.has_accepted = any(d.status == D.ACCEPTED for d in deployments)
    support_request.has_paused = any(d.status == D.PAUSED for d in deployments)
    starts = [d.start_date for d in deployments if d.status == D.AGREED and d.start_date]
    support_request.next_start = min(starts, default=None)
    return support_request


def next_action(support_request):
    """What the request needs next, in a few words, from its state and deployments
    (`with_caseload_facts` for a list, `facts_from` for one request)."""
    status = support_request.status
    if status == Status.NEW:
        return "Triage the request"
    if status == Status.TRIAGED:
        return "Start matching"
    if status == Status.MATCHING:
        return "Propose a leader"
    if status == Status.PROPOSED:
        if getattr(support_request, "has_accepted", False):
            return "Agree the terms"
        return "Wait for the leader's answer"
    if status == Status.AGREED:
        start = getattr(support_request, "next_start", None)
        return f"Delivery starts {long_date(start)}" if start else "Start delivery"
    if status == Status.IN_DELIVERY:
        if getattr(support_request, "has_paused", False):
            return "Paused: check when it resumes"
        return "Follow the delivery"
    if status == Status.COMPLETED:
        return "Wait for the school's evaluation"
    return "None: closed"


def working_days_waiting(support_request, today=None):
    """Working days since the request reached its present state."""
    today = today or timezone.localdate()
    return working_days_between(timezone.localdate(support_request.status_changed_at), today)
