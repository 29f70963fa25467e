"""A leader keeps their profile up to date and makes a calendar link, on a phone-sized screen."""

import pytest
from playwright.sync_api import expect

from leaders.models import Leader
from tests.browser.conftest import assert_accessible
from tests.factories import DesignationFactory, LeaderFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def leader():
    leader = LeaderFactory(
        full_name="Amira Khan",
        user=UserFactory(email="amira@example.org"),
        bio="Twenty years teaching maths.",
    )
    DesignationFactory(leader=leader)
    return leader


def sign_in(page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill("amira@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/my/")


def test_a_leader_edits_their_profile_on_a_phone(live_server, page, leader, axe_violations):
    sign_in(page, live_server)

    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(page.get_by_role("link", name="Your profile")).to_have_attribute("aria-current", "page")
    assert_accessible(axe_violations)

    page.get_by_label("Days you can give this academic year").fill("300")
    page.get_by_role("button", name="Save your profile").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter 200 days or fewer")
    expect(page).to_have_title("Error: Your profile – Alliance Portal")
    assert_accessible(axe_violations)

    summary.get_by_role("link").click()
    expect(page.get_by_label("Days you can give this academic year")).to_be_focused()
    page.get_by_label("Days you can give this academic year").fill("12.5")
    page.get_by_label("About you").fill("I lead maths across a large primary school.")
    page.get_by_role("group", name="Pupil achievement and subjects").get_by_label(
        "Mathematics"
    ).check()
    page.get_by_label("Primary").check()
    page.get_by_label("Show my profile in the public directory").check()
    page.get_by_role("button", name="Save your profile").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your profile is saved.")
    assert_accessible(axe_violations)
    leader = Leader.objects.get(pk=leader.pk)
    assert str(leader.days_per_year) == "12.5"
    assert leader.public_profile_consent is True
    assert [area.name for area in leader.areas_of_expertise.all()] == ["Mathematics"]
    assert leader.history.first().history_user == leader.user


def test_a_leader_makes_and_replaces_a_calendar_link(
    live_server, page, leader, axe_violations, settings
):
    settings.SITE_URL = live_server.url
    sign_in(page, live_server)

    page.get_by_role("link", name="Calendar feed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar feed")
    assert_accessible(axe_violations)

    page.get_by_role("button", name="Make your calendar link").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("link is ready")
    link = page.get_by_label("Copy this link into your calendar app")
    first = link.input_value()
    assert first.startswith(live_server.url + "/calendar/") and first.endswith(".ics")
    assert_accessible(axe_violations)

    assert page.request.get(first).status == 200

    # Only a hash is kept: back on the page, the link is not shown again.
    page.goto(live_server.url + "/my/calendar/")
    expect(page.get_by_role("heading", name="You have a private link")).to_be_visible()
    expect(page.get_by_label("Copy this link into your calendar app")).to_have_count(0)
    assert_accessible(axe_violations)

    page.get_by_role("button", name="Replace your link").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("no longer works")
    assert link.input_value() != first
    assert page.request.get(first).status == 404
    assert page.request.get(link.input_value()).status == 200
    assert_accessible(axe_violations)
