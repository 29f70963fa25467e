"""The leader's record of delivery: support log entries and planned sessions.

Each function runs in one transaction and either does all it says or, with
a ValidationError saying why, nothing. Field problems are keyed by the
argument they concern, so a form can show them next to the right input.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from alliance_portal.pages.formats import long_date, plain_number
from leaders.models import Leader

from .models import Deployment, PlannedSession, SupportLog, days_from_hours
from .services import _lock, deployment_start

Status = Deployment.Status
# Sessions are planned at most this far ahead.
PLANNING_HORIZON = datetime.timedelta(days=730)

NOT_ACTIVE = {
    Status.PROPOSED: "This support has not been agreed yet, so there is nothing to {} against it.",
    Status.ACCEPTED: "This support has not been agreed yet, so there is nothing to {} against it.",
    Status.DECLINED: "This proposal was declined, so you cannot {} against it.",
    Status.PAUSED: "This support is paused, so you cannot {} against it until it resumes.",
    Status.COMPLETED: "This support is completed, so you can no longer {} against it.",
    Status.STOPPED: "This support was stopped early, so you can no longer {} against it.",
    Status.CANCELLED: "This support was cancelled, so you can no longer {} against it.",
}


def delivery_totals(hours, deployment):
    """`hours` logged as days delivered, against the deployment's agreed days."""
    # To one decimal place, as pages show it, so "over" never contradicts the figure.
    days = days_from_hours(hours)
    agreed = deployment.agreed_days
    return {
        "hours": hours,
        "days": days,
        "agreed": agreed,
        "over": agreed is not None and days > agreed,
        "left": None if agreed is None else max(agreed - days, Decimal(0)),
    }


def _check_active(deployment, doing, *, allowed=Deployment.LOGGABLE_STATUSES):
    if deployment.status not in allowed:
        raise ValidationError(NOT_ACTIVE[deployment.status].format(doing))


def _check_entry(deployment, date, hours, activity, notes, objectives, *, entry=None):
    """Every problem with a log entry at once, keyed by field; returns the cleaned notes and
    objectives. `entry` is the one being changed, left out of the day's total.
    """
    # One leader's entries are written one at a time, so a day's total stays honest.
    Leader.objects.select_for_update().get(pk=deployment.leader_id)
    errors = {}
    today = timezone.localdate()
    if date is None:
        errors["date"] = "Enter the date of the support"
    elif date > today:
        errors["date"] = "The date must be today or in the past"
    elif deployment.start_date and date < deployment.start_date:
        started = "started" if deployment.start_date <= today else "is agreed to start"
        errors["date"] = (
            f"The date must not be before the support {started} on {long_date(deployment.start_date)}"
        )
    hours_error = _hours_error(hours)
    if hours_error:
        errors["hours"] = hours_error
    elif date is not None and "date" not in errors:
        same_day = SupportLog.objects.filter(deployment__leader_id=deployment.leader_id, date=date)
        if entry is not None:
            same_day = same_day.exclude(pk=entry.pk)
        logged = same_day.aggregate(total=Sum("hours"))["total"] or Decimal(0)
        if logged + Decimal(hours) > SupportLog.MAX_HOURS:
            left = max(SupportLog.MAX_HOURS - logged, Decimal(0))
            errors["hours"] = (
                f"You have already logged {plain_number(logged)} hours on {long_date(date)}; "
                f"a day has at most {SupportLog.MAX_HOURS:f}, so you can add "
                f"{plain_number(left)} more"
            )
    if activity not in SupportLog.Activity.values:
        errors["activity"] = "Choose what you did"
    notes = (notes or "").strip()
    if len(notes) > 2000:
        errors["notes"] = "Notes must be 2000 characters or fewer"
    objectives = list(objectives)
    if any(objective.deployment_id != deployment.pk for objective in objectives):
        errors["objectives"] = "Choose objectives of this support only"
    if errors:
        raise ValidationError(errors)
    return notes, objectives


def _hours_error(hours, *, required=True):
    """What is wrong with a number of hours, or None."""
    if hours is None:
        return "Enter the number of hours" if required else None
    try:
        hours = Decimal(hours)
    except (InvalidOperation, TypeError, ValueError):
        return "Enter the hours as a number, like 2 or 3.5"
    if not 0 < hours <= SupportLog.MAX_HOURS:
        return f"Enter more than 0 and at most {SupportLog.MAX_HOURS:f} hours"
    if hours != hours.quantize(Decimal("0.01")):
        return "Enter the hours to at most two decimal places, like 2.25"
    return None


@transaction.atomic
def support_log_add(*, deployment, actor, date, hours, activity, notes="", objectives=()):
    """Log support given on `date`; the first entry on an agreed deployment starts it."""
    deployment = _lock(deployment)
    _check_active(deployment, "log support")
    notes, objectives = _check_entry(deployment, date, hours, activity, notes, objectives)

    entry = SupportLog.objects.create(
        deployment=deployment,
        date=date,
        hours=Decimal(hours),
        activity=activity,
        notes=notes,
        logged_by=actor,
    )
    entry.objectives.set(objectives)
    if deployment.status == Status.AGREED:
        deployment_start(deployment=deployment, actor=actor)
    return entry


@transaction.atomic
def support_log_change(*, entry, actor, date, hours, activity, notes="", objectives=()):
    """Correct a log entry, while the support is still open, under the same rules as adding."""
    deployment = _lock(entry.deployment)
    _check_active(deployment, "change the log")
    notes, objectives = _check_entry(
        deployment, date, hours, activity, notes, objectives, entry=entry
    )
    entry.date, entry.hours, entry.activity, entry.notes = date, Decimal(hours), activity, notes
    entry.save(update_fields=["date", "hours", "activity", "notes", "updated_at"])
    entry.objectives.set(objectives)
    return entry


@transaction.atomic
def support_log_remove(*, entry, actor):
    """Remove a log entry, while the support is still open."""
    _check_active(_lock(entry.deployment), "change the log")
    SupportLog.objects.filter(pk=entry.pk).delete()


@transaction.atomic
def session_plan(*, deployment, actor, date, start_time=None, hours=None, note=""):
    """Put a session with the school in the leader's calendar."""
    deployment = _lock(deployment)
    _check_active(deployment, "plan sessions")
    errors = {}
    today = timezone.localdate()
    if date is None:
        errors["date"] = "Enter the date of the session"
    elif date < today:
        errors["date"] = "The date must be today or in the future"
    elif date > today + PLANNING_HORIZON:
        errors["date"] = "The date must be within the next two years"
    hours_error = _hours_error(hours, required=False)
    if hours_error:
        errors["hours"] = hours_error
    note = (note or "").strip()
    if len(note) > 255:
        errors["note"] = "The note must be 255 characters or fewer"
    if errors:
        raise ValidationError(errors)
    return PlannedSession.objects.create(
        deployment=deployment,
        date=date,
        start_time=start_time,
        hours=None if hours is None else Decimal(hours),
        note=note,
    )


@transaction.atomic
def session_cancel(*, session, actor):
    """Take a planned session out of the calendar, while the support is still open."""
    # A paused deployment's sessions can still be taken out of the calendar.
    _check_active(
        _lock(session.deployment), "change the planned sessions", allowed=Deployment.LIVE_STATUSES
    )
    PlannedSession.objects.filter(pk=session.pk).delete()
