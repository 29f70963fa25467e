"""Queue emails with the change that causes them; the worker sends them.

`email_queue` writes rows in the caller's transaction, so an email exists if
and only if the change it reports was saved. Once the transaction commits it
hands delivery to the worker (`notifications.tasks.deliver_due_emails`), so
no web request ever waits on the mail server. Whatever is not sent stays
queued for the next attempt; `manage.py send_queued_email` sends what is due
too, as a sweep from cron.
"""

import logging
import smtplib
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from alliance_portal.pages.formats import shortened

from .models import OutboundEmail

logger = logging.getLogger(__name__)

# Seconds to wait on the mail server when EMAIL_TIMEOUT is not set, so a
# server that never answers cannot hold the worker forever.
DEFAULT_SMTP_TIMEOUT = 10
SUBJECT_MAX_LENGTH = OutboundEmail._meta.get_field("subject").max_length
# Context names of links that let whoever holds them in: an email built with
# one of them is wiped from the outbox once sent. Emails name their links this way.
PRIVATE_LINKS = frozenset({"reset_url", "invitation_url", "tracking_url", "evaluation_url"})


def email_queue(
    *, to: str | Iterable[str], template: str, context: Mapping, topic: str = ""
) -> list[OutboundEmail]:
    """Queue one email per recipient from `templates/emails/<template>.*`.

    Call it inside the transaction that makes the change the email reports:
    if that transaction rolls back, nothing is queued. Empty and repeated
    addresses are skipped. After the commit the worker is asked to deliver
    them.
    """
    recipients = _unique_addresses(to)
    if not recipients:
        return []
    subject, body_text, body_html = email_render(template=template, context=context)
    private = not PRIVATE_LINKS.isdisjoint(context)
    with transaction.atomic():
        emails = []
        for address in recipients:
            email = OutboundEmail(
                to=address,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                topic=topic,
                clear_body_once_sent=private,
            )
            email.full_clean()
            email.save()
            emails.append(email)
        transaction.on_commit(_ask_the_worker, robust=True)
    return emails


def email_render(*, template: str, context: Mapping) -> tuple[str, str, str]:
    """Render an email's subject, plain text body and HTML body."""
    context = {"site_url": settings.SITE_URL, "portal_name": settings.PORTAL_NAME, **context}
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
    subject = shortened(subject, SUBJECT_MAX_LENGTH)
    body_text = render_to_string(f"emails/{template}.txt", context).strip() + "\n"
    body_html = render_to_string(f"emails/{template}.html", {**context, "subject": subject})
    return subject, body_text, body_html


def email_send_due(*, now=None, limit: int = 100) -> tuple[int, int]:
    """Send up to `limit` queued emails whose next attempt is due.

    Returns (sent, failed): how many were sent, and how many attempts failed
    (those emails wait for their next attempt, or are given up on).
    """
    now = now or timezone.now()
    pks = list(
        OutboundEmail.objects.due(now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return _send(pks, now=now, due_only=True)


def email_send_now(*, emails: Iterable[OutboundEmail], now=None) -> tuple[int, int]:
    """Send the given queued emails now, whenever their next attempt was due."""
    return _send([email.pk for email in emails], now=now or timezone.now(), due_only=False)


def email_retry(*, emails: Iterable[OutboundEmail], now=None) -> int:
    """Queue emails that were given up on again, with a fresh set of attempts."""
    pks = [email.pk for email in emails]
    # A wiped email has nothing left to send: the person asks for a new link instead.
    failed = OutboundEmail.objects.filter(pk__in=pks, status=OutboundEmail.Status.FAILED)
    return failed.exclude(body_text=OutboundEmail.CLEARED_BODY).update(
        status=OutboundEmail.Status.QUEUED,
        attempts=0,
        next_attempt_at=now or timezone.now(),
        updated_at=timezone.now(),
    )


def _unique_addresses(to):
    addresses = [to] if isinstance(to, str) else list(to)
    unique = {}
    for address in addresses:
        address = (address or "").strip()
        if address:
            unique.setdefault(address.lower(), address)
    return list(unique.values())


def _ask_the_worker():
    from .tasks import deliver_due_emails

    try:
        deliver_due_emails.enqueue()
    except Exception:
        # The emails are safely queued: the next delivery, or send_queued_email, sends them.
        logger.exception("Could not ask the worker to deliver; the emails stay queued.")


def _send(pks, *, now, due_only):
    """Send each email over one connection, locking its row while it is sent.

    The connection is opened before a row is locked, so an unreachable server
    never holds a lock. A row another sender has locked is skipped: on
    PostgreSQL `skip_locked` makes two senders share the work, never send
    the same email twice. (SQLite has one writer at a time anyway.)
    """
    sent = failed = 0
    if not pks:
        return sent, failed
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_SMTP_TIMEOUT
    connection = get_connection(timeout=timeout)
    try:
        for index, pk in enumerate(pks):
            try:
                connection.open()
            except Exception as error:
                # The server cannot be reached: every email left waits its turn.
                failed += _record_failures(pks[index:], error=error, now=now, due_only=due_only)
                break
            with transaction.atomic():
                email = _lock_if_still_queued(pk, now=now, due_only=due_only)
                if email is None:
                    continue
                try:
                    if connection.send_messages([email.to_message(connection)]) != 1:
                        raise smtplib.SMTPException("The mail backend did not send the email.")
                except Exception as error:
                    permanent = is_permanent(error)
                    email.record_failure(error=describe_error(error), now=now, permanent=permanent)
                    _log_failure(email, error, permanent=permanent)
                    failed += 1
                    _close_quietly(connection)  # Start afresh for the next email.
                else:
                    email.record_sent(now=now)
                    sent += 1
    finally:
        _close_quietly(connection)
    return sent, failed


def _record_failures(pks, *, error, now, due_only):
    failed = 0
    for pk in pks:
        with transaction.atomic():
            email = _lock_if_still_queued(pk, now=now, due_only=due_only)
            if email is not None:
                email.record_failure(error=describe_error(error), now=now)
                failed += 1
    if failed:
        logger.warning(
            "Could not reach the mail server (%s); %d emails wait for their next attempt "
            "(or are given up, after their last).",
            _error_for_log(error),
            failed,
            extra={"smtp_error": _error_for_log(error), "emails": failed},
        )
    return failed


def _lock_if_still_queued(pk, *, now, due_only):
    """The email, locked, unless it was sent, given up on, rescheduled or is being sent."""
    candidates = OutboundEmail.objects.select_for_update(skip_locked=True).filter(
        pk=pk, status=OutboundEmail.Status.QUEUED
    )
    if due_only:
        candidates = candidates.filter(next_attempt_at__lte=now)
    return candidates.first()


def _close_quietly(connection):
    try:
        connection.close()
    except Exception:
        logger.warning("Could not close the mail server connection cleanly.", exc_info=True)


def is_permanent(error: Exception) -> bool:
    """Did the server refuse this address for good? Then sending again cannot help.

    Only a 5xx reply to the recipient (RCPT: "550 no such mailbox", "553 bad
    address") is about this one email. A 5xx to the sender or the message
    ("554 sending paused", "550 relaying denied", "530 authentication
    required") usually means the account or the configuration is wrong and
    would refuse every email alike: those, like any 4xx, a timeout or a
    dropped connection, are retried on the usual schedule, which gives time
    to mend the configuration without losing the queue.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(_permanent_code(code) for code in codes)
    return False


def _permanent_code(code) -> bool:
    return isinstance(code, int) and 500 <= code < 600


def _log_failure(email, error, *, permanent):
    """One log line per failed attempt: which email and why, but not to whom (no personal data)."""
    if permanent:
        outcome = "the address was refused for good; not retried"
    elif email.status == OutboundEmail.Status.FAILED:
        outcome = f"given up after {email.attempts} attempts"
    else:
        outcome = f"will retry at {email.next_attempt_at:%Y-%m-%d %H:%M:%S%z}"
    logger.warning(
        "Email %s (%s) attempt %d failed: %s; %s.",
        email.pk,
        email.topic or "no topic",
        email.attempts,
        _error_for_log(error),
        outcome,
        extra={
            "email_id": email.pk,
            "topic": email.topic,
            "attempt": email.attempts,
            "permanent": permanent,
            "smtp_error": _error_for_log(error),
        },
    )


def _error_for_log(error):
    """The error without the addresses a recipients' refusal names."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in error.recipients.values()})
        return f"{type(error).__name__}: {', '.join(codes)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code}"
    return type(error).__name__


def describe_error(error: Exception) -> str:
    """A line for `last_error`: what went wrong, in the server's words if it gave any."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name}: {error.smtp_code} {_decode(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = (
            f"{address} {code} {_decode(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
        return f"{name}: {', '.join(refusals)}"
    return f"{name}: {error}" if str(error) else name


def _decode(reply):
    return reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
