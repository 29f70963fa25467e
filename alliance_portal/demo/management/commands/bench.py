"""Measure the portal at national scale: `make bench` runs this on PostgreSQL.

The national data set is built once (seed_demo --scale national) and reused.
Register imports run in a scratch database of their own, so they start from
an empty schools table without disturbing the national data.

Pages are timed in-process with Django's test client (median of N runs, with
the number of SQL statements). Throughput comes from wrk against gunicorn on
loopback, each page compared with the bare `/healthz/` view of the same run.
"""

import csv
import datetime
import json
import os
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from alliance_portal.accounts.models import User
from alliance_portal.demo import load
from alliance_portal.demo.bench import (
    Measurement,
    counting_queries,
    ensure_postgres_database,
    format_ms,
    format_table,
    measure,
    measure_process,
)
from alliance_portal.demo.busy_leader import busy_leader, ensure_busy_leader
from alliance_portal.demo.faults import stalled_mail_server
from alliance_portal.demo.register_file import fake_register_rows, write_register_csv
from alliance_portal.demo.shortlist_floor import shortlist_floor
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.reports import background, snapshots
from alliance_portal.reports.exports import TABLES as export_tables
from alliance_portal.reports.models import Export, ExportChunk
from alliance_portal.schools import reading
from alliance_portal.schools.models import School
from deployments.matching import shortlist
from deployments.models import SupportLog
from leaders.directory import PAGE_CACHE_SECONDS, directory_leaders, listed_leaders
from leaders.models import AreaOfExpertise
from requests.models import SupportRequest

BENCH_DIR = Path(settings.BASE_DIR) / ".bench"
BENCH_ADMIN_EMAIL = "bench-admin@example.org"
# Requests the bench sends through the public journey carry this address, so
# they (and their history) can be found and deleted afterwards.
BENCH_CONTACT_EMAIL = "bench-journey@example.org"
BENCH_HOST = "localhost"
DIRECTORY_FILTERS = {
    "kind": "SLE",
    "area": "mathematics",
    "phase": "primary",
    "q": "teach classrooms",
}
# Each loaded just after the bare view (the floor), in the same gunicorn; a leader's own
# page is added once the data is there (`_throughput_paths`).
THROUGHPUT_FLOOR = "/healthz/"
THROUGHPUT_PATHS = ["/", "/roles/sle/", "/leaders/", "/leaders/?kind=SLE&phase=primary&page=2"]


def _without_rate_limits():
    return {scope: (10**9, period) for scope, (_, period) in settings.RATE_LIMITS.items()}


def _clear_caches():
    for each in caches.all():
        each.clear()


# The floor's upsert: the register's text columns turned into schools_school's in SQL
# alone, as a hand-written load would (no checks, no per-line errors). {s} is the staging
# table, with one text column per header name.
_FLOOR_CODES_SQL = """
INSERT INTO {table} (code, name)
SELECT DISTINCT ON (code) nullif(s."{code}", '')::integer AS code, s."{name}"
FROM {s} s WHERE s."{code}" <> '' ORDER BY code, s."{name}" = ''
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
WHERE EXCLUDED.name <> '' AND {table}.name IS DISTINCT FROM EXCLUDED.name
"""
_FLOOR_SCHOOLS_SQL = """
INSERT INTO schools_school (
    urn, name, establishment_type, type_group, status, phase_id, statutory_low_age,
    statutory_high_age, local_authority_id, region, district, trust_id, street, locality,
    town, postcode, telephone, website, head_name, pupil_count, ofsted_rating,
    ofsted_last_inspection, easting, northing, open_date, close_date,
    imported_at, created_at, updated_at
)
SELECT
    s."URN"::integer, s."EstablishmentName", s."TypeOfEstablishment (name)",
    s."EstablishmentTypeGroup (name)",
    CASE lower(s."EstablishmentStatus (name)")
        WHEN 'closed' THEN 'closed'
        WHEN 'open, but proposed to close' THEN 'proposed-to-close'
        WHEN 'proposed to open' THEN 'proposed-to-open'
        ELSE 'open'
    END,
    p.id, nullif(s."StatutoryLowAge", '')::smallint, nullif(s."StatutoryHighAge", '')::smallint,
    la.id, s."GOR (name)", s."DistrictAdministrative (name)", t.id, s."Street", s."Locality",
    s."Town", s."Postcode", s."TelephoneNum", s."SchoolWebsite",
    concat_ws(' ', nullif(s."HeadFirstName", ''), nullif(s."HeadLastName", '')),
    nullif(s."NumberOfPupils", '')::integer, s."OfstedRating (name)",
    to_date(nullif(s."OfstedLastInsp", ''), 'DD-MM-YYYY'),
    nullif(s."Easting", '')::integer, nullif(s."Northing", '')::integer,
    to_date(nullif(s."OpenDate", ''), 'DD-MM-YYYY'),
    to_date(nullif(s."CloseDate", ''), 'DD-MM-YYYY'),
    now(), now(), now()
FROM {s} s
LEFT JOIN schools_localauthority la ON la.code = nullif(s."LA (code)", '')::integer
LEFT JOIN schools_trust t ON t.code = nullif(s."Trusts (code)", '')::integer
LEFT JOIN schools_phase p ON p.code = CASE
    WHEN lower(s."EstablishmentTypeGroup (name)") = 'special schools'
        OR s."TypeOfEstablishment (name)" ILIKE '%special%' THEN 'special'
    WHEN s."TypeOfEstablishment (name)" ILIKE '%pupil referral%'
        OR s."TypeOfEstablishment (name)" ILIKE '%alternative provision%'
        THEN 'alternative-provision'
    ELSE CASE lower(s."PhaseOfEducation (name)")
        WHEN 'nursery' THEN 'nursery' WHEN 'primary' THEN 'primary'
        WHEN 'middle deemed primary' THEN 'middle' WHEN 'middle deemed secondary' THEN 'middle'
        WHEN 'secondary' THEN 'secondary' WHEN 'all-through' THEN 'all-through'
        WHEN '16 plus' THEN '16-plus'
    END
END
ON CONFLICT (urn) DO UPDATE SET
    name = EXCLUDED.name, establishment_type = EXCLUDED.establishment_type,
    type_group = EXCLUDED.type_group, status = EXCLUDED.status, phase_id = EXCLUDED.phase_id,
    statutory_low_age = EXCLUDED.statutory_low_age,
    statutory_high_age = EXCLUDED.statutory_high_age,
    local_authority_id = EXCLUDED.local_authority_id, region = EXCLUDED.region,
    district = EXCLUDED.district, trust_id = EXCLUDED.trust_id, street = EXCLUDED.street,
    locality = EXCLUDED.locality, town = EXCLUDED.town, postcode = EXCLUDED.postcode,
    telephone = EXCLUDED.telephone, website = EXCLUDED.website,
    head_name = EXCLUDED.head_name, pupil_count = EXCLUDED.pupil_count,
    ofsted_rating = EXCLUDED.ofsted_rating,
    ofsted_last_inspection = EXCLUDED.ofsted_last_inspection, easting = EXCLUDED.easting,
    northing = EXCLUDED.northing, open_date = EXCLUDED.open_date,
    close_date = EXCLUDED.close_date, imported_at = EXCLUDED.imported_at,
    updated_at = EXCLUDED.updated_at
WHERE (
    schools_school.name, schools_school.establishment_type, schools_school.type_group,
    schools_school.status, schools_school.phase_id, schools_school.statutory_low_age,
    schools_school.statutory_high_age, schools_school.local_authority_id,
    schools_school.region, schools_school.district, schools_school.trust_id,
    schools_school.street, schools_school.locality, schools_school.town,
    schools_school.postcode, schools_school.telephone, schools_school.website,
    schools_school.head_name, schools_school.pupil_count, schools_school.ofsted_rating,
    schools_school.ofsted_last_inspection, schools_school.easting, schools_school.northing,
    schools_school.open_date, schools_school.close_date
) IS DISTINCT FROM (
    EXCLUDED.name, EXCLUDED.establishment_type, EXCLUDED.type_group, EXCLUDED.status,
    EXCLUDED.phase_id, EXCLUDED.statutory_low_age, EXCLUDED.statutory_high_age,
    EXCLUDED.local_authority_id, EXCLUDED.region, EXCLUDED.district, EXCLUDED.trust_id,
    EXCLUDED.street, EXCLUDED.locality, EXCLUDED.town, EXCLUDED.postcode, EXCLUDED.telephone,
    EXCLUDED.website, EXCLUDED.head_name, EXCLUDED.pupil_count, EXCLUDED.ofsted_rating,
    EXCLUDED.ofsted_last_inspection, EXCLUDED.easting, EXCLUDED.northing,
    EXCLUDED.open_date, EXCLUDED.close_date
)
"""


def import_floor(path, encoding):
    """What PostgreSQL alone takes to load the register: the floor for import_schools.

    The same file is COPY'd as it is (every column as text) into a temporary
    staging table, then upserted into the local authorities, the trusts and the
    schools by three INSERT … SELECT … ON CONFLICT statements, in one
    transaction. Nothing is checked, so a bad line fails the lot: this is what
    a load without our reading, per-line errors and flags would cost.
    `encoding` is the file's, as `reading.scan` decides it.
    """
    with path.open(encoding=encoding, newline="") as stream:
        header = next(csv.reader(stream))
    staging = "import_floor_staging"
    names = ['"{}"'.format(name.replace('"', '""')) for name in header]
    columns = ", ".join(f"{name} text" for name in names)
    pg_encoding = "WIN1252" if encoding == "cp1252" else "UTF8"
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as raw:
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} ({columns}) ON COMMIT DROP")
        cursor.copy_expert(
            # An empty cell is empty text, as the importer reads it, not NULL.
            f"COPY {staging} FROM STDIN WITH (FORMAT csv, HEADER true, "
            f"ENCODING '{pg_encoding}', FORCE_NOT_NULL ({', '.join(names)}))",
            raw,
        )
        cursor.execute(
            _FLOOR_CODES_SQL.format(
                table="schools_localauthority", code="LA (code)", name="LA (name)", s=staging
            )
        )
        cursor.execute(
            _FLOOR_CODES_SQL.format(
                table="schools_trust", code="Trusts (code)", name="Trusts (name)", s=staging
            )
        )
        cursor.execute(_FLOOR_SCHOOLS_SQL.format(s=staging))
        cursor.execute(f"DROP TABLE {staging}")


def _register_file(rows):
    """A fake register of `rows` rows under .bench/, written once and kept."""
    path = BENCH_DIR / f"register-{rows}.csv"
    if not path.exists():
        BENCH_DIR.mkdir(exist_ok=True)
        write_register_csv(path, fake_register_rows(rows))
    return path


def background_export(user, format):
    """(build, reset) for one export of every request, as the worker builds it."""
    export = Export.objects.create(
        requested_by=user,
        model_label=SupportRequest._meta.label_lower,
        # Every request, open and closed (the list opens on open ones), as the floor reads.
        query="cases=all",
        format=format,
        filename=f"bench.{format}",
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )

    def reset():
        ExportChunk.objects.filter(export=export).delete()
        Export.objects.filter(pk=export.pk).update(status=Export.Status.QUEUED, rows_done=0)

    def build():
        background.build(export.pk)
        if not Export.objects.filter(pk=export.pk, status=Export.Status.READY).exists():
            raise CommandError(f"the {format} export was not built")

    return build, reset


def start_export(client, url):
    """The web request that starts a long export: it counts the list and queues the work."""

    def run():
        response = client.post(url, secure=True)
        if response.status_code != 302 or "/admin/exports/" not in response["Location"]:
            raise CommandError(f"POST {url} answered {response.status_code}")

    return run


def copy_out(table, queryset):
    """The floor for an export: PostgreSQL's own `COPY … TO STDOUT` of the same columns,
    read from the same query the export reads, into nowhere."""
    fields = list(dict.fromkeys(f for column in table.columns for f in column.fields))
    values = table.prepare(queryset).annotate(**table.annotations).values_list(*fields)
    sql_text, params = values.query.sql_with_params()

    class Nowhere:
        def write(self, data):
            return len(data)

    def run():
        with connection.cursor() as cursor:
            raw = cursor.cursor
            query = raw.mogrify(sql_text, params).decode()
            raw.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", Nowhere())

    return run


class Command(BaseCommand):
    help = "Time key operations at national scale on PostgreSQL and print a table."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="Timed runs per page (median).")
        parser.add_argument(
            "--import-runs", type=int, default=3, help="Timed runs per register import."
        )
        parser.add_argument("--import-rows", type=int, default=50_000)
        parser.add_argument(
            "--import-memory-rows",
            type=lambda text: [int(n) for n in text.split(",") if n],
            default=[50_000, 200_000],
            help="Register sizes whose import is run in a process of its own to report its "
            "peak memory (comma-separated).",
        )
        parser.add_argument(
            "--part",
            choices=["all", "import", "pages", "throughput"],
            default="all",
            help="Run one part only: 'import' expects an empty scratch database, "
            "'pages' times pages in-process, 'throughput' loads gunicorn with wrk.",
        )
        parser.add_argument(
            "--wrk-duration", type=int, default=10, help="Seconds of wrk load per path."
        )
        parser.add_argument("--json", action="store_true", help="Print results as JSON.")
        parser.add_argument(
            "--quick",
            action="store_true",
            help="A short run for a pull request: 2 timed runs a page, one import run, "
            "no import memory runs, 2 s of wrk a path.",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmarks run on PostgreSQL: set DATABASE_URL to a PostgreSQL "
                "database (make bench does this)."
            )
        if options["quick"]:
            options.update(runs=2, import_runs=1, import_memory_rows=[], wrk_duration=2)
        part = options["part"]
        ensure_postgres_database(connection.settings_dict)
        call_command("migrate", verbosity=0)
        results, throughput, skipped = [], [], ""
        if part == "import":
            results += self.bench_import(options)
        else:
            results += self.ensure_national_data()
            if part == "all":
                results += self.bench_import_in_scratch_database(options)
            if part in ("all", "pages"):
                results += self.bench_admin_pages(options)
                results += self.bench_brokering(options)
                results += self.bench_caseload(options)
                results += self.bench_reports(options)
                results += self.bench_public_pages(options)
                results += self.bench_leader_pages(options)
                results += self.bench_request_journey(options)
                results += self.bench_password_reset(options)
            if part in ("all", "throughput"):
                throughput, skipped = self.bench_throughput(options)

        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "timings": [m.as_dict() for m in results],
                        "throughput": [t.as_dict() for t in throughput],
                        "throughput_skipped": skipped,
                    }
                )
            )
            return
        blocks = [format_table(results)] if results else []
        if throughput:
            blocks.append(load.format_throughput_table(throughput, THROUGHPUT_FLOOR))
        if skipped:
            blocks.append(f"Throughput not measured: {skipped}")
        self.stdout.write("\n\n".join(blocks))

    # National data -------------------------------------------------------

    def ensure_national_data(self):
        results = []
        if School.objects.count() >= 25_000 and SupportRequest.objects.count() >= 50_000:
            self.stderr.write("Reusing the national data set already in the database.")
        else:
            self.stderr.write("Building the national data set (once)...")
            started = time.perf_counter()
            call_command("seed_demo", scale="national", stdout=self.stderr)
            elapsed = (time.perf_counter() - started) * 1000
            results.append(Measurement("seed_demo --scale national (first build)", [elapsed]))
        ensure_busy_leader()
        # A bulk load leaves the planner's statistics empty until autovacuum
        # catches up (a data set seeded outside the bench, too); a live database
        # has them, so gather them before timing.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return results

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
            f"--import-memory-rows={','.join(map(str, options['import_memory_rows']))}",
        ]
        self.stderr.write(f"Timing the register import in {scratch_name}...")
        finished = subprocess.run(
            command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
        )
        if finished.returncode != 0:
            raise CommandError(f"The import benchmark failed:\n{finished.stderr}")
        return [Measurement.from_dict(row) for row in json.loads(finished.stdout)["timings"]]

    def bench_import(self, options):
        rows = options["import_rows"]
        path = _register_file(rows)

        def empty_register():
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE schools_school, schools_trust, schools_localauthority CASCADE"
                )

        def import_file():
            call_command("import_schools", str(path), verbosity=0)

        runs = options["import_runs"]
        fresh, floor = self.bench_import_against_floor(
            path, rows, runs, import_file, empty_register
        )
        unchanged = measure(
            f"import_schools, the same {rows:,} rows again (unchanged)", import_file, runs=runs
        )
        return [fresh, floor, unchanged, *self.bench_import_memory(options, empty_register)]

    def bench_import_against_floor(self, path, rows, runs, import_file, empty_register):
        """Our import and the floor (`import_floor`) into empty tables, run by run in turn.

        Each run times the floor, then ours, so both meet the same machine at the same
        moment, and the tables end holding our import for the unchanged runs after.
        """
        encoding = reading.scan(path).encoding
        fresh = Measurement(f"import_schools, {rows:,} rows into an empty database")
        floor = Measurement(
            "import floor: COPY into a staging table and upsert",
            note="the same file, every column as text, then 3 INSERT … ON CONFLICT in SQL",
        )
        for _ in range(runs):
            for measurement, run in (
                (floor, lambda: import_floor(path, encoding)),
                (fresh, import_file),
            ):
                once = measure(measurement.operation, run, runs=1, before_each=empty_register)
                measurement.times_ms += once.times_ms
                measurement.queries = once.queries
        if School.objects.count() != rows:
            raise CommandError(f"The import left {School.objects.count():,} schools, not {rows:,}")
        ratio = fresh.median_ms / floor.median_ms
        fresh.note = f"{ratio:.2f}× the floor below (medians of the same {runs} interleaved runs)"
        self.stderr.write(
            f"import_schools {format_ms(fresh.median_ms)}, floor {format_ms(floor.median_ms)}: "
            f"{ratio:.2f}×"
        )
        return fresh, floor

    def bench_import_memory(self, options, empty_register):
        """Peak memory of the import command in a process of its own, at each size.

        `manage.py check` in the same way gives the floor: what Django itself takes.
        """
        manage = [sys.executable, "manage.py"]
        results = [
            measure_process(
                "manage.py check, in its own process (the floor)",
                [*manage, "check"],
                cwd=settings.BASE_DIR,
                env=os.environ,
            )
        ]
        for rows in options["import_memory_rows"]:
            path = _register_file(rows)
            empty_register()
            results.append(
                measure_process(
                    f"import_schools, {rows:,} rows into an empty database, in its own process",
                    [*manage, "import_schools", str(path), "--verbosity=0"],
                    cwd=settings.BASE_DIR,
                    env=os.environ,
                )
            )
        return results

    # Admin pages ---------------------------------------------------------

    def bench_admin_pages(self, options):
        """Each changelist against the same model's under a default ModelAdmin (bench_urls)."""
        client = self._superuser_client()

        def opener(url):
            def open_page():
                response = client.get(url, secure=True)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")

            return open_page

        results = []
        with override_settings(ROOT_URLCONF="alliance_portal.demo.bench_urls"):
            for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
                name = f"{model._meta.app_label}_{model._meta.model_name}_changelist"
                results.append(
                    measure(
                        f"admin changelist {model._meta.verbose_name_plural}",
                        opener(reverse(f"admin:{name}")),
                        runs=options["runs"],
                        warmup=1,
                        note=f"{model.objects.count():,} rows",
                        floor=opener(reverse(f"floor:{name}")),
                        floor_name="default ModelAdmin",
                    )
                )
        client.logout()  # leave no session row behind
        return results

    # Brokering -----------------------------------------------------------

    SHORTLIST_REQUESTS = 20

    def bench_brokering(self, options):
        """The shortlist, and the request's change page that shows it, over ~20 requests.

        The requests are open ones a coordinator would match (triaged or
        finding a leader, with a school from the register), spread over the
        data set. Each is timed once, after one untimed pass over all of them.
        """
        # Requests still looking for their first leader: the shortlist is on their page.
        open_ones = SupportRequest.objects.filter(
            status__in=(SupportRequest.Status.TRIAGED, SupportRequest.Status.MATCHING),
            school__isnull=False,
        )
        total = open_ones.count()
        if not total:
            raise CommandError("No triaged or matching request: is the data set complete?")
        step = max(1, total // self.SHORTLIST_REQUESTS)
        ids = list(open_ones.order_by("pk").values_list("pk", flat=True)[::step])
        requests = list(
            SupportRequest.objects.filter(pk__in=ids[: self.SHORTLIST_REQUESTS])
            .select_related("school__phase")
            .order_by("pk")
        )
        considered = []

        def rank(support_request):
            result = shortlist(support_request)
            considered.append(result.considered)
            return [candidate.leader.pk for candidate in result.candidates]

        for support_request in requests:
            if shortlist_floor(support_request) != rank(support_request):
                raise CommandError(
                    f"The SQL floor disagrees with the shortlist of {support_request}"
                )
        matching = self._time_each(
            requests,
            rank,
            "shortlist for a request (20 best, reasons)",
            floor=shortlist_floor,
            floor_name="one SQL query",
        )
        matching.note = (
            f"{len(requests)} requests; {min(considered):,} to {max(considered):,} leaders "
            "considered each (the alliance's and the national ones); the floor ranks the same "
            "leaders in the same order in one hand-written query"
        )

        client = self._superuser_client()

        def open_change_page(support_request):
            url = reverse("admin:support_requests_supportrequest_change", args=[support_request.pk])
            response = client.get(url, secure=True)
            if response.status_code != 200 or b'id="shortlist"' not in response.content:
                raise CommandError(f"{url} answered {response.status_code} without a shortlist")

        page = self._time_each(
            requests, open_change_page, "admin request change page with its shortlist"
        )
        page.note = f"superuser; the same {len(requests)} requests, timeline and shortlist"
        client.logout()  # leave no session row behind
        return [matching, page]

    # The coordinator's caseload and case page ----------------------------

    BENCH_COORDINATOR_EMAIL = "bench-coordinator@example.net"

    def bench_caseload(self, options):
        """The caseload and the case page as the busiest alliance's coordinator sees them.

        The coordinator owns a tenth of that alliance's open requests, so "my
        cases" has rows; the case page is timed over up to 20 open requests.
        """
        from alliance_portal.accounts.groups import ensure_coordinator_group
        from alliance_portal.schools.models import Alliance

        alliance = (
            Alliance.objects.annotate(open=Count("support_requests"))
            .order_by("-open", "pk")
            .first()
        )
        coordinator = User.objects.filter(email=self.BENCH_COORDINATOR_EMAIL).first()
        if coordinator is None:
            coordinator = User.objects.create_user(
                self.BENCH_COORDINATOR_EMAIL, None, is_staff=True, full_name="Bench Coordinator"
            )
        coordinator.alliance = alliance
        coordinator.save(update_fields=["alliance"])
        coordinator.groups.add(ensure_coordinator_group())
        open_ids = list(
            SupportRequest.objects.open()
            .filter(alliance=alliance)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        SupportRequest.objects.filter(pk__in=open_ids[::10]).update(owner=coordinator)
        client = Client(HTTP_HOST="localhost")
        client.force_login(coordinator)
        caseload = reverse("admin:support_requests_supportrequest_changelist")

        def open_list(query):
            response = client.get(caseload, query, secure=True)
            if response.status_code != 200:
                raise CommandError(f"{caseload} answered {response.status_code}")

        results = [
            measure(
                f"caseload {label}, as a coordinator",
                lambda query=query: open_list(query),
                runs=options["runs"],
                warmup=1,
                note=f"{alliance.name}: {len(open_ids):,} open requests",
            )
            for label, query in (("(open work)", {}), ("(my cases)", {"cases": "mine"}))
        ]
        step = max(1, len(open_ids) // 20)
        cases = list(SupportRequest.objects.filter(pk__in=open_ids[::step][:20]).order_by("pk"))

        def open_case(support_request):
            url = reverse("admin:support_requests_supportrequest_change", args=[support_request.pk])
            response = client.get(url, secure=True)
            if response.status_code != 200 or b'id="case-summary"' not in response.content:
                raise CommandError(f"{url} answered {response.status_code} without its summary")

        page = self._time_each(cases, open_case, "case page, as a coordinator")
        page.note = f"{len(cases)} open requests of {alliance.name}, each opened once"
        results.append(page)
        client.logout()
        return results

    # Dashboard and exports -----------------------------------------------

    def bench_reports(self, options):
        """The coordinators' dashboard, and exports of every request, as a superuser."""
        client = self._superuser_client()

        def fetch(url, *, stream=False):
            def run():
                response = client.get(url, secure=True)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                if stream:
                    b"".join(response.streaming_content)

            return run

        requests = f"{SupportRequest.objects.count():,} requests"
        exports = "/admin/support_requests/supportrequest/export"
        superuser = User.objects.get(email=BENCH_ADMIN_EMAIL)

        def forget_the_snapshot():
            caches["default"].delete(snapshots.scope_key(superuser))

        results = [
            measure(
                "admin dashboard (all alliances), from its snapshot",
                fetch("/admin/dashboard/"),
                runs=max(options["runs"], 20),
                warmup=1,
                note="as every look but the first after a change",
            ),
            measure(
                "admin dashboard (all alliances), working its figures out",
                fetch("/admin/dashboard/"),
                runs=options["runs"],
                before_each=forget_the_snapshot,
                note="no snapshot: the first look, or the worker has not caught up "
                "within DASHBOARD_STALE_SECONDS",
            ),
            measure(
                "starting an export of every request (the web request's part)",
                start_export(client, f"{exports}/xlsx/?cases=all"),
                runs=options["runs"],
                note="counts the list, records the export and queues it for the worker",
            ),
            *[
                measure(
                    f"export every request as {label}, built by the worker",
                    build,
                    runs=3,
                    before_each=reset,
                    note=requests,
                    floor=copy_out(export_tables[SupportRequest], SupportRequest.objects.all()),
                    floor_name="COPY",
                )
                for label, (build, reset) in (
                    ("CSV", background_export(superuser, "csv")),
                    ("Excel", background_export(superuser, "xlsx")),
                )
            ],
        ]
        client.logout()  # leave no session row behind
        # The exports the timed POSTs queued: nobody will build them.
        Export.objects.filter(requested_by=superuser).delete()
        DBTaskResult.objects.filter(task_path__endswith=".build_export", started_at=None).delete()
        return results

    @staticmethod
    def _superuser_client():
        superuser = User.objects.filter(email=BENCH_ADMIN_EMAIL).first()
        if superuser is None:
            superuser = User.objects.create_superuser(BENCH_ADMIN_EMAIL, None)
        client = Client(HTTP_HOST="localhost")
        client.force_login(superuser)
        return client

    @staticmethod
    def _time_each(items, run, operation, *, floor=None, floor_name=""):
        """One untimed pass, then each item timed once; queries are the most any item took.

        With a `floor`, each item's run of ours is followed by the floor's for the same item.
        """
        for item in items:
            run(item)
            if floor:
                floor(item)
        result = Measurement(operation, floor=floor_name)
        most_queries = 0
        for item in items:
            with counting_queries() as counter:
                started = time.perf_counter()
                run(item)
                result.times_ms.append((time.perf_counter() - started) * 1000)
            most_queries = max(most_queries, counter.count)
            if floor:
                started = time.perf_counter()
                floor(item)
                result.floor_times_ms.append((time.perf_counter() - started) * 1000)
        result.queries = most_queries
        result.load = os.getloadavg()[0]
        return result

    # The leader's own pages ----------------------------------------------

    def bench_leader_pages(self, options):
        """/my/ and the busiest deployment page, for a leader with fifty deployments."""
        leader = busy_leader()
        deployments = leader.deployments.annotate(entries=Count("log_entries"))
        busiest = deployments.order_by("-entries", "pk").first()
        client = Client(HTTP_HOST=BENCH_HOST)
        client.force_login(leader.user)
        pages = [
            (
                "leader dashboard /my/",
                reverse("portal:dashboard"),
                f"{deployments.count()} deployments, "
                f"{SupportLog.objects.filter(deployment__leader=leader).count()} log entries",
            ),
            (
                "leader deployment page /my/deployments/<id>/",
                reverse("portal:deployment", args=[busiest.pk]),
                f"{busiest.entries} log entries, {busiest.request.events.count()} timeline events",
            ),
        ]
        bare_view = reverse("pages:healthz")

        def bare():
            client.get(bare_view, secure=True)

        results = []
        for operation, url, note in pages:

            def open_page(url=url):
                response = client.get(url, secure=True)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")

            results.append(measure(operation, open_page, runs=options["runs"], warmup=1, note=note))
        client.logout()  # leave no session row behind
        return results

    # Public pages --------------------------------------------------------

    def bench_public_pages(self, options):
        client = Client(HTTP_HOST=BENCH_HOST)
        leader = listed_leaders().first()
        if leader is None:
            raise CommandError("No leader is listed in the directory: is the data set complete?")
        directory = reverse("leaders:directory")
        pages = [
            ("bare view /healthz/ (no database)", reverse("pages:healthz"), ""),
            ("home page /, nothing cached", reverse("home"), ""),
            ("home page /, seen before (cached page)", reverse("home"), ""),
            ("role page /roles/sle/, nothing cached", reverse("pages:role", args=["sle"]), ""),
            (
                "role page /roles/sle/, seen before (cached page)",
                reverse("pages:role", args=["sle"]),
                "",
            ),
            (
                "leader directory /leaders/, nothing cached",
                directory,
                f"{directory_leaders({}).count():,} listed leaders, 20 a page",
            ),
            (
                "leader directory, 3 filters and a 2-word search, nothing cached",
                f"{directory}?{urlencode(DIRECTORY_FILTERS)}",
                f"{directory_leaders(DIRECTORY_FILTERS).count():,} matches: "
                f"`{urlencode(DIRECTORY_FILTERS)}`",
            ),
            (
                "leader directory /leaders/, seen before (cached page)",
                directory,
                f"kept {PAGE_CACHE_SECONDS} s, or until a leader changes; answered before "
                "sessions and the rest of the stack",
            ),
            (
                "leader page /leaders/<id>/, nothing cached",
                reverse("leaders:detail", args=[leader.pk]),
                "",
            ),
            (
                "leader page /leaders/<id>/, seen before (cached page)",
                reverse("leaders:detail", args=[leader.pk]),
                "",
            ),
        ]
        bare_view = reverse("pages:healthz")

        def bare():
            client.get(bare_view, secure=True)

        results = []
        for operation, url, note in pages:

            def open_page(url=url):
                response = client.get(url, secure=True)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")

            cold = "nothing cached" in operation
            results.append(
                measure(
                    operation,
                    open_page,
                    runs=options["runs"],
                    warmup=1,
                    note=note,
                    before_each=_clear_caches if cold else None,
                    floor=None if url == bare_view else bare,
                    floor_name="bare view",
                )
            )
        return results

    def bench_request_journey(self, options):
        """Time one whole request, from choosing the school to consenting on the check page.

        Each run is a new visitor (no cookies, so a new session) posting the four steps. The
        rate limit is lifted for the bench, and the emails the request queues
        are sent to Django's in-memory outbox. The requests sent are deleted
        afterwards, so the national data set stays as it was.
        """
        school = School.objects.open().filter(local_authority__isnull=False).order_by("urn").first()
        if school is None:
            raise CommandError("No open school in the register: is the data set complete?")
        steps = self._journey_steps(school)
        no_limits = _without_rate_limits()
        sessions = []
        last_email = OutboundEmail.objects.aggregate(last=Max("pk"))["last"] or 0

        # One client for every run: a new Client would load the middleware again
        # (WhiteNoise indexes every static file), which a real server does once.
        client = Client(HTTP_HOST=BENCH_HOST)

        def send_request():
            client.cookies.clear()  # a new visitor, with a session of their own
            for url, data, expected in steps:
                response = client.post(url, data, secure=True)
                if response.status_code != 302 or response.url != expected:
                    raise CommandError(
                        f"POST {url} answered {response.status_code} "
                        f"(to {response.get('Location', 'nowhere')}), not a redirect to {expected}"
                    )
            sessions.append(client.session.session_key)

        def answer_steps():
            client.cookies.clear()
            for url, data, _ in steps[:-1]:
                client.post(url, data, secure=True)

        def send_final_step():
            url, data, expected = steps[-1]
            response = client.post(url, data, secure=True)
            if response.status_code != 302 or response.url != expected:
                raise CommandError(f"The final POST answered {response.status_code}")
            sessions.append(client.session.session_key)

        try:
            with override_settings(
                RATE_LIMITS=no_limits,
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            ):
                results = [
                    measure(
                        "request submission: school, contact, need, check (4 POSTs)",
                        send_request,
                        runs=options["runs"],
                        warmup=1,
                        note="new session each run; 2 emails queued for the worker, none sent "
                        "in the request; requests deleted afterwards",
                    )
                ]
            # The mail server accepts the connection and never answers: a request that
            # talked to it would wait EMAIL_TIMEOUT per message.
            with (
                stalled_mail_server() as port,
                override_settings(
                    RATE_LIMITS=no_limits,
                    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                    EMAIL_HOST="127.0.0.1",
                    EMAIL_PORT=port,
                    EMAIL_USE_TLS=False,
                    EMAIL_USE_SSL=False,
                ),
            ):
                results.append(
                    measure(
                        "request submission: final POST (Send), mail server stalled",
                        send_final_step,
                        before_each=answer_steps,
                        runs=options["runs"],
                        warmup=1,
                        note=f"SMTP accepts and never answers (EMAIL_TIMEOUT "
                        f"{settings.EMAIL_TIMEOUT} s); the worker, not the request, meets it",
                    )
                )
        finally:
            self._delete_bench_requests(sessions, last_email)
        return results

    def bench_password_reset(self, options):
        """The reset page for an address with an account and one without: the answer
        should take the same time, as the worker, not the request, looks the address up."""
        known = busy_leader().user.email
        no_limits = _without_rate_limits()
        client = Client(HTTP_HOST=BENCH_HOST)
        first_task = DBTaskResult.objects.aggregate(last=Max("enqueued_at"))["last"]
        results = []
        try:
            with override_settings(RATE_LIMITS=no_limits):
                for label, email in (
                    ("with an account", known),
                    ("without one", "nobody@example.net"),
                ):

                    def ask(email=email):
                        response = client.post(
                            "/accounts/password/reset/", {"email": email}, secure=True
                        )
                        if response.status_code != 302:
                            raise CommandError(f"The reset page answered {response.status_code}")

                    results.append(
                        measure(
                            f"password reset POST, an address {label}",
                            ask,
                            runs=max(options["runs"] * 6, 30),
                            warmup=3,
                            note="the worker decides later whether to send; its tasks are "
                            "deleted afterwards",
                        )
                    )
        finally:
            tasks = DBTaskResult.objects.filter(task_path__endswith="send_password_reset")
            if first_task:
                tasks = tasks.filter(enqueued_at__gt=first_task)
            tasks.delete()
        return results

    @staticmethod
    def _journey_steps(school):
        maths = AreaOfExpertise.objects.get(slug="mathematics")
        start = timezone.localdate() + datetime.timedelta(days=30)
        contact = {
            "contact_name": "Bench Visitor",
            "contact_role": "Headteacher",
            "contact_email": BENCH_CONTACT_EMAIL,
            "contact_phone": "020 7946 0000",
        }
        need = {
            "areas_of_expertise": [maths.pk],
            "designation_sought": "SLE",
            "circumstances": ["new_headteacher"],
            "other_circumstances": "",
            "outcomes_sought": "Confident teaching of fractions in years 4 to 6.",
            "preferred_start_0": str(start.day),
            "preferred_start_1": str(start.month),
            "preferred_start_2": str(start.year),
            "estimated_days": "6",
            "funding": "school-budget",
        }
        url = {name: reverse(f"requests:{name}") for name in ("school", "contact", "need")}
        url |= {name: reverse(f"requests:{name}") for name in ("check", "sent")}
        return [
            (url["school"], {"urn": school.urn}, url["contact"]),
            (url["contact"], contact, url["need"]),
            (url["need"], need, url["check"]),
            (url["check"], {"privacy_consent": "on"}, url["sent"]),
        ]

    @staticmethod
    def _delete_bench_requests(session_keys, last_email):
        sent = SupportRequest.objects.filter(contact_email=BENCH_CONTACT_EMAIL)
        references = list(sent.values_list("reference", flat=True))
        sent.delete()  # their events and areas go with them
        SupportRequest.history.filter(contact_email=BENCH_CONTACT_EMAIL).delete()
        for reference in references:
            OutboundEmail.objects.filter(pk__gt=last_email, body_text__contains=reference).delete()
        store = import_module(settings.SESSION_ENGINE).SessionStore
        for key in filter(None, session_keys):
            store(session_key=key).delete()
        if hasattr(mail, "outbox"):
            mail.outbox.clear()
        # The deliveries those emails asked the worker for (the bench database's own).
        DBTaskResult.objects.filter(
            status="READY", task_path__endswith="deliver_due_emails"
        ).delete()

    # Throughput ----------------------------------------------------------

    def bench_throughput(self, options):
        """Requests/s and median latency under wrk; ([], reason) when wrk is missing."""
        if load.find_wrk() is None:
            reason = "wrk is not installed (apt-get install wrk); skipped the throughput table."
            self.stderr.write(f"Throughput not measured: {reason}")
            return [], reason
        hosts = [h for h in settings.ALLOWED_HOSTS if h]
        env = {
            **os.environ,
            "DEBUG": "false",
            # Plain HTTP on loopback: no proxy in front to terminate TLS.
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": ",".join(hosts if BENCH_HOST in hosts else [*hosts, BENCH_HOST]),
        }
        duration = options["wrk_duration"]
        leader = listed_leaders().first()
        paths = [*THROUGHPUT_PATHS, *([f"/leaders/{leader.pk}/"] if leader else [])]
        results = []
        # Visitors' pages from the shared page cache, as production serves them; then
        # with the page cache off, so every request renders its page (the filters'
        # choices and the directory's version still come from the default cache).
        for pages, page_cache in (("cached", None), ("rendered", "dummycache://")):
            self.stderr.write(
                f"Loading {', '.join(paths)} ({pages}) with wrk -t2 -c8 -d{duration}s, each "
                f"just after {THROUGHPUT_FLOOR} (gunicorn, 2 sync workers, loopback)..."
            )
            try:
                served = load.measure_throughput(
                    paths,
                    floor=THROUGHPUT_FLOOR,
                    cwd=settings.BASE_DIR,
                    env={**env, "PAGE_CACHE_URL": page_cache} if page_cache else env,
                    log_path=BENCH_DIR / "gunicorn.log",
                    host=BENCH_HOST,
                    duration=duration,
                )
            except load.LoadError as error:
                raise CommandError(f"The throughput benchmark failed: {error}") from error
            for result in served:
                result.pages = pages
            results += served
        return results, ""
