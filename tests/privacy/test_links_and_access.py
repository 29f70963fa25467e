"""Links and access that end: tracking links after any final state, a leader's sight of
the school contact after the work, private links in the outbox once sent, deletions
that would leave copies behind."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.notifications.services import (
    PRIVATE_LINKS,
    email_queue,
    email_retry,
    email_send_now,
)
from requests.models import SupportRequest
from requests.tracking import tracking_token
from tests.factories import AgreedDeploymentFactory, SupportRequestFactory, leader_with_designation

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ended(status, days_ago):
    support_request = SupportRequestFactory(status=status)
    SupportRequest.objects.filter(pk=support_request.pk).update(
        status_changed_at=NOW - datetime.timedelta(days=days_ago)
    )
    return support_request


@pytest.mark.parametrize("status", ["completed", "evaluated", "withdrawn", "lapsed"])
def test_a_tracking_link_ends_thirty_days_after_any_final_state(client, status):
    fresh, stale = ended(status, 29), ended(status, 31)

    assert client.get(f"/track/{tracking_token(fresh)}/").status_code == 200
    response = client.get(f"/track/{tracking_token(stale)}/")
    assert response.status_code == 410
    assert "30 days after the request ends" in response.content.decode()


def test_an_open_request_keeps_its_link_however_old(client):
    old = ended("matching", 400)

    assert client.get(f"/track/{tracking_token(old)}/").status_code == 200


def deployment_page(leader, status, completed_days_ago):
    deployment = AgreedDeploymentFactory(
        leader=leader,
        designation=leader.designations.get(),
        status=status,
        request__contact_email="head@oak.example.org",
        request__contact_phone="01632 960777",
        completed_at=NOW - datetime.timedelta(days=completed_days_ago),
    )
    client = Client()
    client.force_login(leader.user)
    return client.get(f"/my/deployments/{deployment.pk}/").content.decode()


def test_a_leader_stops_seeing_the_contact_thirty_days_after_the_work_ends():
    leader = leader_with_designation()

    lately = deployment_page(leader, "completed", 29)
    long_ago = deployment_page(leader, "completed", 31)
    under_way = deployment_page(leader, "in-delivery", 400)

    assert "head@oak.example.org" in lately and "01632 960777" in lately
    assert "these details stay here until" in lately
    assert "head@oak.example.org" not in long_ago and "01632 960777" not in long_ago
    assert "no longer shown" in long_ago
    assert "head@oak.example.org" in under_way


def test_an_email_holding_a_private_link_is_wiped_once_sent():
    support_request = SupportRequestFactory()
    private = email_queue(
        to="head@example.org",
        template="request_received_school",
        context={"support_request": support_request, "tracking_url": "https://x/track/secret/"},
    )[0]
    ordinary = email_queue(
        to="head@example.org",
        template="request_received_school",
        context={"support_request": support_request},
    )[0]
    assert "https://x/track/secret/" in private.body_text

    email_send_now(emails=[private, ordinary])

    private.refresh_from_db()
    ordinary.refresh_from_db()
    assert private.status == "sent"
    assert "secret" not in private.body_text + private.body_html
    assert private.body_text == OutboundEmail.CLEARED_BODY
    assert ordinary.body_text != OutboundEmail.CLEARED_BODY


def test_an_email_holding_a_private_link_is_wiped_when_given_up_on(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    email = email_queue(
        to="head@example.org",
        template="request_received_school",
        context={"support_request": SupportRequestFactory(), "tracking_url": "https://x/t/s/"},
    )[0]

    for _ in range(OutboundEmail.MAX_ATTEMPTS):
        email_send_now(emails=[email])

    email.refresh_from_db()
    assert email.status == "failed"
    assert email.body_text == OutboundEmail.CLEARED_BODY
    assert email_retry(emails=[email]) == 0  # nothing left to send


def test_only_the_schools_copy_of_a_new_request_holds_the_tracking_link():
    from requests.services import _queue_request_received

    support_request = SupportRequestFactory(contact_email="head@oak.example.org")
    _queue_request_received(support_request)

    school = OutboundEmail.objects.get(to="head@oak.example.org")
    coordinators = OutboundEmail.objects.exclude(to="head@oak.example.org").get()
    assert school.clear_body_once_sent and "/track/" in school.body_text
    assert not coordinators.clear_body_once_sent and "/track/" not in coordinators.body_text


def test_every_link_an_email_carries_is_known_to_be_private_or_not():
    """A new kind of private link must be added to PRIVATE_LINKS, or it stays in the outbox."""
    # Pages behind sign-in (or public ones): nothing in the link itself lets anyone in.
    public = {
        "site_url",
        "admin_url",
        "dashboard_url",
        "sign_in_url",
        "answer_url",
        "deployment_url",
        "report_url",
        "profile_url",
    }
    used = set()
    for template in Path(settings.BASE_DIR, "templates", "emails").rglob("*.*"):
        used |= set(re.findall(r"{{\s*(\w+_url)\s*}}", template.read_text()))

    assert used - public <= PRIVATE_LINKS
    assert {"reset_url", "invitation_url", "tracking_url", "evaluation_url"} <= used


def test_records_with_a_history_cannot_be_deleted_in_the_admin(admin_client):
    deployment = AgreedDeploymentFactory()
    leader = deployment.leader
    pages = {
        "request": f"/admin/support_requests/supportrequest/{deployment.request.pk}/delete/",
        "deployment": f"/admin/deployments/deployment/{deployment.pk}/delete/",
        "leader": f"/admin/leaders/leader/{leader.pk}/delete/",
    }

    assert {
        name: admin_client.post(url, {"post": "yes"}).status_code for name, url in pages.items()
    } == dict.fromkeys(pages, 403)
    assert SupportRequest.objects.filter(pk=deployment.request.pk).exists()


def test_the_privacy_notice_says_what_happens_and_when(client, settings):
    settings.TRACKING_LINK_DAYS_AFTER_END = 21
    page = client.get("/privacy/").content.decode()

    assert "then deleted" not in page  # the old promise nothing kept
    assert "six years after a request ends" in page
    assert "stops working 21 days after your request ends" in page
    assert "wiped from our records as soon as it is sent" in page
    assert "deleted after 90 days" in page
    assert "30 minutes without activity" in page
    assert "the moment the leader withdraws their consent" in page
