"""`designation_reviews`: what is due, the digest per alliance, and the overdue mark."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from leaders.models import Designation
from leaders.reviews import reviews_by_alliance
from tests.factories import AllianceFactory, CoordinatorFactory, DesignationFactory

pytestmark = pytest.mark.django_db


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def north():
    alliance = AllianceFactory(name="North Hub")
    CoordinatorFactory(alliance=alliance, email="north.coordinator@example.org")
    return alliance


def designation(alliance, name, review_in_days, **kwargs):
    return DesignationFactory(
        alliance=alliance,
        leader__full_name=name,
        designated_on=days_from_today(-1500),
        review_due_on=days_from_today(review_in_days),
        **kwargs,
    )


def run(*args):
    out = StringIO()
    call_command("designation_reviews", *args, stdout=out)
    return out.getvalue()


def test_it_lists_overdue_and_upcoming_reviews_and_nothing_else(north):
    designation(north, "Ada Overdue", -3)
    designation(north, "Ben Soon", 59)
    designation(north, "Cy Later", 61)
    designation(north, "Di Lapsed", -3, status=Designation.Status.LAPSED)

    output = run("--dry-run")

    assert "overdue: Ada Overdue" in output
    assert "due: Ben Soon" in output
    assert "Cy Later" not in output and "Di Lapsed" not in output
    assert not OutboundEmail.objects.exists()


def test_it_emails_each_alliance_its_own_digest(north):
    south = AllianceFactory(name="South Hub", contact_email="south@example.org")
    designation(north, "Ada Overdue", -3)
    designation(south, "Eve South", 10)

    output = run()

    emails = {email.to: email for email in OutboundEmail.objects.all()}
    assert set(emails) == {"north.coordinator@example.org", "south@example.org"}
    north_email = emails["north.coordinator@example.org"]
    assert north_email.subject == "Designation reviews for North Hub: 1 overdue, 0 coming up"
    assert "Ada Overdue" in north_email.body_text and "Eve South" not in north_email.body_text
    assert "Emailed a digest to 2 alliances." in output


def test_it_reports_national_designations_without_emailing_an_alliance():
    DesignationFactory(
        kind="NLE",
        alliance=None,
        leader__full_name="Nia National",
        designated_on=days_from_today(-1500),
        review_due_on=days_from_today(-1),
    )

    output = run()

    assert "National\n  overdue: Nia National" in output
    assert not OutboundEmail.objects.exists()


def test_it_says_when_nothing_is_due(north):
    designation(north, "Cy Later", 200)

    assert run() == "No reviews are overdue or due in the next 60 days.\n"


def test_it_groups_reviews_by_alliance(north):
    overdue = designation(north, "Ada Overdue", -3)
    soon = designation(north, "Ben Soon", 5)

    groups = reviews_by_alliance()

    assert groups[north.pk].overdue == [overdue]
    assert groups[north.pk].due_soon == [soon]


def test_it_marks_an_active_designation_past_its_review_date(north):
    assert designation(north, "Ada Overdue", -1).review_overdue()
    assert not designation(north, "Ben Soon", 1).review_overdue()
    assert not designation(north, "Di Lapsed", -1, status="lapsed").review_overdue()


def test_it_marks_overdue_reviews_in_the_admin(admin_client, north):
    designation(north, "Ada Overdue", -3)
    designation(north, "Ben Soon", 20)
    designation(north, "Cy Later", 200)

    overdue = admin_client.get("/admin/leaders/designation/?review=overdue").content.decode()
    soon = admin_client.get("/admin/leaders/designation/?review=due").content.decode()

    assert "Ada Overdue" in overdue and "(overdue)" in overdue
    assert "Ben Soon" not in overdue and "Cy Later" not in overdue
    assert "Ben Soon" in soon and "Ada Overdue" not in soon
