"""Logging support and planning sessions: what is refused, and that a refusal changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deployments.logging import (
    session_cancel,
    session_plan,
    support_log_add,
    support_log_change,
    support_log_remove,
)
from deployments.models import Deployment, PlannedSession, SupportLog
from deployments.portal import delivered
from requests.models import RequestEvent, SupportRequest
from tests.factories import (
    AgreedDeploymentFactory,
    ObjectiveFactory,
    PlannedSessionFactory,
    SupportLogFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def deployment():
    return AgreedDeploymentFactory(
        leader__user=UserFactory(),
        request__status=SupportRequest.Status.AGREED,
        start_date=TODAY - 30 * DAY,
        end_date=TODAY + 90 * DAY,
    )


def log(deployment, **fields):
    arguments = {
        "deployment": deployment,
        "actor": deployment.leader.user,
        "date": TODAY,
        "hours": Decimal("3"),
        "activity": SupportLog.Activity.COACHING,
        "notes": "",
        "objectives": [],
        **fields,
    }
    return support_log_add(**arguments)


def refusal(call, **fields):
    with pytest.raises(ValidationError) as raised:
        call(**fields)
    return raised.value


def test_it_logs_an_entry_with_its_objectives(deployment):
    objective = ObjectiveFactory(deployment=deployment)

    entry = log(
        deployment, hours=Decimal("2.5"), notes="  Coached the head.  ", objectives=[objective]
    )

    assert (entry.date, entry.hours, entry.notes) == (TODAY, Decimal("2.5"), "Coached the head.")
    assert list(entry.objectives.all()) == [objective]
    assert entry.logged_by == deployment.leader.user


def test_the_first_entry_starts_an_agreed_deployment(deployment):
    log(deployment)
    log(deployment, date=TODAY - DAY)

    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.IN_DELIVERY
    assert deployment.request.status == SupportRequest.Status.IN_DELIVERY
    started = RequestEvent.objects.filter(request=deployment.request, to_status="in-delivery")
    assert [(event.actor, event.from_status) for event in started] == [
        (deployment.leader.user, SupportRequest.Status.AGREED)
    ]


def test_nothing_is_logged_when_the_deployment_cannot_start(deployment):
    # The request was withdrawn, so it cannot move into delivery.
    SupportRequest.objects.filter(pk=deployment.request_id).update(status="withdrawn")

    refusal(log, deployment=deployment)

    assert not SupportLog.objects.exists()
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.AGREED


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("proposed", "not been agreed yet"),
        ("declined", "was declined"),
        ("completed", "is completed"),
        ("cancelled", "was cancelled"),
    ],
)
def test_it_refuses_to_log_unless_agreed_or_in_delivery(deployment, status, why):
    Deployment.objects.filter(pk=deployment.pk).update(status=status)

    error = refusal(log, deployment=deployment)

    assert why in error.messages[0]
    assert not SupportLog.objects.exists()


@pytest.mark.parametrize(
    ("date", "message"),
    [
        (TODAY + DAY, "today or in the past"),
        (TODAY - 31 * DAY, "before the support started"),
        (None, "Enter the date"),
    ],
)
def test_it_refuses_a_date_in_the_future_or_before_the_start(deployment, date, message):
    error = refusal(log, deployment=deployment, date=date)

    assert message in error.message_dict["date"][0]
    assert not SupportLog.objects.exists()


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("-1"), Decimal("12.5"), Decimal("1.001")])
def test_it_refuses_hours_out_of_range(deployment, hours):
    error = refusal(log, deployment=deployment, hours=hours)

    assert "hours" in error.message_dict
    assert not SupportLog.objects.exists()


def test_it_allows_a_full_long_day(deployment):
    assert log(deployment, hours=SupportLog.MAX_HOURS).hours == 12


def test_it_refuses_more_than_a_long_day_across_all_the_leaders_deployments(deployment):
    other = AgreedDeploymentFactory(
        leader=deployment.leader,
        designation=deployment.designation,
        status=Deployment.Status.IN_DELIVERY,
        start_date=TODAY - 30 * DAY,
    )
    SupportLogFactory(deployment=other, date=TODAY, hours=Decimal("8"))
    # Another leader's hours on the same day do not count.
    SupportLogFactory(date=TODAY, hours=Decimal("10"))

    error = refusal(log, deployment=deployment, hours=Decimal("4.5"))

    assert "already logged 8 hours" in error.message_dict["hours"][0]
    assert "4 more" in error.message_dict["hours"][0]
    assert log(deployment, hours=Decimal("4")).hours == 4


def test_it_refuses_another_deployments_objective(deployment):
    mine = ObjectiveFactory(deployment=deployment)
    theirs = ObjectiveFactory()

    error = refusal(log, deployment=deployment, objectives=[mine, theirs])

    assert "objectives" in error.message_dict
    assert not SupportLog.objects.exists()


def test_it_refuses_an_unknown_activity_and_long_notes(deployment):
    error = refusal(log, deployment=deployment, activity="napping", notes="x" * 2001)

    assert set(error.message_dict) == {"activity", "notes"}


def test_totals_count_seven_hours_to_a_day_against_the_agreed_days(deployment):
    for hours in ("7", "7", "3.5"):
        SupportLogFactory(deployment=deployment, hours=Decimal(hours))

    totals = delivered(list(deployment.log_entries.all()), deployment)

    assert (totals["hours"], totals["days"], totals["left"]) == (17.5, 2.5, 3.5)
    assert totals["over"] is False
    for _ in range(3):
        SupportLogFactory(deployment=deployment, hours=Decimal("12"))
    assert delivered(list(deployment.log_entries.all()), deployment)["over"] is True


def test_it_removes_an_entry_while_the_support_is_open(deployment):
    entry = log(deployment)

    support_log_remove(entry=entry, actor=deployment.leader.user)

    assert not SupportLog.objects.exists()


def test_it_keeps_the_log_of_completed_support(deployment):
    entry = SupportLogFactory(deployment=deployment)
    Deployment.objects.filter(pk=deployment.pk).update(status="completed")

    error = refusal(support_log_remove, entry=entry, actor=deployment.leader.user)

    assert "is completed" in error.messages[0]
    assert SupportLog.objects.filter(pk=entry.pk).exists()


def test_it_changes_an_entry_counting_the_day_without_its_old_hours(deployment):
    entry = log(deployment, hours=Decimal("8"))
    other_objective = ObjectiveFactory(deployment=deployment)

    support_log_change(
        entry=entry,
        actor=deployment.leader.user,
        date=TODAY,
        hours=Decimal("12"),
        activity=SupportLog.Activity.TRAINING,
        notes=" Ran the twilight session. ",
        objectives=[other_objective],
    )

    entry.refresh_from_db()
    assert (entry.hours, entry.activity, entry.notes) == (
        Decimal("12"),
        SupportLog.Activity.TRAINING,
        "Ran the twilight session.",
    )
    assert list(entry.objectives.all()) == [other_objective]


def test_a_refused_change_leaves_the_entry_as_it_was(deployment):
    entry = log(deployment, hours=Decimal("3"))
    log(deployment, hours=Decimal("8"))

    error = refusal(
        support_log_change,
        entry=entry,
        actor=deployment.leader.user,
        date=TODAY,
        hours=Decimal("5"),
        activity=SupportLog.Activity.COACHING,
        notes="",
        objectives=[],
    )

    assert "You have already logged 8 hours" in error.message_dict["hours"][0]
    entry.refresh_from_db()
    assert entry.hours == Decimal("3")


def test_it_keeps_entries_of_completed_support_as_they_are(deployment):
    entry = SupportLogFactory(deployment=deployment)
    Deployment.objects.filter(pk=deployment.pk).update(status="completed")

    error = refusal(
        support_log_change,
        entry=entry,
        actor=deployment.leader.user,
        date=entry.date,
        hours=Decimal("1"),
        activity=entry.activity,
        notes="",
        objectives=[],
    )

    assert "is completed" in error.messages[0]
    entry.refresh_from_db()
    assert entry.hours == Decimal("3.5")


def plan(deployment, **fields):
    arguments = {
        "deployment": deployment,
        "actor": deployment.leader.user,
        "date": TODAY + 7 * DAY,
        "start_time": datetime.time(9, 30),
        "hours": Decimal("3"),
        "note": "Lesson visits",
        **fields,
    }
    return session_plan(**arguments)


def test_it_plans_a_session_today_or_later(deployment):
    plan(deployment)
    plan(deployment, date=TODAY, start_time=None, hours=None, note="")

    assert deployment.planned_sessions.count() == 2
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.AGREED


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"date": TODAY - DAY}, "date"),
        ({"date": TODAY + 800 * DAY}, "date"),
        ({"hours": Decimal("13")}, "hours"),
        ({"note": "x" * 256}, "note"),
    ],
)
def test_it_refuses_a_session_out_of_bounds(deployment, fields, key):
    error = refusal(plan, deployment=deployment, **fields)

    assert key in error.message_dict
    assert not PlannedSession.objects.exists()


@pytest.mark.parametrize("status", ["proposed", "declined", "completed", "cancelled"])
def test_it_plans_sessions_only_for_open_support(deployment, status):
    Deployment.objects.filter(pk=deployment.pk).update(status=status)

    refusal(plan, deployment=deployment)

    assert not PlannedSession.objects.exists()


def test_it_cancels_a_session():
    session = PlannedSessionFactory()

    session_cancel(session=session, actor=session.deployment.leader.user)

    assert not PlannedSession.objects.exists()


def test_it_keeps_the_sessions_of_completed_support():
    session = PlannedSessionFactory(deployment__status=Deployment.Status.COMPLETED)

    error = refusal(session_cancel, session=session, actor=session.deployment.leader.user)

    assert "no longer change the planned sessions" in error.messages[0]
    assert PlannedSession.objects.exists()


def test_it_says_when_agreed_support_has_not_started_yet(deployment):
    deployment.start_date = TODAY + 7 * DAY
    deployment.save()

    error = refusal(log, deployment=deployment)

    assert error.message_dict["date"] == [
        "The date must not be before the support is agreed to start on "
        f"{(TODAY + 7 * DAY).day} {TODAY + 7 * DAY:%B %Y}"
    ]
