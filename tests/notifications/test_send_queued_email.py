"""`manage.py send_queued_email`: send what is due, say what happened, optionally keep going."""

import datetime
import io
import os
import signal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from alliance_portal.notifications import services
from alliance_portal.notifications.models import OutboundEmail
from tests.notifications import running_smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_server(settings):
    with running_smtp_server(settings) as server:
        yield server


def queue(to, *, due=True):
    next_attempt_at = timezone.now() + datetime.timedelta(minutes=-1 if due else 30)
    return OutboundEmail.objects.create(
        to=to,
        subject=f"Hello {to}",
        body_text="Hello.",
        body_html="<p>Hello.</p>",
        next_attempt_at=next_attempt_at,
    )


def send_queued_email(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("send_queued_email", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_sends_what_is_due_and_says_so(smtp_server):
    queue("a@example.org")
    queue("b@example.org")
    later = queue("c@example.org", due=False)

    out, _ = send_queued_email()

    assert out == "Sent 2, failed 0, still queued 1.\n"
    assert sorted(recipients[0] for _, recipients, _ in smtp_server.messages) == [
        "a@example.org",
        "b@example.org",
    ]
    assert list(OutboundEmail.objects.queued()) == [later]


def test_it_counts_failed_attempts_and_keeps_them_queued(smtp_server):
    smtp_server.refuse("451 4.3.0 Try again later")
    email = queue("a@example.org")

    out, _ = send_queued_email()

    assert out == "Sent 0, failed 1, still queued 1.\n"
    email.refresh_from_db()
    assert email.attempts == 1
    assert email.next_attempt_at > timezone.now()


def test_it_says_so_when_there_is_nothing_to_send():
    out, _ = send_queued_email()

    assert out == "Sent 0, failed 0, still queued 0.\n"


def test_it_sends_batch_after_batch_until_nothing_is_due(smtp_server):
    for n in range(5):
        queue(f"{n}@example.org")

    out, _ = send_queued_email("--batch-size", "2")

    assert out == "Sent 5, failed 0, still queued 0.\n"
    assert len(smtp_server.messages) == 5


# Committed for real: the loop closes stale database connections between rounds,
# which a test transaction would not survive.
@pytest.mark.django_db(transaction=True)
def test_it_keeps_sending_in_a_loop_until_terminated(smtp_server, monkeypatch):
    queue("a@example.org")
    rounds = []
    email_send_due = services.email_send_due

    def send_due_and_stop_after_three_rounds(**kwargs):
        rounds.append(kwargs)
        try:
            if len(rounds) == 2:
                queue("b@example.org")
            return email_send_due(**kwargs)
        finally:
            if len(rounds) >= 3:
                os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(services, "email_send_due", send_due_and_stop_after_three_rounds)
    previous = signal.getsignal(signal.SIGTERM)

    out, _ = send_queued_email("--loop", "1")

    assert len(rounds) == 3
    # Quiet when there was nothing to send.
    assert out == "Sent 1, failed 0, still queued 0.\n" * 2
    assert [recipients[0] for _, recipients, _ in smtp_server.messages] == [
        "a@example.org",
        "b@example.org",
    ]
    assert signal.getsignal(signal.SIGTERM) is previous


def test_it_refuses_a_loop_of_zero_seconds():
    with pytest.raises(CommandError, match="whole number of 1 or more"):
        send_queued_email("--loop", "0")
