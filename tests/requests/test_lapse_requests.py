"""Requests nobody acted on are closed, and the school is told."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from requests.models import SupportRequest
from requests.services import request_transition
from tests.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db
Status = SupportRequest.Status


def waiting(status, days, **kwargs):
    return SupportRequestFactory(
        status=status,
        status_changed_at=timezone.now() - datetime.timedelta(days=days),
        **kwargs,
    )


def lapse(*args):
    out = StringIO()
    call_command("lapse_requests", *args, stdout=out)
    return out.getvalue()


def test_it_closes_open_requests_with_no_progress_for_too_long(settings):
    settings.REQUEST_LAPSE_DAYS = 60
    stale = waiting(Status.MATCHING, 61, contact_email="head@oak.example.org")
    fresh = waiting(Status.MATCHING, 59)
    agreed = waiting(Status.AGREED, 200)

    output = lapse()

    stale.refresh_from_db()
    assert stale.status == Status.LAPSED
    assert stale.closed_reason == "Closed after 60 days with no progress."
    assert stale.events.get().actor_label == "Portal (no response)"
    for untouched, status in ((fresh, Status.MATCHING), (agreed, Status.AGREED)):
        untouched.refresh_from_db()
        assert untouched.status == status
    assert f"closed {stale.reference}" in output
    assert "Closed 1 request(s)" in output
    email = OutboundEmail.objects.get(topic="request-closed")
    assert email.to == "head@oak.example.org"
    assert email.subject == f"Your request {stale.reference} is closed"
    assert "did not hear back" in email.body_text


def test_it_lists_without_closing_on_a_dry_run():
    stale = waiting(Status.NEW, 90)

    output = lapse("--dry-run", "--days", "30")

    stale.refresh_from_db()
    assert stale.status == Status.NEW
    assert f"would close {stale.reference}" in output


def test_it_tells_the_school_when_it_withdraws():
    support_request = SupportRequestFactory(status=Status.NEW)
    request_transition(
        support_request=support_request, to_status=Status.WITHDRAWN, note="Sorted it ourselves."
    )

    email = OutboundEmail.objects.get(topic="request-closed")
    assert "Sorted it ourselves." in email.body_text
    assert "/track/" in email.body_text
