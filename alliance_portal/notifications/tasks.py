"""The outbox's delivery, run by the worker process (`manage.py db_worker`), never in a request.

`email_queue` enqueues `deliver_due_emails` once its transaction commits. The
task sends whatever is due, over one connection per batch; if an attempt
failed, it enqueues itself again for when the earliest retry falls due, so
the backoff in `OutboundEmail.RETRY_DELAYS` needs no cron. (`manage.py
send_queued_email` still sends what is due, for a sweep from cron.)
"""

from django.utils import timezone
from django_tasks import task

from .models import OutboundEmail
from .services import email_send_due

BATCH = 100


@task()
def deliver_due_emails():
    sent = failed = 0
    while True:
        batch_sent, batch_failed = email_send_due(limit=BATCH)
        sent, failed = sent + batch_sent, failed + batch_failed
        if batch_sent + batch_failed < BATCH:
            break
    if failed:
        schedule_retry()
    return {"sent": sent, "failed": failed}


def schedule_retry():
    """Run again when the earliest retry is due (a backend that cannot wait runs it now)."""
    due = (
        OutboundEmail.objects.queued()
        .filter(next_attempt_at__gt=timezone.now())
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if due is not None and deliver_due_emails.get_backend().supports_defer:
        deliver_due_emails.using(run_after=due).enqueue()
