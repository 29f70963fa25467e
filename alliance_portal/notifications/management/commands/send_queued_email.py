"""`manage.py send_queued_email [--loop SECONDS]`: send the outbox's due emails.

Without --loop it sends what is due and exits: run it from cron every minute
or so. With --loop it keeps running, sending every SECONDS, for a process
supervisor (systemd, supervisord, a container) to keep alive; it stops
cleanly, between two emails, on SIGTERM or Ctrl-C.
"""

import argparse
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from alliance_portal.notifications import services
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.ops.scheduled import runs_alone


def positive_int(value):
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, not {value!r}")
    return number


class Command(BaseCommand):
    help = (
        "Send queued emails whose next attempt is due, then print how many were sent, "
        "how many attempts failed and how many emails are still queued. Run it from cron, "
        "or with --loop under a process supervisor."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=positive_int,
            metavar="SECONDS",
            help="Keep running, sending what is due every SECONDS, until stopped "
            "(SIGTERM or Ctrl-C).",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=100,
            help="Emails to send over one connection before looking again (default 100).",
        )

    @runs_alone
    def handle(self, *args, loop, batch_size, verbosity, **options):
        if loop is None:
            self.send_due(batch_size=batch_size, verbosity=verbosity, quiet_when_idle=False)
            return
        stopping = threading.Event()
        previous_handlers = {
            signum: signal.signal(signum, lambda *_: stopping.set())
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            while not stopping.is_set():
                # A long-running process sees no requests, so drop database
                # connections that have expired or broken the way a request would.
                close_old_connections()
                try:
                    self.send_due(batch_size=batch_size, verbosity=verbosity, quiet_when_idle=True)
                except Exception as error:  # Keep going: the next round may succeed.
                    self.stderr.write(f"Sending failed: {type(error).__name__}: {error}")
                stopping.wait(loop)
        finally:
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)

    def send_due(self, *, batch_size, verbosity, quiet_when_idle):
        sent = failed = 0
        while True:
            batch_sent, batch_failed = services.email_send_due(limit=batch_size)
            sent += batch_sent
            failed += batch_failed
            # A full batch means there may be more due; failed emails are
            # rescheduled into the future, so this always ends.
            if batch_sent + batch_failed < batch_size:
                break
        idle = sent == 0 and failed == 0
        if verbosity > 1 or (verbosity > 0 and not (idle and quiet_when_idle)):
            queued = OutboundEmail.objects.queued().count()
            self.stdout.write(f"Sent {sent}, failed {failed}, still queued {queued}.")
