"""A leader sends the impact report; the school evaluates the support from the emailed link."""

import re
import time

import pytest
from django.core import mail, signing
from playwright.sync_api import expect

from alliance_portal.notifications.models import OutboundEmail
from deployments.evaluation_links import EVALUATION_LINK_LIFETIME, evaluation_token
from deployments.models import Deployment, SchoolEvaluation
from requests.models import SupportRequest
from tests.browser.conftest import assert_accessible
from tests.factories import (
    AgreedDeploymentFactory,
    LeaderFactory,
    ObjectiveFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def deployment():
    user = UserFactory(email="sam.jones@example.org")
    deployment = AgreedDeploymentFactory(
        status=Deployment.Status.IN_DELIVERY,
        leader=LeaderFactory(user=user, full_name="Sam Jones"),
        request__status=SupportRequest.Status.IN_DELIVERY,
        request__school__name="Oakfield Primary School",
        request__contact_email="amira.khan@oakfield.example.org",
        logged_hours=7,
    )
    ObjectiveFactory(deployment=deployment, position=0, description="Sharper maths lessons")
    ObjectiveFactory(deployment=deployment, position=1, description="A stronger phonics scheme")
    return deployment


def sign_in(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill("sam.jones@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/my/")


def test_a_leader_reports_and_the_school_evaluates(
    live_server, page, deployment, settings, axe_violations
):
    settings.SITE_URL = live_server.url
    sign_in(page, live_server)

    # The leader's report: errors first, then sent.
    report_url = f"{live_server.url}/my/deployments/{deployment.pk}/report/"
    page.goto(report_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Write your impact report")
    assert_accessible(axe_violations)

    page.get_by_role("group", name="How far was objective 1 met?").get_by_label(
        "Green: met"
    ).check()
    page.get_by_role("button", name="Send your impact report").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Give the evidence for objective 1")
    expect(summary).to_contain_text("Choose a rating for objective 2")
    expect(summary).to_contain_text("Confirm that you are ready to send the report")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(axe_violations)

    page.get_by_label("Evidence for objective 1").fill("Every lesson visited was good or better.")
    page.get_by_role("group", name="How far was objective 2 met?").get_by_label(
        "Amber: partly met"
    ).check()
    page.get_by_label("Evidence for objective 2").fill(
        "The scheme is bought; training is half done."
    )
    page.get_by_label("Summary of the support").fill("Teaching is more confident.")
    page.get_by_label("I understand that the report cannot be changed once it is sent").check()
    page.get_by_role("button", name="Send your impact report").click()
    expect(page).to_have_url(f"{live_server.url}/my/deployments/{deployment.pk}/")

    page.goto(report_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your impact report")
    expect(page.locator("main")).to_contain_text("Every lesson visited was good or better.")
    expect(page.get_by_role("button", name="Send your impact report")).to_have_count(0)
    assert_accessible(axe_violations)

    # The school's evaluation, from the email.
    email = OutboundEmail.objects.get(topic="school-evaluation")
    assert email.to == "amira.khan@oakfield.example.org"
    # Wiped from the outbox once sent, as it holds a private link: read what was sent.
    sent = next(m for m in mail.outbox if m.to == ["amira.khan@oakfield.example.org"])
    link = re.search(r"http\S+/feedback/\S+/", sent.body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("How did the support go?")
    assert_accessible(axe_violations)

    page.get_by_role("button", name="Send your views").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say how far objective 1 was met")
    expect(summary).to_contain_text("Say how satisfied you are with the support")
    assert_accessible(axe_violations)

    page.get_by_role("group", name="Objective 1: how far was it met?").get_by_label(
        "Fully met"
    ).check()
    page.get_by_role("group", name="Objective 2: how far was it met?").get_by_label(
        "Partly met"
    ).check()
    page.get_by_label("Satisfied", exact=True).check()
    page.get_by_role("group", name="Would you use the service again?").get_by_label("Yes").check()
    page.get_by_label("Anything else you would like to tell us").fill("Sam was brilliant.")
    page.get_by_role("button", name="Send your views").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your views")
    assert_accessible(axe_violations)

    evaluation = SchoolEvaluation.objects.get(deployment=deployment)
    assert (evaluation.satisfaction, evaluation.would_use_again) == (4, "yes")
    assert evaluation.comments == "Sam was brilliant."


def test_the_link_pages_are_accessible(live_server, page, deployment, axe_violations, monkeypatch):
    page.goto(live_server.url + "/feedback/not-a-real-token/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_accessible(axe_violations)

    deployment.status = Deployment.Status.COMPLETED
    deployment.save()
    signed_at = time.time() - (EVALUATION_LINK_LIFETIME * 2).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: signed_at)
    token = evaluation_token(deployment)
    monkeypatch.undo()
    page.goto(f"{live_server.url}/feedback/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    expect(page.locator("main")).to_contain_text(deployment.request.alliance.contact_email)
    assert_accessible(axe_violations)
