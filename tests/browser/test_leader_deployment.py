"""A leader logs a visit from their phone, in a real browser; every page passes axe."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.factories import (
    AgreedDeploymentFactory,
    DesignationFactory,
    LeaderFactory,
    ObjectiveFactory,
    SupportLogFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def deployment():
    user = UserFactory(email="amira.khan@primrose.example.org")
    leader = LeaderFactory(user=user, full_name="Amira Khan")
    today = timezone.localdate()
    deployment = AgreedDeploymentFactory(
        leader=leader,
        designation=DesignationFactory(leader=leader),
        request__status="agreed",
        request__school__name="Oakfield Primary School",
        request__contact_name="Jo Baker",
        agreed_days=Decimal("6"),
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=90),
    )
    ObjectiveFactory(deployment=deployment, description="Fractions taught with confidence.")
    SupportLogFactory(
        deployment=deployment, date=today - datetime.timedelta(days=7), hours=Decimal("7")
    )
    return deployment


def test_a_leader_logs_a_visit_on_a_phone(live_server, page, deployment, axe_violations):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/accounts/login/?next=/my/")
    page.get_by_label("Email address").fill("amira.khan@primrose.example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/my/")

    page.get_by_role("link", name="Oakfield Primary School").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support for Oakfield Primary School")
    expect(page.locator("main")).to_contain_text("1 of 6 agreed days")
    expect(page.locator("main")).to_contain_text("Jo Baker")
    assert_accessible(axe_violations)

    page.get_by_role("button", name="Log support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log support")
    # The date is today unless the leader changes it.
    expect(page.get_by_label("Day")).to_have_value(str(timezone.localdate().day))
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the number of hours")
    expect(summary).to_contain_text("Choose what you did")
    expect(page).to_have_title("Error: Log support – Oakfield Primary School – Alliance Portal")
    assert_accessible(axe_violations)

    page.get_by_label("How many hours?").fill("3.5")
    page.get_by_label("Coaching").check()
    page.get_by_label("Fractions taught with confidence.").check()
    page.get_by_label("Notes").fill("Planned the spring term with the maths lead.")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You logged 3.5 hours of coaching"
    )
    expect(page.locator("main")).to_contain_text("1.5 of 6 agreed days")
    expect(page.locator("main")).to_contain_text("Planned the spring term")
    assert_accessible(axe_violations)

    page.get_by_role("link", name="Change the entry for").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change the entry for")
    expect(page.get_by_label("How many hours?")).to_have_value("3.5")
    assert_accessible(axe_violations)
    page.get_by_role("link", name="Back to the support").click()

    page.get_by_role("link", name="Remove the entry for").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove this entry from the log?")
    assert_accessible(axe_violations)
    page.get_by_role("link", name="Keep it").click()
    expect(page.locator("main")).to_contain_text("1.5 of 6 agreed days")


def test_the_session_pages_are_accessible(live_server, page, deployment, axe_violations, client):
    client.force_login(deployment.leader.user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/my/deployments/{deployment.pk}/sessions/")

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date")
    assert_accessible(axe_violations)

    day = timezone.localdate() + datetime.timedelta(days=7)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("What is it for?").fill("Lesson visits")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You planned a session")

    page.get_by_role("link", name="Remove the session on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove this planned session?")
    assert_accessible(axe_violations)
    page.get_by_role("button", name="Remove session").click()
    expect(page.locator("main")).to_contain_text("No sessions planned.")
