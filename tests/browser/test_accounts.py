"""A leader accepts their invitation, sets a password, answers a proposal and logs a visit."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from alliance_portal.accounts.services import leader_invite
from alliance_portal.notifications.models import OutboundEmail
from deployments.services import deployment_agree
from tests.browser.conftest import assert_fits_width, describe
from tests.factories import (
    CoordinatorFactory,
    DeploymentFactory,
    DesignationFactory,
    LeaderFactory,
    SupportRequestFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def leader():
    leader = LeaderFactory(full_name="Amira Khan", email="amira.khan@primrose.example.org")
    designation = DesignationFactory(leader=leader)
    DeploymentFactory(
        leader=leader,
        designation=designation,
        request=SupportRequestFactory(school__name="Oakfield Primary School", status="proposed"),
    )
    return leader


def test_a_leader_goes_from_the_invitation_to_logging_a_visit_on_a_phone(
    live_server, page, leader, settings, axe_violations
):
    settings.SITE_URL = live_server.url
    leader_invite(leader=leader, actor=CoordinatorFactory(full_name="Sam Patel"))
    # The outbox wipes an email holding a sign-in link once it is sent: read what was sent.
    assert OutboundEmail.objects.get(topic="leader-invitation").status == "sent"
    body = next(m.body for m in mail.outbox if "invitation" in m.body)
    link = re.search(r"http\S+/accounts/invitation/\S+/", body).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.get_by_label("Password", exact=True).fill("violet-kettle-umbrella")
    page.get_by_label("Enter the password again").fill("violet-kettle-umbrella")
    page.get_by_role("button", name="Set password").click()

    expect(page).to_have_url(live_server.url + "/my/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    expect(page.locator("main")).to_contain_text("Amira Khan")
    expect(page.locator("main")).to_contain_text("Oakfield Primary School")
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.set_viewport_size({"width": 375, "height": 740})
    page.get_by_role("link", name="Oakfield Primary School").click()
    page.get_by_label("No, I cannot").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose why")
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.get_by_label("Yes, I can take this on").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(page).to_have_url(live_server.url + "/my/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("will be in touch")
    violations = axe_violations()
    assert violations == [], describe(violations)

    # The coordinator agrees the terms in the admin (its own browser test covers that page).
    today = timezone.localdate()
    deployment_agree(
        deployment=leader.deployments.get(),
        objectives=["Fractions taught with confidence in year 5."],
        agreed_days=Decimal("4"),
        start_date=today,
        end_date=today + datetime.timedelta(days=60),
        daily_rate=Decimal("350"),
        brokerage_fee=Decimal("50"),
        funding_source="school-budget",
        signed_by="Jo Baker",
        actor=CoordinatorFactory(),
    )

    page.reload()
    assert_fits_width(page)
    page.get_by_role("link", name="Oakfield Primary School").click()
    assert_fits_width(page)
    page.get_by_role("button", name="Log support").click()
    page.get_by_label("How many hours?").fill("2.5")
    page.get_by_label("Working alongside staff").check()
    page.get_by_label("Fractions taught with confidence in year 5.").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You logged 2.5 hours of working alongside staff"
    )
    expect(page.locator("main")).to_contain_text("In delivery")
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_the_sign_in_page_is_accessible_with_and_without_errors(live_server, page, axe_violations):
    UserFactory(email="amira@example.org")
    page.goto(live_server.url + "/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.get_by_label("Email address").fill("amira@example.org")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The email address or password is not right")
    expect(page).to_have_title("Error: Sign in – Alliance Portal")
    violations = axe_violations()
    assert violations == [], describe(violations)
