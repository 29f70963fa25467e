"""What the school's tracking page says: where the request stands and how it got there.

Written for the school, in plain words: each state once, and what happened to
the agreed work (a start, a pause, a change, an early end) with its reason.
Internal notes stay out, as they can name leaders asked before.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from alliance_portal.pages.formats import days_text, long_date
from deployments.models import Deployment

from .models import SupportRequest

Status = SupportRequest.Status

# What each state the request reached means to the school, on its timeline.
REACHED = {
    Status.NEW: "You sent the request",
    Status.TRIAGED: "A coordinator read your request",
    Status.MATCHING: "We started looking for a leader",
    Status.PROPOSED: "We asked a leader to support you",
    Status.AGREED: "The support was agreed",
    Status.IN_DELIVERY: "The support started",
    Status.COMPLETED: "The support finished",
    Status.EVALUATED: "You told us how it went",
    Status.WITHDRAWN: "You withdrew the request",
    Status.DECLINED: "The alliance could not take the request on",
    Status.NO_MATCH: "We could not find a leader",
    Status.LAPSED: "The request closed after a long wait",
}


@dataclass
class Moment:
    when: datetime
    text: str
    detail: str = ""


def school_headline(support_request, deployments):
    """The state in a line: "Agreed, starts 11 January 2027", "Paused", "Under way"."""
    live = [deployment for deployment in deployments if deployment.is_live]
    if support_request.status == Status.AGREED and live:
        start = min(deployment.start_date for deployment in live if deployment.start_date)
        if start > timezone.localdate():
            return f"Agreed, starts {long_date(start)}"
        return f"Agreed, due to start on {long_date(start)}"
    if support_request.status == Status.IN_DELIVERY and live:
        if all(deployment.status == Deployment.Status.PAUSED for deployment in live):
            return "Paused"
        return "Under way"
    return support_request.get_status_display()


def school_story(support_request, deployments):
    """The request's timeline for the school, oldest first."""
    moments = []
    last = None
    for event in support_request.events.all():
        if event.to_status == last or (event.from_status and event.from_status == event.to_status):
            continue
        last = event.to_status
        moments.append(Moment(event.created_at, REACHED[event.to_status]))
    for deployment in deployments:
        leader = deployment.leader.full_name
        for variation in deployment.variations.all():
            moments.append(
                Moment(
                    variation.created_at,
                    f"The agreement with {leader} changed: {'; '.join(variation.changes())}",
                    f"Why: {variation.reason}",
                )
            )
        if deployment.status == Deployment.Status.PAUSED and deployment.paused_at:
            moments.append(
                Moment(
                    deployment.paused_at,
                    f"{leader}'s support was paused until about "
                    f"{long_date(deployment.resume_expected)}",
                    f"Why: {deployment.pause_reason}",
                )
            )
        if deployment.stopped_at:
            moments.append(
                Moment(
                    deployment.stopped_at,
                    f"{leader}'s support stopped early, after {days_text(deployment.days_delivered)} "
                    f"of {days_text(deployment.agreed_days)}",
                    f"Why: {deployment.get_stop_reason_display()}. {deployment.stop_note}",
                )
            )
    return sorted(moments, key=lambda moment: moment.when)
