"""`manage.py send_chasers`: send the reminders and the coordinators' weekly digest."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from alliance_portal.chasers.services import chasers_run
from alliance_portal.ops.scheduled import runs_alone
from alliance_portal.pages.formats import long_date


def iso_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today takes a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Remind leaders of unanswered proposals, work with nothing logged and impact reports "
        "not sent; the coordinators of proposals still unanswered; schools of evaluations "
        "not returned; leaders of designation reviews due; and send each coordinator a "
        "weekly digest. Each goes once, on working days only. Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; send nothing."
        )
        parser.add_argument(
            "--today",
            type=iso_date,
            default=None,
            help="Run as if today were this date (YYYY-MM-DD), for testing.",
        )

    @runs_alone
    def handle(self, *args, **options):
        today = options["today"] or timezone.localdate()
        dry_run = options["dry_run"]
        run = chasers_run(today=today, dry_run=dry_run)
        if not run.working_day:
            self.stdout.write(
                f"{today:%A} {long_date(today)} is not a working day: nothing is sent."
            )
            return
        for result in run.results:
            if dry_run or options["verbosity"] > 1:
                for reminder in result.due if dry_run else result.sent:
                    self.stdout.write(f"  {'would send' if dry_run else 'sent'}: {reminder.says}")
            self.stdout.write(result.summary(dry_run=dry_run))
