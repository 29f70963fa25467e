"""No impact report 14 days after the work ended: the leader, once, when the work can report."""

import pytest
from django.utils import timezone

from deployments.models import Deployment
from tests.chasers import conftest
from tests.chasers.conftest import agreed_work, at
from tests.factories import ImpactReportFactory

pytestmark = pytest.mark.django_db
D = Deployment.Status


def run(today):
    return conftest.run(today, "chaser-impact-report")


def sends_nothing_on(*days):
    return conftest.sends_nothing_on(*days, topic="chaser-impact-report")


def completed(alliance, ended, **kwargs):
    return agreed_work(
        alliance,
        D.COMPLETED,
        start="2026-10-01",
        end=ended,
        completed_at=at(ended),
        logged_hours=7,
        **kwargs,
    )


def test_the_leader_is_reminded_fourteen_days_after_the_end(oak):
    deployment = completed(oak, "2026-12-10")  # due Thursday 24 December

    assert run("2026-12-23") == [], "not the day before"
    [email] = run("2026-12-24")

    assert email.to == deployment.leader.email
    assert email.subject == (
        f"Your impact report for Birch Primary School ({deployment.request.reference})"
    )
    assert "ended on 10 December 2026, and we have not had your impact report yet" in (
        email.body_text
    )
    assert f"https://portal.example.org/my/deployments/{deployment.pk}/report/" in (email.body_text)
    assert run("2026-12-24") == run("2026-12-29") == []


def test_a_reminder_due_over_christmas_waits_for_the_next_working_day(oak):
    completed(oak, "2026-12-11")  # due Friday 25 December, Christmas Day

    assert sends_nothing_on("2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28") == []
    assert len(run("2026-12-29")) == 1


def test_work_completed_before_its_end_date_counts_from_the_completion(oak):
    completed_early = agreed_work(
        oak,
        D.COMPLETED,
        start="2026-10-01",
        end="2027-03-31",
        completed_at=at("2026-12-10"),
        logged_hours=7,
    )

    assert [email.to for email in run("2026-12-24")] == [completed_early.leader.email]


def test_work_stopped_early_counts_from_the_stop(oak):
    # Stopped on Saturday 5 December: due Saturday 19 December, sent on Monday 21st.
    agreed_work(
        oak,
        D.STOPPED,
        start="2026-10-01",
        stopped_at=at("2026-12-05"),
        logged_hours=7,
    )

    assert run("2026-12-18") == []
    assert len(run("2026-12-21")) == 1


def test_work_still_in_delivery_after_its_end_date_is_asked_to_finish(oak):
    agreed_work(oak, D.IN_DELIVERY, start="2026-10-01", end="2026-12-10", logged_hours=7)

    [email] = run("2026-12-24")

    assert "was due to end on 10 December 2026. When it has finished" in email.body_text
    assert "sending it also marks the support completed" in email.body_text


def test_work_with_nothing_logged_has_nothing_to_report(oak):
    agreed_work(oak, D.IN_DELIVERY, start="2026-10-01", end="2026-12-10")

    assert run("2026-12-24") == []


@pytest.mark.parametrize("status", [D.AGREED, D.PAUSED, D.CANCELLED])
def test_work_that_cannot_report_is_not_chased(oak, status):
    agreed_work(oak, status, start="2026-10-01", end="2026-12-10", logged_hours=7)

    assert run("2026-12-24") == []


def test_a_report_already_sent_is_not_chased(oak):
    deployment = completed(oak, "2026-12-10")
    ImpactReportFactory(deployment=deployment, submitted_at=timezone.now())

    assert run("2026-12-24") == []
