"""`manage.py designation_reviews`: list reviews due within 60 days or overdue, email digests."""

from django.core.management.base import BaseCommand

from alliance_portal.ops.scheduled import runs_alone
from leaders.reviews import WARNING_DAYS, designation_reviews_send, reviews_by_alliance


class Command(BaseCommand):
    help = (
        "List active designations whose review is overdue or due within 60 days, and email "
        "each designating alliance's coordinators a digest. Run it weekly from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=WARNING_DAYS, help="How far ahead to look.")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what is due without emailing anyone."
        )

    @runs_alone
    def handle(self, *args, **options):
        if options["dry_run"]:
            groups = reviews_by_alliance(within_days=options["days"])
        else:
            groups = designation_reviews_send(within_days=options["days"])
        if not groups:
            self.stdout.write(f"No reviews are overdue or due in the next {options['days']} days.")
            return
        ordered = sorted(groups.values(), key=lambda g: g.alliance.name if g.alliance else "")
        for reviews in ordered:
            self.stdout.write(reviews.alliance.name if reviews.alliance else "National")
            for label, designations in (("overdue", reviews.overdue), ("due", reviews.due_soon)):
                for designation in designations:
                    self.stdout.write(
                        f"  {label}: {designation.leader.full_name}, {designation.kind}, "
                        f"review {designation.review_due_on:%d %b %Y}"
                    )
        emailed = sum(1 for alliance_id in groups if alliance_id is not None)
        if not options["dry_run"]:
            self.stdout.write(
                f"Emailed a digest to {emailed} alliance{'s' if emailed != 1 else ''}."
            )
