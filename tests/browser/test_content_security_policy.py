"""Every kind of page works under the Content-Security-Policy, which allows no inline
script or style: the browser reports no violation, and GOV.UK Frontend still starts."""

import pytest

from alliance_portal.accounts.groups import ensure_coordinator_group
from leaders.calendar import calendar_secret_hash
from tests.factories import (
    AgreedDeploymentFactory,
    CoordinatorFactory,
    DesignationFactory,
    LeaderFactory,
    ObjectiveFactory,
    SupportLogFactory,
    SupportRequestFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def world():
    coordinator = CoordinatorFactory(email="coordinator@example.org")
    coordinator.groups.add(ensure_coordinator_group())
    leader = LeaderFactory(
        user=UserFactory(email="leader@example.org"), public_profile_consent=True
    )
    designation = DesignationFactory(leader=leader, alliance=coordinator.alliance)
    leader.calendar_token_hash = calendar_secret_hash("csp-calendar")
    leader.save()
    deployment = AgreedDeploymentFactory(
        leader=leader,
        designation=designation,
        status="in-delivery",
        request__status="in-delivery",
        request__alliance=coordinator.alliance,
    )
    ObjectiveFactory(deployment=deployment)
    SupportLogFactory(deployment=deployment)
    matching = SupportRequestFactory(alliance=coordinator.alliance, status="matching")
    return {"leader": leader, "deployment": deployment, "matching": matching}


def sign_in(page, live_server, email):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def violations_on(page, live_server, path):
    response = page.goto(live_server.url + path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def test_public_pages_run_under_the_policy(live_server, page, world):
    page.add_init_script(LISTEN)
    paths = [
        "/",
        "/roles/sle/",
        "/leaders/",
        f"/leaders/{world['leader'].pk}/",
        "/request-support/",
        "/request-support/school/",
        "/become-a-leader/",
        "/accounts/login/",
        "/privacy/",
    ]
    found = {path: violations_on(page, live_server, path) for path in paths}

    assert {path: v for path, v in found.items() if v} == {}
    # GOV.UK Frontend's script, now a file, still ran.
    body_class = page.evaluate("document.body.className")
    assert "js-enabled" in body_class and "govuk-frontend-supported" in body_class
    assert page.evaluate("document.querySelector('[data-module=govuk-header]') !== null")


def test_a_leaders_pages_run_under_the_policy(live_server, page, world):
    page.add_init_script(LISTEN)
    sign_in(page, live_server, "leader@example.org")
    deployment = world["deployment"].pk
    paths = ["/my/", "/my/profile/", "/my/calendar/", f"/my/deployments/{deployment}/"]

    found = {path: violations_on(page, live_server, path) for path in paths}

    assert {path: v for path, v in found.items() if v} == {}


def test_the_coordinators_admin_runs_under_the_policy(live_server, page, world):
    page.add_init_script(LISTEN)
    sign_in(page, live_server, "coordinator@example.org")
    paths = [
        "/admin/",
        "/admin/dashboard/",
        "/admin/support_requests/supportrequest/?status__exact=matching",
        f"/admin/support_requests/supportrequest/{world['matching'].pk}/change/",
        f"/admin/deployments/deployment/{world['deployment'].pk}/change/",
        f"/admin/leaders/leader/{world['leader'].pk}/change/",
        "/admin/leaders/designation/?review_due_on__year=2028",
    ]

    found = {path: violations_on(page, live_server, path) for path in paths}

    assert {path: v for path, v in found.items() if v} == {}
    # The autocomplete widgets (select2) still work.
    page.goto(live_server.url + f"/admin/leaders/leader/{world['leader'].pk}/change/")
    assert page.locator(".select2-container").count() > 0
