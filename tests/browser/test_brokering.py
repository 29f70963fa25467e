"""A coordinator brokers a request in the admin, in a real browser: triage to agreement."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from alliance_portal.accounts.groups import ensure_coordinator_group
from deployments.models import Deployment
from requests.models import SupportRequest
from tests.browser.conftest import WCAG_TAGS, describe, inject_axe
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DesignationFactory,
    LeaderFactory,
    SchoolFactory,
    SupportRequestFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def brokering():
    alliance = AllianceFactory(name="North London Hub")
    coordinator = CoordinatorFactory(alliance=alliance, email="alice@hub.example.org")
    coordinator.groups.add(ensure_coordinator_group())
    school = SchoolFactory(name="Primrose Hill Primary School", easting=530000, northing=180000)
    request = SupportRequestFactory(alliance=alliance, school=school, funding="grant")
    for name, easting in (("Nadia Near", 531000), ("Farah Far", 560000)):
        leader = LeaderFactory(
            full_name=name,
            home_school=SchoolFactory(easting=easting, northing=180000),
            days_per_year=Decimal("20"),
        )
        DesignationFactory(leader=leader, alliance=alliance)
    return coordinator, request


def brokering_violations(page):
    """axe-core on the brokering panel the portal adds to the admin page."""
    inject_axe(page)
    result = page.evaluate(
        "tags => axe.run('#brokering', {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


def test_a_coordinator_brokers_a_request_from_triage_to_agreement(live_server, page, brokering):
    coordinator, support_request = brokering
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill(coordinator.email)
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#site-name")).to_be_visible()
    page.goto(live_server.url + "/admin/support_requests/supportrequest/")
    page.get_by_role("link", name=support_request.reference).click()
    expect(page.locator("#brokering-heading")).to_have_text("Brokering: new")
    violations = brokering_violations(page)
    assert violations == [], describe(violations)

    page.get_by_role("button", name="Mark as triaged").click()
    expect(page.locator(".messagelist")).to_contain_text("is now triaged")
    page.get_by_role("button", name="Start matching").click()
    expect(page.locator("#brokering-heading")).to_have_text("Brokering: finding a leader")

    rows = page.locator("#shortlist table.shortlist tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Nadia Near")
    expect(rows.first).to_contain_text("1.0 km away")
    violations = brokering_violations(page)
    assert violations == [], describe(violations)

    rows.first.get_by_role("button", name="Propose Nadia Near").click()
    expect(page.locator(".messagelist")).to_contain_text("Proposed Nadia Near (SLE)")
    page.get_by_label("Accepted").check()
    page.get_by_role("button", name="Record the answer on the leader’s behalf").click()
    expect(page.locator(".messagelist")).to_contain_text("Nadia Near accepted")

    page.get_by_label("Objectives (one per line)").fill(
        "Confident teaching of fractions\nA maths lead who coaches others"
    )
    page.get_by_label("Agreed days").fill("8")
    page.get_by_label("Start date").fill("2026-10-01")
    page.get_by_label("End date").fill("2027-03-31")
    page.get_by_label("Signed by").fill("Amira Khan, headteacher")
    expect(page.get_by_label("Daily rate (£)")).to_have_value("350.00")
    violations = brokering_violations(page)
    assert violations == [], describe(violations)
    page.get_by_role("button", name="Agree the deployment").click()

    expect(page.locator(".messagelist")).to_contain_text("Agreed: Nadia Near")
    page.locator("#brokering").get_by_role("link", name=support_request.reference).click()
    expect(page.locator("#brokering-heading")).to_have_text("Brokering: agreed")
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.AGREED
    deployment = Deployment.objects.get()
    assert deployment.status == Deployment.Status.AGREED
    assert deployment.funding_source == "grant"
    assert deployment.objectives.count() == 2
