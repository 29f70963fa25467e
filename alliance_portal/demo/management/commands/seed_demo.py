"""`manage.py seed_demo`: a demo world to click around in, or national-scale data to time.

The generation lives in alliance_portal/demo (world.py and the national
package); this command only reads options and prints what happened.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from alliance_portal.demo import national, world
from leaders.search import refresh_search_documents


class Command(BaseCommand):
    help = (
        "Create demo data: a small demo world with three logins (the default), or the "
        "national-scale data set used to measure performance (--scale national). "
        "Running it again creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["demo", "national"],
            default="demo",
            help="demo: three alliances and a few hundred schools; national: England-sized.",
        )
        parser.add_argument(
            "--seed", type=int, help="Random seed, for a different but repeatable world."
        )
        parser.add_argument(
            "--allow-demo-logins",
            action="store_true",
            help="Create the demo world (with its published passwords) even with DEBUG off.",
        )
        sizes = parser.add_argument_group("national sizes")
        for name, default in (
            ("schools", 25_000),
            ("leaders", 8_000),
            ("requests", 50_000),
            ("deployments", 30_000),
            ("alliances", 90),
        ):
            sizes.add_argument(f"--{name}", type=int, default=default, help=f"Default {default:,}.")

    def handle(self, *args, **options):
        if options["scale"] == "national":
            self._national(options)
        else:
            self._demo(options)
        # The builders write in bulk, which no signal sees: the directory's search
        # documents are written once at the end.
        refresh_search_documents()

    def _demo(self, options):
        if not (settings.DEBUG or options["allow_demo_logins"]):
            # The demo logins' passwords are in the README: never plant them in production.
            raise CommandError(
                "The demo world has published passwords, so it is only created with DEBUG on "
                "(make run does this). Pass --allow-demo-logins if you really want it here."
            )
        started = time.perf_counter()
        seed = world.DEMO_SEED if options["seed"] is None else options["seed"]
        result = world.build_demo_world(seed=seed, log=self._say)
        if result.created:
            made = ", ".join(f"{count:,} {what}" for what, count in result.counts.items())
            self._say(f"Demo world created ({made}) in {time.perf_counter() - started:.1f}s.")
        for line in world.login_lines():
            self._say(line)

    def _national(self, options):
        if connection.vendor == "postgresql":
            # A build, not a page: its bulk statements may outlast the web's timeouts.
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
                cursor.execute("SET lock_timeout = 0")
        seed = national.NATIONAL_SEED if options["seed"] is None else options["seed"]
        self._say("Building the national data set...")
        national.build_national(
            schools=options["schools"],
            leaders=options["leaders"],
            requests=options["requests"],
            deployments=options["deployments"],
            alliances=options["alliances"],
            seed=seed,
            log=self._say,
        )

    def _say(self, message):
        self.stdout.write(message)
