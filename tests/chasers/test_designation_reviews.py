"""A designation review coming up: the leader is told too, 60 days before, once per date."""

import pytest

from leaders.models import Designation
from tests.chasers import conftest
from tests.chasers.conftest import day
from tests.factories import DesignationFactory

pytestmark = pytest.mark.django_db


def run(today):
    return conftest.run(today, "chaser-designation-review")


def sends_nothing_on(*days):
    return conftest.sends_nothing_on(*days, topic="chaser-designation-review")


def designation(alliance, review, **kwargs):
    kwargs.setdefault("leader__full_name", "Ada Lovell")
    return DesignationFactory(
        alliance=alliance,
        kind=Designation.Kind.SLE,
        designated_on=day("2023-09-01"),
        review_due_on=day(review),
        **kwargs,
    )


def test_the_leader_is_told_sixty_days_before_the_review(oak):
    # 60 days before Sunday 28 February 2027 is Wednesday 30 December 2026.
    held = designation(oak, "2027-02-28")

    assert run("2026-12-29") == [], "not the day before"
    [email] = run("2026-12-30")

    assert email.to == held.leader.email
    assert email.subject == (
        "Your Specialist Leader of Education designation is due for review on 28 February 2027"
    )
    assert "Dear Ada Lovell," in email.body_text
    assert "from Oak Teaching Alliance, is due for review on 28 February 2027, in 60 days" in (
        email.body_text
    )
    assert "Oak Teaching Alliance's coordinators know" in email.body_text
    assert "hello@oak-alliance.example.org" in email.body_text
    assert "https://portal.example.org/my/profile/" in email.body_text
    assert run("2026-12-30") == run("2027-01-04") == []


def test_a_reminder_due_at_christmas_goes_on_the_next_working_day(oak):
    designation(oak, "2027-02-23")  # 60 days before: Christmas Day

    assert sends_nothing_on("2026-12-25", "2026-12-26", "2026-12-28") == []
    [email] = run("2026-12-29")

    assert "in 56 days" in email.body_text


def test_a_new_review_date_is_a_new_reminder(oak):
    held = designation(oak, "2027-02-28")
    run("2026-12-30")
    held.review_due_on = day("2030-02-28")
    held.save()

    # 60 days before 28 February 2030 is Sunday 30 December 2029.
    assert run("2029-12-28") == []
    assert len(run("2029-12-31")) == 1
    assert run("2030-01-02") == []


def test_a_review_already_past_is_left_to_the_coordinators(oak):
    designation(oak, "2026-12-20")

    assert run("2026-12-30") == []


@pytest.mark.parametrize("status", [Designation.Status.LAPSED, Designation.Status.WITHDRAWN])
def test_only_active_designations_are_reviewed(oak, status):
    designation(oak, "2027-02-28", status=status)

    assert run("2026-12-30") == []


def test_national_designations_are_reviewed_outside_the_portal():
    DesignationFactory(
        alliance=None,
        kind=Designation.Kind.NLE,
        designated_on=day("2023-09-01"),
        review_due_on=day("2027-02-28"),
    )

    assert run("2026-12-30") == []
