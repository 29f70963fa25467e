"""A practitioner applies to become a system leader in a real browser."""

import pytest
from playwright.sync_api import expect

from leaders.models import LeaderApplication
from tests.browser.conftest import describe
from tests.factories import AllianceFactory, LocalAuthorityFactory, SchoolFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def school():
    camden = LocalAuthorityFactory(code=202, name="Camden")
    alliance = AllianceFactory(name="North London Hub")
    alliance.local_authorities.add(camden)
    return SchoolFactory(urn=100123, name="Primrose Hill Primary School", local_authority=camden)


def test_a_visitor_applies_and_sees_the_confirmation(live_server, page, school, axe_violations):
    page.goto(live_server.url + "/become-a-leader/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to become a system leader")
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.get_by_label("Full name").fill("Amira Khan")
    page.get_by_label("Email address", exact=True).fill("amira.khan@primrose.example.org")
    page.get_by_label("Your current role").fill("Head of mathematics")
    page.get_by_label("Your school's URN").fill("100123")
    page.get_by_label("Specialist Leader of Education").check()
    page.get_by_label("Mathematics", exact=True).check()
    page.get_by_label("Primary", exact=True).check()
    page.get_by_label("Why do you want to be a system leader").fill(
        "I led the move to mastery teaching across key stage 2."
    )
    page.get_by_label("My headteacher agrees to release me").check()
    page.get_by_label("Your headteacher's name").fill("Daniel Okafor")
    page.get_by_label("Your headteacher's email address").fill("head@primrose.example.org")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Send application").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Application sent")
    expect(page.locator("main")).to_contain_text("North London Hub")
    application = LeaderApplication.objects.get()
    assert application.home_school == school
    assert application.designation_sought == "SLE"
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_the_form_with_errors_is_accessible_and_leads_to_the_bad_field(
    live_server, page, school, axe_violations
):
    page.goto(live_server.url + "/become-a-leader/")
    page.get_by_label("Specialist Leader of Education").check()
    page.get_by_label("Your school's URN").fill("999999")
    page.get_by_role("button", name="Send application").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title("Error: Apply to become a system leader – Alliance Portal")
    expect(summary).to_contain_text("Confirm your headteacher agrees to release you")
    summary.get_by_role("link", name="We could not find an open school with URN 999999").click()
    expect(page.locator("#id_school_urn")).to_be_focused()
    assert not LeaderApplication.objects.exists()
    violations = axe_violations()
    assert violations == [], describe(violations)
