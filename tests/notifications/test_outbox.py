"""The email outbox: queue with the caller's transaction, send after commit, retry with backoff."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.notifications.services import (
    email_queue,
    email_retry,
    email_send_due,
    email_send_now,
)
from tests.factories import SupportRequestFactory
from tests.notifications import running_smtp_server

pytestmark = pytest.mark.django_db

TRACKING_URL = "https://portal.example.org/requests/track/3c5d9e0f7a1b/"
ADMIN_URL = "https://portal.example.org/admin/support_requests/supportrequest/1/change/"


@pytest.fixture
def smtp_server(settings):
    with running_smtp_server(settings) as server:
        yield server


@pytest.fixture
def support_request():
    return SupportRequestFactory(
        school=None,
        school_name_given="St Anne's & St Agnes <Primary>",
        school_postcode_given="N1 1AA",
        contact_name="Priya Shah",
        contact_email="head@stannes.example.org",
    )


def queue_school_email(support_request, to=None, topic="request-received"):
    return email_queue(
        to=to or support_request.contact_email,
        template="request_received_school",
        context={"support_request": support_request, "tracking_url": TRACKING_URL},
        topic=topic,
    )


def queue_test_email(to="someone@example.org"):
    """An email with no context to speak of, for the sending tests."""
    return email_queue(
        to=to,
        template="request_received_school",
        context={"support_request": SupportRequestFactory(), "tracking_url": TRACKING_URL},
    )


def html_part(message):
    return message.get_body(preferencelist=("html",))


def text_part(message):
    return message.get_body(preferencelist=("plain",))


# Rendering


def test_it_renders_the_school_email_with_the_reference_and_tracking_link(support_request):
    [email] = queue_school_email(support_request)

    reference = support_request.reference
    assert email.to == "head@stannes.example.org"
    assert email.topic == "request-received"
    assert email.subject == f"We have your request for support ({reference})"
    assert reference in email.body_text
    assert TRACKING_URL in email.body_text
    assert "Dear Priya Shah," in email.body_text
    assert reference in email.body_html
    assert f'href="{TRACKING_URL}"' in email.body_html
    assert "Alliance Portal" in email.body_html
    assert '<html lang="en-GB">' in email.body_html
    assert f"<title>{email.subject}</title>" in email.body_html
    assert "GOV.UK" not in email.body_html


def test_it_renders_the_coordinators_email_with_the_need_and_admin_link(support_request):
    [email] = email_queue(
        to="coordinator@alliance.example.org",
        template="request_received_coordinators",
        context={"support_request": support_request, "admin_url": ADMIN_URL},
        topic="request-received",
    )

    reference = support_request.reference
    assert reference in email.subject
    assert "St Anne's & St Agnes <Primary>" in email.subject
    assert reference in email.body_text
    assert ADMIN_URL in email.body_text
    assert support_request.outcomes_sought in email.body_text
    assert "not found in the register" in email.body_text
    assert reference in email.body_html
    assert f'href="{ADMIN_URL}"' in email.body_html
    assert support_request.outcomes_sought in email.body_html


def test_it_escapes_html_but_not_the_plain_text(support_request):
    [email] = queue_school_email(support_request)

    assert "St Anne&#x27;s &amp; St Agnes &lt;Primary&gt;" in email.body_html
    assert "<Primary>" not in email.body_html
    assert "St Anne's & St Agnes <Primary>" in email.body_text
    assert "&amp;" not in email.body_text
    assert "&amp;" not in email.subject


def test_it_keeps_the_subject_to_one_line_within_the_column():
    support_request = SupportRequestFactory(school=None, school_name_given="Long\nName " * 25)

    [email] = email_queue(
        to="coordinator@alliance.example.org",
        template="request_received_coordinators",
        context={"support_request": support_request, "admin_url": ADMIN_URL},
    )

    assert "\n" not in email.subject
    assert len(email.subject) <= 255
    assert email.subject.endswith("…")


# Recipients


def test_it_queues_one_email_per_recipient_skipping_empty_and_repeated_ones(support_request):
    emails = queue_school_email(
        support_request,
        to=["a@example.org", "", "b@example.org", " A@example.org ", "a@example.org"],
    )

    assert [email.to for email in emails] == ["a@example.org", "b@example.org"]
    assert sorted(OutboundEmail.objects.values_list("to", flat=True)) == [
        "a@example.org",
        "b@example.org",
    ]
    assert {email.status for email in emails} == {OutboundEmail.Status.QUEUED}


def test_it_queues_nothing_without_a_recipient(support_request):
    assert queue_school_email(support_request, to=["", "  "]) == []
    assert not OutboundEmail.objects.exists()


# Transactions


def test_it_queues_nothing_when_the_callers_transaction_fails(
    support_request, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue_school_email(support_request)
        raise RuntimeError("the request could not be saved")

    assert not OutboundEmail.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_it_sends_straight_after_the_commit(support_request, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            [email] = queue_school_email(support_request)
        assert mail.outbox == []  # Nothing leaves before the commit.

    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["head@stannes.example.org"]
    assert message.subject == email.subject
    assert message.alternatives[0].mimetype == "text/html"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.sent_at is not None
    assert email.attempts == 1


def test_it_keeps_the_email_queued_when_sending_after_commit_fails_in_any_way(
    support_request, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "tests.notifications.no_such_module.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        [email] = queue_school_email(support_request)

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.attempts == 0


# Delivery over SMTP


def test_it_keeps_a_refused_email_queued_and_sends_it_on_the_next_due_run(
    support_request, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.refuse("451 4.3.0 Try again later")
    queued_at = timezone.now()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [email] = queue_school_email(support_request)

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.attempts == 1
    assert "451" in email.last_error
    assert "Try again later" in email.last_error
    assert email.next_attempt_at >= queued_at + datetime.timedelta(minutes=1)
    assert smtp_server.messages == []

    smtp_server.accept()
    assert email_send_due() == (0, 0)  # Not due for a minute yet.
    assert email_send_due(now=email.next_attempt_at) == (1, 0)

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.sent_at == email.next_attempt_at
    assert email.attempts == 2
    [(mail_from, recipients, message)] = smtp_server.messages
    assert mail_from == "portal@localhost"
    assert recipients == ["head@stannes.example.org"]
    assert message["To"] == "head@stannes.example.org"
    assert message["Subject"] == f"We have your request for support ({support_request.reference})"
    assert message.get_content_type() == "multipart/alternative"
    assert TRACKING_URL in text_part(message).get_content()
    assert f'href="{TRACKING_URL}"' in html_part(message).get_content()

    assert email_send_due(now=email.next_attempt_at + datetime.timedelta(days=1)) == (0, 0)
    assert len(smtp_server.messages) == 1


def test_it_records_an_unreachable_server_against_every_due_email(smtp_server):
    queue_test_email("a@example.org")
    queue_test_email("b@example.org")
    smtp_server.stop()

    assert email_send_due() == (0, 2)

    for email in OutboundEmail.objects.all():
        assert email.status == OutboundEmail.Status.QUEUED
        assert email.attempts == 1
        assert email.last_error.startswith("ConnectionRefusedError")


def test_it_sends_every_due_email_over_the_server(smtp_server):
    queue_test_email("a@example.org")
    queue_test_email("b@example.org")

    assert email_send_due() == (2, 0)

    assert sorted(recipients[0] for _, recipients, _ in smtp_server.messages) == [
        "a@example.org",
        "b@example.org",
    ]
    assert not OutboundEmail.objects.queued().exists()


# Retries


def test_it_backs_off_then_gives_up(smtp_server):
    smtp_server.refuse("451 4.3.0 Try again later")
    [email] = queue_test_email()
    now = email.next_attempt_at
    waits = []

    for _ in range(OutboundEmail.MAX_ATTEMPTS - 1):
        assert email_send_due(now=now) == (0, 1)
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.QUEUED
        waits.append(email.next_attempt_at - now)
        assert email_send_due(now=email.next_attempt_at - datetime.timedelta(seconds=1)) == (0, 0)
        now = email.next_attempt_at

    assert [wait / datetime.timedelta(minutes=1) for wait in waits] == [
        1,
        5,
        15,
        60,
        240,
        240,
        240,
    ]
    assert email_send_due(now=now) == (0, 1)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == OutboundEmail.MAX_ATTEMPTS
    assert "451" in email.last_error

    smtp_server.accept()
    assert email_send_due(now=now + datetime.timedelta(days=30)) == (0, 0)
    assert smtp_server.messages == []


def test_it_queues_a_failed_email_again_on_retry():
    [email] = queue_test_email()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.FAILED, attempts=8, last_error="SMTPDataError: 451"
    )
    now = timezone.now() + datetime.timedelta(days=2)

    assert email_retry(emails=OutboundEmail.objects.all(), now=now) == 1

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.attempts == 0
    assert email.next_attempt_at == now
    assert email_send_due(now=now) == (1, 0)


def test_it_sends_now_an_email_that_is_not_yet_due():
    [email] = queue_test_email()
    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(hours=4)
    )

    assert email_send_due() == (0, 0)
    assert email_send_now(emails=[email]) == (1, 0)
    assert len(mail.outbox) == 1


def test_it_sends_only_up_to_the_limit_oldest_first():
    first, second, third = (queue_test_email(f"{n}@example.org")[0] for n in range(3))
    OutboundEmail.objects.filter(pk=first.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=5)
    )

    assert email_send_due(limit=2) == (2, 0)

    assert [message.to for message in mail.outbox] == [["0@example.org"], ["1@example.org"]]
    assert list(OutboundEmail.objects.queued()) == [third]


def test_it_refuses_negative_attempts_in_the_database():
    [email] = queue_test_email()

    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundEmail.objects.filter(pk=email.pk).update(attempts=-1)


# Two senders


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_it_skips_an_email_another_sender_is_sending():
    # Created directly: outside a test transaction, email_queue would send it at once.
    email = OutboundEmail.objects.create(to="a@example.org", subject="Hello", body_text="Hello")
    locked, release = threading.Event(), threading.Event()

    def other_sender():
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                OutboundEmail.objects.select_for_update().get(pk=email.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        assert email_send_due() == (0, 0)
        assert mail.outbox == []
    finally:
        release.set()
        thread.join()

    assert email_send_due() == (1, 0)


# Admin


def test_it_sends_now_from_the_admin(admin_client):
    [email] = queue_test_email()

    response = admin_client.post(
        reverse("admin:notifications_outboundemail_changelist"),
        {"action": "send_now", "_selected_action": [email.pk]},
        follow=True,
    )

    assert "Sent 1, failed 0" in response.content.decode()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


def test_it_retries_from_the_admin(admin_client):
    [email] = queue_test_email()
    OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.FAILED)

    response = admin_client.post(
        reverse("admin:notifications_outboundemail_changelist"),
        {"action": "retry", "_selected_action": [email.pk]},
        follow=True,
    )

    assert "Queued 1 failed email(s) again." in response.content.decode()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED


def test_it_shows_the_outbox_read_only_in_the_admin(admin_client, support_request):
    [email] = queue_school_email(support_request)

    changelist = admin_client.get(reverse("admin:notifications_outboundemail_changelist"))
    change = admin_client.get(reverse("admin:notifications_outboundemail_change", args=[email.pk]))
    add = admin_client.get(reverse("admin:notifications_outboundemail_add"))

    assert "head@stannes.example.org" in changelist.content.decode()
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert add.status_code == 403
