"""Measure the portal at national scale: `make bench` runs this on PostgreSQL.

The national data set is built once (seed_demo --scale national) and reused.
Register imports run in a scratch database of their own, so they start from
an empty schools table without disturbing the national data.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from alliance_portal.accounts.models import User
from alliance_portal.demo.bench import (
    Measurement,
    ensure_postgres_database,
    format_table,
    measure,
)
from alliance_portal.demo.register_file import fake_register_rows, write_register_csv
from alliance_portal.schools.models import School
from requests.models import SupportRequest

BENCH_DIR = Path(settings.BASE_DIR) / ".bench"
BENCH_ADMIN_EMAIL = "bench-admin@example.org"


class Command(BaseCommand):
    help = "Time key operations at national scale on PostgreSQL and print a table."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="Timed runs per page (median).")
        parser.add_argument(
            "--import-runs", type=int, default=3, help="Timed runs per register import."
        )
        parser.add_argument("--import-rows", type=int, default=50_000)
        parser.add_argument(
            "--part",
            choices=["all", "import", "pages"],
            default="all",
            help="Run one part only; 'import' expects an empty scratch database.",
        )
        parser.add_argument("--json", action="store_true", help="Print results as JSON.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmarks run on PostgreSQL: set DATABASE_URL to a PostgreSQL "
                "database (make bench does this)."
            )
        part = options["part"]
        ensure_postgres_database(connection.settings_dict)
        call_command("migrate", verbosity=0)
        results = []
        if part == "import":
            results += self.bench_import(options)
        else:
            results += self.ensure_national_data()
            if part == "all":
                results += self.bench_import_in_scratch_database(options)
            results += self.bench_admin_pages(options)

        if options["json"]:
            self.stdout.write(json.dumps([m.as_dict() for m in results]))
        else:
            self.stdout.write(format_table(results))

    # National data -------------------------------------------------------

    def ensure_national_data(self):
        if School.objects.count() >= 25_000 and SupportRequest.objects.count() >= 50_000:
            self.stderr.write("Reusing the national data set already in the database.")
            return []
        self.stderr.write("Building the national data set (once)...")
        started = time.perf_counter()
        call_command("seed_demo", scale="national", stdout=self.stderr)
        elapsed = (time.perf_counter() - started) * 1000
        return [Measurement("seed_demo --scale national (first build)", [elapsed])]

    # Register import -----------------------------------------------------

    def bench_import_in_scratch_database(self, options):
        """Run the import part in a fresh database next to the bench one."""
        url = urlsplit(os.environ["DATABASE_URL"])
        scratch_name = f"{connection.settings_dict['NAME']}_import"
        scratch = {**connection.settings_dict, "NAME": scratch_name}
        ensure_postgres_database(scratch, recreate=True)
        env = {
            **os.environ,
            "DATABASE_URL": urlunsplit(url._replace(path=f"/{scratch_name}")),
        }
        command = [
            sys.executable,
            "manage.py",
            "bench",
            "--part=import",
            "--json",
            f"--import-runs={options['import_runs']}",
            f"--import-rows={options['import_rows']}",
        ]
        self.stderr.write(f"Timing the register import in {scratch_name}...")
        finished = subprocess.run(
            command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
        )
        if finished.returncode != 0:
            raise CommandError(f"The import benchmark failed:\n{finished.stderr}")
        return [Measurement.from_dict(row) for row in json.loads(finished.stdout)]

    def bench_import(self, options):
        rows = options["import_rows"]
        path = BENCH_DIR / f"register-{rows}.csv"
        if not path.exists():
            BENCH_DIR.mkdir(exist_ok=True)
            write_register_csv(path, fake_register_rows(rows))

        def empty_register():
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE schools_school, schools_trust, schools_localauthority CASCADE"
                )

        def import_file():
            call_command("import_schools", str(path), verbosity=0)

        runs = options["import_runs"]
        fresh = measure(
            f"import_schools, {rows:,} rows into an empty database",
            import_file,
            runs=runs,
            before_each=empty_register,
        )
        unchanged = measure(
            f"import_schools, the same {rows:,} rows again (unchanged)", import_file, runs=runs
        )
        return [fresh, unchanged]

    # Admin pages ---------------------------------------------------------

    def bench_admin_pages(self, options):
        superuser = User.objects.filter(email=BENCH_ADMIN_EMAIL).first()
        if superuser is None:
            superuser = User.objects.create_superuser(BENCH_ADMIN_EMAIL, None)
        client = Client(HTTP_HOST="localhost")
        client.force_login(superuser)

        results = []
        for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

            def open_page(url=url):
                response = client.get(url, secure=True)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")

            results.append(
                measure(
                    f"admin changelist {model._meta.verbose_name_plural}",
                    open_page,
                    runs=options["runs"],
                    warmup=1,
                    note=f"{model.objects.count():,} rows",
                )
            )
        return results
