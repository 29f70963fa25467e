"""A school asks for support in a real browser, with the keyboard alone."""

import pytest
from playwright.sync_api import expect

from requests.models import SupportRequest
from requests.tracking import tracking_token
from tests.browser.conftest import describe
from tests.factories import (
    AllianceFactory,
    LocalAuthorityFactory,
    SchoolFactory,
    SupportRequestFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def school():
    camden = LocalAuthorityFactory(code=202, name="Camden")
    alliance = AllianceFactory(name="North London Hub")
    alliance.local_authorities.add(camden)
    return SchoolFactory(
        name="Primrose Hill Primary School", postcode="NW1 8JL", local_authority=camden
    )


def tab_to(page, selector, limit=80):
    """Press Tab until the element matching `selector` has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page, selector, text):
    tab_to(page, selector)
    page.keyboard.type(text)


def press_enter_and_wait(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")


def submit(page):
    tab_to(page, "main form[method=post] button[type=submit]")
    press_enter_and_wait(page)


def answer_contact_and_need(page):
    """From the contact step to the check page, with the fewest answers."""
    page.get_by_label("Full name").fill("Amira Khan")
    page.get_by_label("Your role").fill("Headteacher")
    page.get_by_label("Email address").fill("amira.khan@primrose.example.org")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Mathematics", exact=True).check()
    page.get_by_label("What would you like to be different after the support?").fill("Fractions.")
    page.get_by_role("button", name="Continue").click()


def test_a_school_sends_a_request_with_the_keyboard_alone(
    live_server, page, school, axe_violations
):
    page.goto(live_server.url + "/request-support/")
    tab_to(page, "a.govuk-button--start")
    press_enter_and_wait(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Find your school")
    type_into(page, "#id_q", "Primrose")
    press_enter_and_wait(page)
    tab_to(page, "#id_urn")
    page.keyboard.press("Space")
    submit(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your contact details")
    type_into(page, "#id_contact_name", "Amira Khan")
    type_into(page, "#id_contact_role", "Headteacher")
    type_into(page, "#id_contact_email", "amira.khan@primrose.example.org")
    submit(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("What your school needs")
    maths = page.get_by_label("Mathematics", exact=True).get_attribute("id")
    tab_to(page, f"#{maths}")
    page.keyboard.press("Space")
    type_into(page, "#id_outcomes_sought", "Confident teaching of fractions.")
    submit(page)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending your request"
    )
    assert axe_violations() == []
    tab_to(page, "#id_privacy_consent")
    page.keyboard.press("Space")
    submit(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
    reference = SupportRequest.objects.get().reference
    expect(page.locator(".govuk-panel__body")).to_contain_text(reference)
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_the_error_summary_takes_a_school_to_the_bad_field(live_server, page, axe_violations):
    page.goto(live_server.url + "/request-support/contact/")
    page.get_by_label("Full name").fill("Amira Khan")
    page.get_by_label("Your role").fill("Headteacher")
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_role("button", name="Continue").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title("Error: Your contact details – Ask for support – Alliance Portal")
    summary.get_by_role("link", name="Enter an email address in the right format").click()
    expect(page.locator("#id_contact_email")).to_be_focused()
    violations = axe_violations()
    assert violations == [], describe(violations)


@pytest.mark.parametrize(
    "path",
    [
        "/request-support/",
        "/request-support/school/",
        "/request-support/school/?q=Primrose",
        "/request-support/school/?q=x",
        "/request-support/school/not-listed/",
        "/request-support/contact/",
        "/request-support/need/",
    ],
)
def test_each_step_has_no_accessibility_violations(live_server, page, school, axe_violations, path):
    page.goto(live_server.url + path)
    violations = axe_violations()
    assert violations == [], describe(violations)

    continue_button = page.get_by_role("button", name="Continue")
    if continue_button.count() and path != "/request-support/school/?q=Primrose":
        continue_button.click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        violations = axe_violations()
        assert violations == [], describe(violations)


def test_a_school_withdraws_through_its_tracking_link(live_server, page, axe_violations):
    support_request = SupportRequestFactory(status=SupportRequest.Status.MATCHING)
    page.goto(f"{live_server.url}/track/{tracking_token(support_request)}/")
    assert axe_violations() == []

    page.get_by_role("link", name="Withdraw this request").click()
    page.get_by_role("button", name="Withdraw request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Tell us why")
    page.get_by_label("Why are you withdrawing the request?").fill("We found help nearby.")
    page.get_by_role("button", name="Withdraw request").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your request has been withdrawn."
    )
    expect(page.locator(".govuk-tag")).to_have_text("Withdrawn by the school")
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.WITHDRAWN
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_the_search_box_suggests_schools_as_a_school_types(live_server, page, school):
    SchoolFactory(name="Primrose Hill Primary School", town="Leeds", postcode="LS1 1AA")
    page.goto(live_server.url + "/request-support/school/")
    box = page.get_by_label("School name, postcode or URN")

    box.press_sequentially("Primrose", delay=20)

    options = page.locator("#school-suggestions option")
    expect(options).to_have_count(2)
    assert options.evaluate_all("options => options.map(option => option.value)") == [
        "Primrose Hill Primary School, Leeds",
        "Primrose Hill Primary School, London",
    ]
    ours = page.locator('#school-suggestions option[value$="London"]')
    assert ours.get_attribute("label") == f"NW1 8JL, URN {school.urn}"

    # Choosing a suggestion puts its value in the box, as the browser does.
    box.fill(ours.get_attribute("value"))
    expect(box).to_have_value("Primrose Hill Primary School, London")
    page.get_by_role("button", name="Search").click()

    expect(box).to_have_value("Primrose Hill Primary School, London")
    expect(page.locator("#results-hint")).to_have_text("1 school found.")
    page.get_by_label("Primrose Hill Primary School").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your contact details")
    answer_contact_and_need(page)
    expect(page.locator("main")).to_contain_text(f"URN {school.urn}")


def test_the_check_page_and_withdraw_page_with_errors_have_no_violations(
    live_server, page, school, axe_violations
):
    page.goto(live_server.url + "/request-support/school/?q=Primrose")
    page.get_by_label("Primrose Hill Primary School").check()
    page.get_by_role("button", name="Continue").click()
    answer_contact_and_need(page)

    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("privacy notice")
    violations = axe_violations()
    assert violations == [], describe(violations)

    support_request = SupportRequestFactory(status=SupportRequest.Status.NEW)
    page.goto(f"{live_server.url}/track/{tracking_token(support_request)}/withdraw/")
    page.get_by_role("button", name="Withdraw request").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_the_need_step_opens_the_something_else_question_when_ticked(
    live_server, page, axe_violations
):
    page.goto(live_server.url + "/request-support/need/")
    question = page.get_by_label("Tell us about anything else that affects your school")
    something_else = page.get_by_label("Something else")

    expect(page.get_by_role("group", name="Behaviour and safety")).to_be_visible()
    expect(question).to_be_hidden()
    expect(something_else).to_have_attribute("aria-expanded", "false")
    something_else.check()
    expect(question).to_be_visible()
    expect(something_else).to_have_attribute("aria-expanded", "true")
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.get_by_label("Mathematics", exact=True).check()
    page.get_by_label("Roughly how many days").fill("7.3")
    page.get_by_role("button", name="Continue").click()

    # Back with errors: what was typed and ticked is kept, and the question stays open.
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Tell us about the other circumstances you selected"
    )
    expect(question).to_be_visible()
    expect(page.get_by_label("Roughly how many days")).to_have_value("7.3")
    expect(page.get_by_label("Mathematics", exact=True)).to_be_checked()
    violations = axe_violations()
    assert violations == [], describe(violations)
    something_else.uncheck()
    expect(question).to_be_hidden()


def test_without_javascript_the_something_else_question_always_shows(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/request-support/need/")

        expect(page.get_by_label("Something else")).not_to_be_checked()
        expect(
            page.get_by_label("Tell us about anything else that affects your school")
        ).to_be_visible()
    finally:
        context.close()
