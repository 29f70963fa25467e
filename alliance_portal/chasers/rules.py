"""What is late, by one set of rules for the reminders and the coordinators' digest.

Each `*_late` function is a queryset of exactly the records late on `today`,
with what their emails and the digest show already joined; each `*_due_on`
says from which day a record is late (the reminders are sent from that day,
or the first working day after it). The intervals are settings (see
alliance_portal/settings.py, "Reminders"); days are calendar days except for
proposals, which wait a number of working days (alliance_portal.pages.working_days).
Records whose people's details were removed (retention, erasure) are never
chased.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from alliance_portal.pages import working_days as clock
from deployments.impact import REPORTABLE_STATUSES
from deployments.models import Deployment, SupportLog
from leaders.models import Designation
from requests.models import SupportRequest

Status = Deployment.Status


def start_of_day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def local_day(moment):
    return timezone.localdate(moment) if moment else None


def _deployments():
    return Deployment.objects.filter(
        request__anonymised_at__isnull=True, leader__anonymised_at__isnull=True
    ).select_related("leader", "designation", "request__alliance", "request__school")


def _has_log():
    return Exists(SupportLog.objects.filter(deployment=OuterRef("pk")))


# 1. A proposal the leader has not answered.


def proposal_due_on(deployment):
    """The leader is reminded CHASE_PROPOSAL_WORKING_DAYS working days after the proposal,
    and never before the answer-by date the coordinator gave them has passed."""
    due = clock.add_working_days(
        local_day(deployment.proposed_at), settings.CHASE_PROPOSAL_WORKING_DAYS
    )
    if deployment.answer_by:
        due = max(due, clock.add_working_days(deployment.answer_by, 1))
    return due


def proposals_late(today):
    """Proposals still waiting for the leader's answer, late by `proposal_due_on`."""
    # Proposed on or before this day: the working days asked for ago, or more.
    proposed_by = clock.latest_day_older_than(settings.CHASE_PROPOSAL_WORKING_DAYS - 1, today)
    # An answer-by date on or before this day is a working day or more behind us.
    answer_by_passed = clock.latest_day_older_than(0, today)
    return (
        _deployments()
        .filter(status=Status.PROPOSED, proposed_at__lt=start_of_day(proposed_by + clock.ONE_DAY))
        .filter(Q(answer_by__isnull=True) | Q(answer_by__lte=answer_by_passed))
        .order_by("proposed_at", "pk")
    )


# 2. Agreed work with nothing logged.


def nothing_logged_due_on(deployment):
    return deployment.start_date + datetime.timedelta(weeks=settings.CHASE_NOTHING_LOGGED_WEEKS)


def nothing_logged_late(today):
    """Agreed or in-delivery work (never paused) with an empty support log,
    CHASE_NOTHING_LOGGED_WEEKS weeks or more after its start date."""
    latest_start = today - datetime.timedelta(weeks=settings.CHASE_NOTHING_LOGGED_WEEKS)
    return (
        _deployments()
        .filter(status__in=Deployment.LOGGABLE_STATUSES, start_date__lte=latest_start)
        .filter(~_has_log())
        .order_by("start_date", "pk")
    )


# 3. The leader's impact report.


def ended_on(deployment):
    """The day the work ended: the agreed end date, or the day it was completed or
    stopped when that came first. Work still in delivery is due to end on its end date."""
    moment = {Status.COMPLETED: deployment.completed_at, Status.STOPPED: deployment.stopped_at}
    ended = local_day(moment.get(deployment.status))
    if deployment.end_date and ended:
        return min(deployment.end_date, ended)
    return ended or deployment.end_date


def report_due_on(deployment):
    return ended_on(deployment) + datetime.timedelta(days=settings.CHASE_REPORT_DAYS_AFTER_END)


def reports_late(today):
    """Work that can report (in delivery, completed or stopped, with support logged)
    with no impact report CHASE_REPORT_DAYS_AFTER_END days or more after it ended."""
    latest = today - datetime.timedelta(days=settings.CHASE_REPORT_DAYS_AFTER_END)
    before = start_of_day(latest + clock.ONE_DAY)
    return (
        _deployments()
        .filter(status__in=REPORTABLE_STATUSES, impact_report__isnull=True)
        .filter(_has_log())
        .filter(
            Q(end_date__lte=latest)
            | Q(status=Status.COMPLETED, completed_at__lt=before)
            | Q(status=Status.STOPPED, stopped_at__lt=before)
        )
        .order_by("end_date", "pk")
    )


# 4. The school's evaluation.


def evaluation_due_on(deployment):
    ended = local_day(deployment.completed_at or deployment.stopped_at)
    return ended + datetime.timedelta(days=settings.CHASE_EVALUATION_DAYS)


def evaluations_late(today):
    """Work the school can evaluate (completed or stopped with days delivered) and has
    not, CHASE_EVALUATION_DAYS days or more after it was completed or stopped."""
    latest = today - datetime.timedelta(days=settings.CHASE_EVALUATION_DAYS)
    before = start_of_day(latest + clock.ONE_DAY)
    return (
        _deployments()
        .filter(
            status__in=Deployment.DELIVERED_STATUSES,
            days_delivered__gt=0,
            school_evaluation__isnull=True,
        )
        .exclude(request__status__in=SupportRequest.CLOSED_STATUSES)
        .filter(
            Q(status=Status.COMPLETED, completed_at__lt=before)
            | Q(status=Status.STOPPED, stopped_at__lt=before)
        )
        .order_by("completed_at", "stopped_at", "pk")
    )


# 5. A designation review.


def reviews_late(today, *, within_days):
    """Active designations from an alliance whose review date is past or within
    `within_days` days. National designations (no alliance) are reviewed outside
    the portal, as `designation_reviews` says."""
    return (
        Designation.objects.filter(
            status=Designation.Status.ACTIVE,
            alliance__isnull=False,
            leader__anonymised_at__isnull=True,
            review_due_on__lte=today + datetime.timedelta(days=within_days),
        )
        .select_related("leader", "alliance")
        .order_by("review_due_on", "leader__full_name", "pk")
    )
