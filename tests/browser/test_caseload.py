"""The coordinator's caseload and case page, at 1280 and 1440 px, as a coordinator uses them.

Nothing scrolls sideways, the reference stays on one line, and every form on
the case page (steps, note, owner, the shortlist's Propose) sits inside its
panel. Set CASELOAD_SHOTS to a folder to keep screenshots to look at.
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from alliance_portal.accounts.groups import ensure_coordinator_group
from requests.models import SupportRequest
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DesignationFactory,
    LeaderFactory,
    SchoolFactory,
    SupportRequestFactory,
    TrustFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
WIDTHS = [1280, 1440]


@pytest.fixture
def caseload():
    alliance = AllianceFactory(name="North London Hub")
    anna = CoordinatorFactory(
        alliance=alliance, email="anna@hub.example.org", full_name="Anna Cole"
    )
    anna.groups.add(ensure_coordinator_group())
    trust = TrustFactory(name="Riverside Learning Trust")
    school = SchoolFactory(name="Oakfield Primary School with a Rather Long Name", trust=trust)
    case = SupportRequestFactory(
        alliance=alliance,
        school=school,
        status=SupportRequest.Status.MATCHING,
        owner=anna,
        contact_name="Priya Shah",
        estimated_days=Decimal("6"),
        preferred_start=datetime.date(2027, 1, 11),
        outcomes_sought="Stronger reading across key stage 2, and a plan the staff own. " * 5,
    )
    SupportRequestFactory(alliance=alliance, school=school)  # a likely duplicate
    for _ in range(12):
        SupportRequestFactory(alliance=alliance, status="new")
    SupportRequestFactory(alliance=alliance, status="withdrawn", contact_name="Closed Case")
    for number in range(6):
        leader = LeaderFactory(full_name=f"Leader Number {number}", days_per_year=Decimal(20))
        DesignationFactory(leader=leader, alliance=alliance)
    return case


def sign_in(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("anna@hub.example.org")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#site-name")).to_be_visible()


def assert_no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def keep_shot(page, name, *sections):
    if shots := os.environ.get("CASELOAD_SHOTS"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{name}.png", full_page=True)
        for section in sections:
            page.locator(section).screenshot(path=f"{shots}/{name}-{section.strip('#')}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_caseload_reads_at_desktop_widths(live_server, page, caseload, width):
    sign_in(page, live_server, width)

    page.goto(live_server.url + "/admin/support_requests/supportrequest/")

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(14)  # open work only: the withdrawn request is hidden
    expect(page.locator("#result_list")).not_to_contain_text("Closed Case")
    expect(page.locator("#result_list thead")).to_contain_text("Next action")
    expect(page.locator("#result_list thead")).not_to_contain_text("Alliance")
    assert_no_sideways_scroll(page, width)
    reference = page.locator("#result_list .nowrap").first
    assert reference.bounding_box()["height"] < 30, "the reference wraps"
    keep_shot(page, f"caseload-{width}")

    page.get_by_role("link", name="My open cases").click()
    expect(rows).to_have_count(1)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_case_page_keeps_its_forms_inside_their_panels(live_server, page, caseload, width):
    sign_in(page, live_server, width)

    page.goto(f"{live_server.url}/admin/support_requests/supportrequest/{caseload.pk}/change/")

    expect(page.locator("#likely-duplicate")).to_be_visible()
    expect(page.locator("#case-summary")).to_contain_text("Propose a leader")
    expect(page.locator("#case-summary")).to_contain_text("Anna Cole")
    assert_no_sideways_scroll(page, width)
    for panel in page.locator("section.brokering").all():
        box = panel.bounding_box()
        for field in panel.locator(":is(input:not([type=hidden]), select, textarea, button)").all():
            if not field.is_visible():
                continue
            inner = field.bounding_box()
            assert inner["x"] >= box["x"] - 1
            assert inner["x"] + inner["width"] <= box["x"] + box["width"] + 1, (
                f"{field.get_attribute('name') or field.inner_text()} pokes out of its panel"
            )
    keep_shot(page, f"case-{width}", "#case-summary", "#brokering")

    page.locator("#timeline-note").fill("Phoned Priya: mornings are best.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator("#timeline")).to_contain_text(
        "Anna Cole added a note: Phoned Priya: mornings are best."
    )
