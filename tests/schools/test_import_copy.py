"""The register import's two ways of writing give the same database.

On PostgreSQL every file is written through COPY into a staging table and
upserted in SQL (`importer._CopyWriter`); on SQLite imports go through the ORM
(`importer._Writer`, the portable path), which PostgreSQL takes only when a
test asks (`importer.PORTABLE_ONLY`). Each test
here runs the same files through a path chosen by the `path` fixture: on SQLite
only the portable one runs, and the COPY path's tests are skipped.
"""

from io import StringIO

import pytest
from django.core.management import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance_portal.schools import gias, importer
from alliance_portal.schools.models import LocalAuthority, School, SchoolChange, Trust
from tests import factories
from tests.schools.test_import_schools import register_row, register_tables, run, write

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"
NEEDS_POSTGRES = pytest.mark.skipif(
    not ON_POSTGRES, reason="the COPY path is PostgreSQL's; SQLite always takes the ORM"
)
PATHS = ["portable", pytest.param("copy", marks=[pytest.mark.postgres, NEEDS_POSTGRES])]


def use_path(monkeypatch, path):
    """Make every import take `path`, whatever the size of its file."""
    monkeypatch.setattr(importer, "PORTABLE_ONLY", path != "copy")
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)  # several batches from a few rows


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    use_path(monkeypatch, request.param)
    return request.param


# --- Choosing the path ---------------------------------------------------------------


def test_the_copy_path_is_for_every_file_on_postgresql(tmp_path, monkeypatch):
    chosen = []
    real = importer._writer_for
    monkeypatch.setattr(importer, "_writer_for", lambda: chosen.append(real()) or real())

    run(write(tmp_path, [register_row(100001)]))  # one row

    assert chosen == [importer._CopyWriter if ON_POSTGRES else importer._Writer]


def test_an_import_takes_the_chosen_path(tmp_path, path, monkeypatch):
    chosen = []
    real = importer._writer_for
    monkeypatch.setattr(importer, "_writer_for", lambda: chosen.append(real()) or real())  # fmt: skip

    run(write(tmp_path, [register_row(100001)]))

    assert chosen == [importer._CopyWriter if path == "copy" else importer._Writer]
    assert School.objects.get().name == "School 100001"


# --- The same rows either way ----------------------------------------------------------

AWKWARD_STREET = 'The "Old" Mill, Mill Lane\r\nBack\\.\n\\.\tYard'


def first_release():
    return [
        register_row(100001),
        register_row(100002),
        register_row(100003),
        register_row(100004),
        register_row(100005, {gias.TRUST_CODE: "5555", gias.TRUST_NAME: "South Trust"}),
        register_row(100006, {gias.TRUST_CODE: "5555", gias.TRUST_NAME: "South Trust"}),
        register_row(100010, {gias.STREET: AWKWARD_STREET, gias.NAME: "St Mary’s Église"}),
    ]


def second_release():
    return [
        register_row(100001, {gias.STATUS: "Closed", gias.CLOSE_DATE: "31-08-2026"}),
        register_row(100002, {gias.LA_CODE: "909", gias.LA_NAME: "Cumbria"}),
        register_row(100003),  # unchanged
        register_row(100004, {gias.PUPILS: "430", gias.OFSTED_RATING: "Outstanding"}),
        register_row(100005, {gias.TRUST_CODE: "5555", gias.TRUST_NAME: "South Coast Trust"}),
        register_row(100006, {gias.TRUST_CODE: "5555", gias.TRUST_NAME: ""}),  # unchanged
        register_row(100007),  # new
        register_row(100008, {gias.OPEN_DATE: "30-02-2020"}),  # skipped: line 9
        register_row(
            100009, dict.fromkeys(set(gias.COLUMNS) - {gias.URN, gias.NAME, gias.STATUS}, "")
        ),  # fmt: skip
        register_row(100010, {gias.STREET: AWKWARD_STREET, gias.NAME: "St Mary’s Église"}),
        register_row(
            100011,
            {gias.STREET: AWKWARD_STREET, gias.TRUST_CODE: "6000", gias.TRUST_NAME: "New Trust"},
        ),  # fmt: skip
    ]


def what_the_database_holds(since):
    fields = [
        f.attname
        for f in School._meta.concrete_fields
        if f.attname not in ("id", "created_at", "updated_at", "imported_at")
        and f.attname not in ("local_authority_id", "trust_id", "phase_id")
    ]
    schools = {
        row["urn"]: row
        for row in School.objects.values(
            *fields, "local_authority__code", "trust__code", "phase__code"
        )
    }
    written = School.objects.filter(updated_at__gte=since)
    return {
        "schools": schools,
        "written since": sorted(written.values_list("urn", flat=True)),
        "imported since": sorted(
            School.objects.filter(imported_at__gte=since).values_list("urn", flat=True)
        ),
        "kept created_at": sorted(
            School.objects.filter(created_at__lt=since).values_list("urn", flat=True)
        ),
        "local authorities": dict(LocalAuthority.objects.values_list("code", "name")),
        "trusts": dict(Trust.objects.values_list("code", "name")),
        "school changes": sorted(
            SchoolChange.objects.values_list(
                "school__urn",
                "alliance__name",
                "closed",
                "previous_local_authority__code",
                "local_authority__code",
                "open_requests",
                "leaders",
            )
        ),
    }


def import_two_releases(tmp_path, path, monkeypatch):
    """Both releases through `path`, from the same start; what they said and left."""
    use_path(monkeypatch, path)
    camden = factories.LocalAuthorityFactory(code=202, name="Camden")
    north = factories.AllianceFactory(name="North")
    kept = factories.SchoolFactory(urn=100001, local_authority=camden, name="Before the import")
    factories.SupportRequestFactory(school=kept, alliance=north)
    absent = factories.SchoolFactory(
        urn=999999,
        name="Not in the file",
        local_authority=camden,
        postcode="N1 1AA",
        easting=1,
        northing=2,
    )
    outputs = [run(write(tmp_path, first_release(), name=f"{path}-1.csv"))]
    moving = School.objects.get(urn=100002)
    factories.LeaderFactory(home_school=moving, managing_alliance=north)
    since = timezone.now()
    outputs.append(run(write(tmp_path, second_release(), name=f"{path}-2.csv")))
    absent.refresh_from_db()
    assert (absent.name, absent.imported_at) == ("Not in the file", None)
    return outputs, what_the_database_holds(since)


def in_a_rolled_back_savepoint(function, *args):
    with transaction.atomic():
        outcome = function(*args)
        transaction.set_rollback(True)
    return outcome


@pytest.mark.postgres
@NEEDS_POSTGRES
def test_the_copy_path_leaves_the_same_rows_as_the_portable_path(tmp_path, monkeypatch):
    portable = in_a_rolled_back_savepoint(import_two_releases, tmp_path, "portable", monkeypatch)
    copied = in_a_rolled_back_savepoint(import_two_releases, tmp_path, "copy", monkeypatch)

    assert copied == portable
    (_, second_out), held = copied
    assert second_out[0].splitlines() == [
        "Created 3, updated 3, unchanged 4, skipped 1.",
        "Local authorities: 1 added, 0 renamed.",
        "Trusts: 1 added, 1 renamed.",
        "Flagged for coordinators: 2 schools with open requests or leaders that closed or "
        "moved local authority.",
    ]
    assert second_out[1] == "line 9: OpenDate '30-02-2020' is not a real date\n"
    assert held["written since"] == [100001, 100002, 100004, 100007, 100009, 100011]
    assert held["imported since"] == held["written since"]
    assert held["kept created_at"] == [100001, 100002, 100003, 100004, 100005, 100006, 100010, 999999]  # fmt: skip
    assert held["schools"][100010]["street"] == AWKWARD_STREET
    assert held["schools"][100011]["street"] == AWKWARD_STREET
    assert held["schools"][100010]["name"] == "St Mary’s Église"
    assert held["schools"][100009]["local_authority__code"] is None
    assert held["schools"][100009]["open_date"] is None
    assert held["schools"][100009]["street"] == ""
    assert held["trusts"][5555] == "South Coast Trust"
    assert held["school changes"] == [
        (100001, "North", True, None, None, 1, 0),
        (100002, "North", False, 202, 909, 0, 1),
    ]


def test_a_file_without_some_columns_leaves_those_fields_alone(tmp_path, path):
    factories.SchoolFactory(urn=100001, name="Old name", easting=123456, northing=654321)
    columns = [name for name in gias.COLUMNS if name not in (gias.EASTING, gias.NORTHING)]

    run(write(tmp_path, [register_row(100001), register_row(100002)], columns=columns))

    kept, new = School.objects.get(urn=100001), School.objects.get(urn=100002)
    assert (kept.name, kept.easting, kept.northing) == ("School 100001", 123456, 654321)
    assert (new.easting, new.northing, new.status, new.district) == (None, None, "open", "Camden")


# --- An unchanged file writes nothing -------------------------------------------------


def rows_written_in_this_transaction():
    """What PostgreSQL counted as inserted, updated or deleted in the register's tables.

    The test runs in one transaction, so pg_stat_xact_user_tables counts its writes,
    COPY's and those of the import's worker thread included.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname IN ('schools_school', 'schools_localauthority', 'schools_trust', "
            "'schools_schoolchange')"
        )
        return dict(cursor.fetchall())


def test_an_unchanged_file_writes_nothing(tmp_path, path):
    rows = [register_row(100001 + n, {gias.TRUST_CODE: str(7000 + n % 3)}) for n in range(10)]
    rows[4] = register_row(100005, {gias.STATUS: "Closed"})
    file = write(tmp_path, rows)
    factories.SupportRequestFactory(school=factories.SchoolFactory(urn=100005))
    run(file)
    before = register_tables()
    written = rows_written_in_this_transaction() if ON_POSTGRES else None

    with CaptureQueriesContext(connection) as queries:
        out, err = run(file)

    statements = [q["sql"].lstrip().upper() for q in queries]
    assert [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))] == []
    assert register_tables() == before
    if ON_POSTGRES:
        assert rows_written_in_this_transaction() == written
    assert out.splitlines() == [
        "Created 0, updated 0, unchanged 10, skipped 0.",
        "Nothing changed: the database already matched the file.",
    ]
    assert err == ""


# --- A failure half way leaves the tables as they were ---------------------------------


def existing_register():
    camden = factories.LocalAuthorityFactory(code=202, name="Camden (old name)")
    factories.SchoolFactory(urn=100002, name="Already here", pupil_count=10, local_authority=camden)


def tables_before_and_after_a_refusal(path_to_file, message):
    """The register's tables before and after an import refused with `message`."""
    existing_register()
    before = register_tables()
    with pytest.raises(CommandError, match=message):
        run(path_to_file)
    return before, register_tables()


def test_a_bad_line_half_way_leaves_the_tables_as_they_were(tmp_path, path, monkeypatch):
    """Three batches are written before the cell far too long is read; all are undone.

    (A line too long is refused by the scan, before anything is written.)
    """
    rows = [register_row(100001 + n, {gias.TRUST_CODE: str(8000 + n)}) for n in range(12)]
    rows[9] = register_row(100010, {gias.STREET: "x" * 5_000})

    batches = []
    real_batches = importer._batches
    monkeypatch.setattr(
        importer, "_batches", lambda rows: (batches.append(len(b)) or b for b in real_batches(rows))
    )

    before, after = tables_before_and_after_a_refusal(
        write(tmp_path, rows), "^A cell on line 11 is longer than 4,096 characters"
    )

    assert after == before

    assert batches == [3, 3, 3]


def test_a_urn_repeated_at_the_end_leaves_the_tables_as_they_were(tmp_path, path):
    rows = [register_row(100001 + n) for n in range(10)] + [register_row(100003)]

    before, after = tables_before_and_after_a_refusal(
        write(tmp_path, rows), "URN 100003 is on lines 4 and 12"
    )

    assert after == before


@pytest.mark.postgres
@NEEDS_POSTGRES
def test_a_database_failure_in_a_later_batch_leaves_the_tables_as_they_were(tmp_path, monkeypatch):
    use_path(monkeypatch, "copy")
    real_write = importer._CopyWriter._write
    writes = []

    def fail_on_the_third(writer, buffer, size):
        writes.append(size)
        if len(writes) == 3:
            with writer.db.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")  # a real error, in the worker thread
        return real_write(writer, buffer, size)

    monkeypatch.setattr(importer._CopyWriter, "_write", fail_on_the_third)
    rows = [register_row(100001 + n, {gias.LA_CODE: "202"}) for n in range(12)]

    before, after = tables_before_and_after_a_refusal(
        write(tmp_path, rows), "The database failed during the import, so nothing was changed"
    )

    assert after == before

    assert writes == [3, 3, 3]
    assert LocalAuthority.objects.get().name == "Camden (old name)"
    assert School.objects.count() == 1


def test_the_connection_is_usable_after_a_failed_import(tmp_path, path):
    rows = [register_row(100001 + n) for n in range(7)] + [register_row(100001)]
    with pytest.raises(CommandError):
        run(write(tmp_path, rows, name="bad.csv"))

    out, _ = run(write(tmp_path, rows[:-1], name="good.csv"))

    assert out.splitlines()[0] == "Created 7, updated 0, unchanged 0, skipped 0."


def test_the_progress_bar_counts_the_rows_written(tmp_path, path):
    bar = StringIO()
    file = write(tmp_path, [register_row(100001 + n) for n in range(8)])

    result = importer.import_register(file, progress=True, progress_file=bar)

    assert (result.created, result.updated, result.unchanged) == (8, 0, 0)
    assert "Writing: 8 rows" in bar.getvalue()


def test_a_database_error_is_not_a_refusal(tmp_path, path, monkeypatch):
    """A broken database is the command's 'The database failed' whichever path wrote."""

    def broken(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(importer, "_phase_ids", broken)

    with pytest.raises(CommandError, match="The database failed during the import"):
        run(write(tmp_path, [register_row(100001)]))
