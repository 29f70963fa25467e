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
    Status.COMPLETED: "The support ended",
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
    """The state in a line and a sentence under it, from one place so they never disagree:
    ("Agreed, starts 11 January 2027", ...), ("Paused", ...), ("Stopped early", ...)."""
    live = [deployment for deployment in deployments if deployment.is_live]
    status = support_request.status
    if status == Status.AGREED and live:
        start = min(deployment.start_date for deployment in live if deployment.start_date)
        when = "starts" if start > timezone.localdate() else "due to start on"
        return (
            f"Agreed, {when} {long_date(start)}",
            "The support is agreed. Your leader will be in touch to arrange the first session.",
        )
    if status == Status.IN_DELIVERY and live:
        if any(deployment.status == Deployment.Status.IN_DELIVERY for deployment in live):
            return "Under way", support_request.status_for_school
        if any(deployment.status == Deployment.Status.PAUSED for deployment in live):
            return (
                "Paused",
                "The support is paused for now. Below is why, and when it should start again.",
            )
    ended = [deployment for deployment in deployments if deployment.has_ended]
    if (
        status == Status.COMPLETED
        and ended
        and all(deployment.status == Deployment.Status.STOPPED for deployment in ended)
    ):
        return (
            "Stopped early",
            "The support stopped before its planned end. We will ask you how the part "
            "that happened went.",
        )
    return support_request.get_status_display(), support_request.status_for_school


def _pauses_and_stops(deployment, versions):
    """When the deployment was paused, resumed and stopped, from its history, with the reasons."""
    leader = deployment.leader.full_name
    before = None
    for version in versions:
        if version.status == before:
            continue
        if version.status == Deployment.Status.PAUSED:
            until = (
                f" until about {long_date(version.resume_expected)}"
                if version.resume_expected
                else ""
            )
            yield Moment(
                version.paused_at or version.history_date,
                f"{leader}'s support was paused{until}",
                f"Why: {version.pause_reason}",
            )
        elif before == Deployment.Status.PAUSED and version.status == Deployment.Status.IN_DELIVERY:
            yield Moment(version.history_date, f"{leader}'s support resumed")
        elif version.status == Deployment.Status.STOPPED:
            yield Moment(
                version.stopped_at or version.history_date,
                f"{leader}'s support stopped early, after {days_text(version.days_delivered)} "
                f"of {days_text(version.agreed_days)}",
                f"Why: {version.get_stop_reason_display()}. {version.stop_note}",
            )
        before = version.status


def school_story(support_request, deployments):
    """The request's timeline for the school, oldest first."""
    moments = []
    last = None
    for event in support_request.events.all():
        if event.to_status == last or event.is_note:
            continue
        last = event.to_status
        moments.append(Moment(event.created_at, REACHED[event.to_status]))
    # Every deployment's history in one query, oldest version first.
    versions = {}
    for version in Deployment.history.filter(
        id__in=[deployment.pk for deployment in deployments]
    ).order_by("history_date", "history_id"):
        versions.setdefault(version.id, []).append(version)
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
        moments.extend(_pauses_and_stops(deployment, versions.get(deployment.pk, [])))
    return sorted(moments, key=lambda moment: moment.when)
