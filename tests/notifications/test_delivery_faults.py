"""How delivery meets a faulty mail server: refusals for good and for now, a stall, a crash.

A real SMTP server on loopback (tests.notifications) refuses on command; the
stalled one (alliance_portal.demo.faults) accepts and never answers.
"""

import logging

import pytest

from alliance_portal.demo.faults import stalled_mail_server
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.notifications.services import email_queue, email_send_due
from tests.notifications import running_smtp_server

pytestmark = pytest.mark.django_db

ADDRESS = "head@example.org"


@pytest.fixture
def smtp_server(settings):
    with running_smtp_server(settings) as server:
        yield server


def queue_email(topic="test"):
    [email] = email_queue(
        to=ADDRESS, template="password_reset", context={"user": None}, topic=topic
    )
    return email


def failure_logs(caplog):
    return [
        record
        for record in caplog.records
        if record.name == "alliance_portal.notifications.services"
        and record.levelno == logging.WARNING
    ]


def test_an_address_refused_for_good_is_given_up_at_once_and_logged(smtp_server, caplog):
    smtp_server.refuse_recipients("550 5.1.1 No such mailbox here")
    email = queue_email(topic="password-reset")

    assert email_send_due() == (0, 1)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.FAILED, 1)
    assert "550" in email.last_error
    [record] = failure_logs(caplog)
    assert record.email_id == email.pk
    assert record.permanent is True
    assert record.smtp_error == "SMTPRecipientsRefused: 550"
    assert "not retried" in record.getMessage()
    assert "password-reset" in record.getMessage()
    assert ADDRESS not in record.getMessage()


def test_a_temporary_refusal_is_retried_later_and_logged(smtp_server, caplog):
    smtp_server.refuse("451 4.3.0 Try again later")
    email = queue_email()

    assert email_send_due() == (0, 1)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.QUEUED, 1)
    [record] = failure_logs(caplog)
    assert (record.email_id, record.permanent, record.smtp_error) == (
        email.pk,
        False,
        "SMTPDataError: 451",
    )
    assert "will retry at" in record.getMessage()

    smtp_server.accept()
    assert email_send_due(now=email.next_attempt_at) == (1, 0)


def test_a_5xx_for_the_account_not_the_address_is_retried_so_the_queue_survives(
    smtp_server, caplog
):
    """ "554 sending paused" refuses every email alike: giving each up would lose the queue."""
    smtp_server.refuse("554 5.7.1 Sending paused for this account")
    emails = [queue_email(), queue_email()]

    assert email_send_due() == (0, 2)

    for email in emails:
        email.refresh_from_db()
        assert (email.status, email.attempts) == (OutboundEmail.Status.QUEUED, 1)
    assert [record.permanent for record in failure_logs(caplog)] == [False, False]
    smtp_server.accept()
    assert email_send_due(now=emails[0].next_attempt_at) == (2, 0)


def test_a_stalled_server_is_given_up_after_the_timeout_and_logged(settings, caplog):
    with stalled_mail_server() as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 1
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        email = queue_email()

        assert email_send_due() == (0, 1)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.QUEUED, 1)
    assert "timed out" in email.last_error
    [record] = failure_logs(caplog)
    assert "Could not reach the mail server" in record.getMessage()


class WorkerKilled(BaseException):
    """Stands for the worker being killed between the server's 250 and the commit."""


def test_an_email_sent_again_after_a_crash_keeps_its_message_id(smtp_server, monkeypatch):
    email = queue_email()

    def killed(self, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patched:
        patched.setattr(OutboundEmail, "record_sent", killed)
        with pytest.raises(WorkerKilled):
            email_send_due()

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.QUEUED, 0)
    assert email_send_due() == (1, 0)

    first, second = (message for _, _, message in smtp_server.messages)
    assert first["Message-ID"] == second["Message-ID"] == email.message_id


def test_every_email_has_its_own_message_id_in_the_sites_domain(settings):
    settings.SITE_URL = "https://portal.example.org"
    first, second = queue_email(), queue_email()

    assert first.message_id != second.message_id
    assert first.message_id.endswith("@portal.example.org>")
