"""Every coordinator page passes axe's WCAG 2.2 A and AA rules, at 1280×800 and 390×844.

The pages: the caseload and a case with its shortlist, a new request, the
deployment page in each of its states and each step page, the leader
applications (list, review, and the approval refused), leaders, designations,
schools and the dashboard; with form errors showing where a form can have them.
The brokering pages also reflow at 320 px (400% zoom on a 1280 px screen).

Set A11Y_SHOTS to a folder to keep a screenshot of each page state.
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alliance_portal.accounts.groups import ensure_coordinator_group
from tests import factories
from tests.browser.conftest import WCAG_TAGS, describe, inject_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
EMAIL = "anna@hub.example.org"
PASSWORD = "correct-horse-battery"
STATES = ["proposed", "accepted", "declined", "agreed", "in-delivery", "paused"]
ENDED = ["completed", "stopped", "cancelled"]
# Step pages, each opened on a deployment in a state it starts from.
STEP_FROM = {
    "start": "agreed",
    "pause": "in-delivery",
    "resume": "paused",
    "vary": "in-delivery",
    "complete": "in-delivery",
    "stop": "in-delivery",
    "withdraw": "proposed",
}


@pytest.fixture
def desk():
    """A coordinator's alliance with work in every state, and the pages to look at."""
    alliance = factories.AllianceFactory(name="North London Hub")
    anna = factories.CoordinatorFactory(alliance=alliance, email=EMAIL, full_name="Anna Cole")
    anna.groups.add(ensure_coordinator_group())
    school = factories.SchoolFactory(
        name="Oakfield Primary School", trust=factories.TrustFactory(name="Riverside Trust")
    )
    case = factories.SupportRequestFactory(
        alliance=alliance,
        school=school,
        status="matching",
        owner=anna,
        contact_name="Priya Shah",
        estimated_days=Decimal("6"),
        preferred_start=datetime.date(2027, 1, 11),
    )
    case.events.create(to_status="matching", actor=anna, note="Rang the head about dates.")
    factories.SupportRequestFactory(alliance=alliance, status="withdrawn")
    leaders = []
    for number in range(4):
        leader = factories.LeaderFactory(
            full_name=f"Leader Number {number}", days_per_year=Decimal(20)
        )
        factories.DesignationFactory(leader=leader, alliance=alliance)
        leaders.append(leader)
    deployments = {}
    for status in [*STATES, *ENDED]:
        leader = factories.LeaderFactory(full_name=f"Owen Price {status}")
        designation = factories.DesignationFactory(leader=leader, alliance=alliance)
        request = factories.SupportRequestFactory(alliance=alliance, school=school, owner=anna)
        agreed = status not in ("proposed", "accepted", "declined")
        make = factories.AgreedDeploymentFactory if agreed else factories.DeploymentFactory
        extra = {"logged_hours": 7} if agreed else {}
        if status == "paused":
            extra.update(
                paused_at=datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC),
                pause_reason="Staff illness.",
            )
        if status == "stopped":
            extra.update(
                stopped_at=datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC),
                stop_note="Head left.",
            )
        deployment = make(
            request=request, leader=leader, designation=designation, status=status, **extra
        )
        if agreed:
            factories.ObjectiveFactory(deployment=deployment)
        deployments[status] = deployment
    application = factories.LeaderApplicationFactory(alliance=alliance)
    return {
        "alliance": alliance,
        "case": case,
        "school": school,
        "leader": leaders[0],
        "designation": leaders[0].designations.first(),
        "deployments": deployments,
        "application": application,
    }


def pages(desk):
    """(name, address) of each page state a coordinator reaches by following links."""
    case, deployments = desk["case"], desk["deployments"]

    def change(model, pk):
        return reverse(f"admin:{model}_change", args=[pk])

    found = [
        ("admin index", reverse("admin:index")),
        ("caseload", reverse("admin:support_requests_supportrequest_changelist")),
        (
            "caseload, closed",
            reverse("admin:support_requests_supportrequest_changelist") + "?cases=closed",
        ),
        ("case page with its shortlist", change("support_requests_supportrequest", case.pk)),
        ("new request", reverse("admin:support_requests_supportrequest_add")),
        ("deployments", reverse("admin:deployments_deployment_changelist")),
    ]
    for status, deployment in deployments.items():
        found.append((f"deployment, {status}", change("deployments_deployment", deployment.pk)))
    for step, status in STEP_FROM.items():
        address = reverse(f"admin:deployments_deployment_{step}", args=[deployments[status].pk])
        found.append((f"step: {step}", address))
    found += [
        ("applications", reverse("admin:leaders_leaderapplication_changelist")),
        ("application review", change("leaders_leaderapplication", desk["application"].pk)),
        ("leaders", reverse("admin:leaders_leader_changelist")),
        ("leader with track record", change("leaders_leader", desk["leader"].pk)),
        ("designations", reverse("admin:leaders_designation_changelist")),
        ("designation", change("leaders_designation", desk["designation"].pk)),
        ("schools", reverse("admin:schools_school_changelist")),
        ("school", change("schools_school", desk["school"].pk)),
        ("dashboard", reverse("reports:dashboard")),
    ]
    return found


def sign_in(page, live_server, size):
    page.set_viewport_size(dict(zip(("width", "height"), size, strict=True)))
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#site-name")).to_be_visible()


def violations(page):
    inject_axe(page)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def keep_shot(page, name):
    if shots := os.environ.get("A11Y_SHOTS"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{name.replace(' ', '-').replace(',', '')}.png")


def with_form_errors(page, live_server, desk):
    """Each form sent wrong, as a hurried coordinator might: (name, what axe found)."""
    deployments = desk["deployments"]
    found = []

    def look(name):
        expect(page.locator(".errornote, .errorlist, .messagelist .error").first).to_be_visible()
        found.append((name, violations(page)))
        keep_shot(page, name)

    stop = reverse("admin:deployments_deployment_stop", args=[deployments["in-delivery"].pk])
    page.goto(live_server.url + stop)
    page.locator("form.stacked button[type=submit], form.stacked input[type=submit]").first.click()
    look("step: stop, sent empty")

    page.goto(live_server.url + reverse("admin:support_requests_supportrequest_add"))
    page.locator("input[name=_save]").click()
    look("new request, sent empty")

    application = reverse("admin:leaders_leaderapplication_change", args=[desk["application"].pk])
    page.goto(live_server.url + application)
    # The browser's own checks would stop 0.1 before it is sent; the server's answer is
    # the page state looked at here.
    page.locator("[name=days_per_year]").evaluate("box => box.form.noValidate = true")
    page.locator("[name=days_per_year]").fill("0.1")
    page.get_by_role("button", name="Approve").click()
    look("application review, approval refused")
    # An open search-as-you-type box, with a choice highlighted.
    page.goto(live_server.url + reverse("admin:support_requests_supportrequest_add"))
    page.locator(".field-school .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Oak")
    expect(page.locator(".select2-results__option--highlighted").first).to_be_visible()
    found.append(("new request, school search open", violations(page)))
    keep_shot(page, "new request, school search open")
    page.keyboard.press("Escape")

    case = reverse("admin:support_requests_supportrequest_change", args=[desk["case"].pk])
    page.goto(live_server.url + case)
    page.locator("#add-note").evaluate("form => form.noValidate = true")
    page.locator("#add-note").get_by_role("button", name="Add the note").click()
    look("case page, empty note refused")

    accepted = reverse("admin:deployments_deployment_change", args=[deployments["accepted"].pk])
    page.goto(live_server.url + accepted)
    form = page.locator("#agreement-form")
    form.locator("[name=agreed_days]").fill("999")
    form.locator("button[type=submit]").click()
    look("deployment, agreement refused")
    return found


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_every_coordinator_page_has_no_violations(live_server, page, desk, size):
    sign_in(page, live_server, SIZES[size])
    found = []
    for name, address in pages(desk):
        response = page.goto(live_server.url + address)
        assert response.status == 200, f"{name}: {address} answered {response.status}"
        found.append((name, violations(page)))
        keep_shot(page, f"{size} {name}")
    found += with_form_errors(page, live_server, desk)

    failing = {name: each for name, each in found if each}
    assert len(found) >= 37
    assert failing == {}, describe(failing)


REFLOW = ["caseload", "case page with its shortlist", "deployment, agreed", "dashboard"]


def test_the_brokering_pages_reflow_at_400_percent_zoom(live_server, page, desk):
    """At 320 CSS px nothing pushes the page sideways; wide tables scroll in their own
    region, which a keyboard can reach."""
    sign_in(page, live_server, (320, 800))
    wide = {}
    for name, address in pages(desk):
        if name not in REFLOW:
            continue
        page.goto(live_server.url + address)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide[name] = width
        keep_shot(page, f"320 {name}")

    assert wide == {}
