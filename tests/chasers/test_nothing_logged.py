"""Agreed work with an empty support log 3 weeks after its start: the leader, once."""

import pytest

from deployments.models import Deployment
from tests.chasers import conftest
from tests.chasers.conftest import agreed_work
from tests.factories import SupportLogFactory

pytestmark = pytest.mark.django_db
D = Deployment.Status


def run(today):
    return conftest.run(today, "chaser-nothing-logged")


def sends_nothing_on(*days):
    return conftest.sends_nothing_on(*days, topic="chaser-nothing-logged")


def test_the_leader_is_reminded_three_weeks_after_the_start(oak):
    # Started Wednesday 9 December: three weeks on is Wednesday 30 December.
    deployment = agreed_work(oak, start="2026-12-09")

    assert run("2026-12-29") == [], "not the day before"
    [email] = run("2026-12-30")

    assert email.to == deployment.leader.email
    assert email.subject == (
        f"Nothing logged yet for Birch Primary School ({deployment.request.reference})"
    )
    assert "was agreed to start on 9 December 2026. 3 weeks on, its support log is empty." in (
        email.body_text
    )
    assert f"https://portal.example.org/my/deployments/{deployment.pk}/" in email.body_text
    assert "a coordinator can vary the agreement" in email.body_text
    assert run("2026-12-30") == run("2026-12-31") == []


def test_a_reminder_due_on_a_bank_holiday_goes_on_the_next_working_day(oak):
    # Started Monday 7 December: three weeks on is Monday 28 December, the substitute day.
    agreed_work(oak, D.IN_DELIVERY, start="2026-12-07")

    assert sends_nothing_on("2026-12-24", "2026-12-25", "2026-12-26", "2026-12-28") == []
    assert len(run("2026-12-29")) == 1
    assert run("2026-12-30") == []


def test_paused_work_is_never_chased(oak):
    agreed_work(oak, D.PAUSED, start="2026-12-09")

    assert sends_nothing_on("2026-12-30", "2027-01-04", "2027-01-20") == []


@pytest.mark.parametrize("status", [D.COMPLETED, D.STOPPED, D.CANCELLED])
def test_work_that_has_ended_is_not_chased(oak, status):
    agreed_work(oak, status, start="2026-12-09")

    assert run("2026-12-30") == []


def test_work_with_support_logged_is_not_chased(oak):
    deployment = agreed_work(oak, D.IN_DELIVERY, start="2026-12-09")
    SupportLogFactory(deployment=deployment, date=conftest.day("2026-12-10"))

    assert run("2026-12-30") == []


def test_work_not_yet_three_weeks_in_or_long_missed_is_not_chased(oak):
    agreed_work(oak, start="2026-12-10")  # due 31 December
    agreed_work(oak, start="2026-10-01")  # due 22 October: longer ago than the catch-up

    assert run("2026-12-30") == []
