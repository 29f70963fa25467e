"""`manage.py lapse_requests`: close open requests that have had no progress for too long."""

from django.conf import settings
from django.core.management.base import BaseCommand

from alliance_portal.ops.scheduled import runs_alone
from requests.services import requests_lapse, requests_to_lapse


class Command(BaseCommand):
    help = (
        "Close requests that have stayed new, triaged, matching or proposed with no change "
        "for REQUEST_LAPSE_DAYS days (60 unless set), telling each school. Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override REQUEST_LAPSE_DAYS.")
        parser.add_argument("--dry-run", action="store_true", help="List them; close nothing.")

    @runs_alone
    def handle(self, *args, **options):
        days = options["days"] if options["days"] is not None else settings.REQUEST_LAPSE_DAYS
        if options["dry_run"]:
            waiting = list(requests_to_lapse(days=days).order_by("pk"))
            for support_request in waiting:
                self.stdout.write(f"would close {support_request.reference}")
            self.stdout.write(f"{len(waiting)} request(s) have had no progress for {days} days.")
            return
        closed = requests_lapse(days=days)
        for support_request in closed:
            self.stdout.write(f"closed {support_request.reference}")
        self.stdout.write(f"Closed {len(closed)} request(s) with no progress for {days} days.")
