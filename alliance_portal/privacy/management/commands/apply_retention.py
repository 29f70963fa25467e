"""`manage.py apply_retention [--dry-run]`: anonymise records past their retention period.

Run it daily. People's details go from requests that ended, leaders whose
designations and work ended, and applications decided, more than
RETENTION_YEARS ago (default 6); states, dates, days and ratings stay, so
reports still add up. It also deletes what is only kept to deliver: emails
sent or given up on more than OUTBOX_KEEP_DAYS ago, finished worker tasks
older than TASK_RESULTS_KEEP_DAYS, and expired sessions.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from alliance_portal.ops.scheduled import runs_alone
from alliance_portal.privacy.anonymise import apply_retention


class Command(BaseCommand):
    help = (
        f"Anonymise people's details in records closed more than RETENTION_YEARS "
        f"(now {settings.RETENTION_YEARS}) years ago, and delete sent emails, finished "
        "worker tasks, expired sessions and expired exports past their keeping time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be anonymised; change nothing."
        )

    @runs_alone
    def handle(self, *args, dry_run, **options):
        summary = apply_retention(dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"Would anonymise {len(summary.requests)} requests, {len(summary.leaders)} "
                f"leaders and {summary.applications} applications."
            )
            for reference in summary.requests:
                self.stdout.write(f"  {reference}")
            return
        for line in summary.lines():
            self.stdout.write(line)
