"""`manage.py import_schools`: loading the national register (GIAS) CSV.

Every test writes its own small register file with `write_register_csv`, in
the real file's shape (extra columns, shuffled order, Windows-1252 unless
said otherwise), and runs the command as an operator would.
"""

import datetime
import tracemalloc
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from alliance_portal.demo import register_file
from alliance_portal.schools import gias, importer, reading
from alliance_portal.schools.models import LocalAuthority, Phase, School, SchoolChange, Trust
from alliance_portal.schools.signals import register_imported
from tests.factories import LocalAuthorityFactory, SchoolFactory, TrustFactory

pytestmark = pytest.mark.django_db

CURLY_NAME = "St Mary’s Église Primary School"


def register_row(urn=100001, cells=None):
    """A complete, valid register row; `cells` overrides columns by name."""
    row = {
        gias.URN: str(urn),
        gias.LA_CODE: "202",
        gias.LA_NAME: "Camden",
        gias.NAME: f"School {urn}",
        gias.TYPE: "Academy converter",
        gias.TYPE_GROUP: "Academies",
        gias.STATUS: "Open",
        gias.OPEN_DATE: "01-09-2012",
        gias.CLOSE_DATE: "",
        gias.PHASE: "Primary",
        gias.LOW_AGE: "4",
        gias.HIGH_AGE: "11",
        gias.PUPILS: "412",
        gias.TRUST_CODE: "4321",
        gias.TRUST_NAME: "North Learning Trust",
        gias.OFSTED_DATE: "14-03-2023",
        gias.OFSTED_RATING: "Good",
        gias.STREET: "12 Hill Road",
        gias.LOCALITY: "Kentish Town",
        gias.TOWN: "London",
        gias.POSTCODE: "NW5 1AB",
        gias.WEBSITE: "www.example.sch.uk",
        gias.TELEPHONE: "02071234567",
        gias.HEAD_FIRST_NAME: "Amina",
        gias.HEAD_LAST_NAME: "Patel",
        gias.REGION: "London",
        gias.DISTRICT: "Camden",
        gias.EASTING: "528900",
        gias.NORTHING: "185100",
    }
    row.update(cells or {})
    return row


def write(tmp_path, rows, name="register.csv", **options):
    path = tmp_path / name
    register_file.write_register_csv(path, rows, **options)
    return path


def run(path, verbosity=1):
    """Run the command; return (stdout, stderr) as text."""
    out, err = StringIO(), StringIO()
    call_command("import_schools", str(path), verbosity=verbosity, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_rows(tmp_path, rows, **options):
    return run(write(tmp_path, rows, **options))


# --- Creating schools ------------------------------------------------------------


def test_it_creates_a_school_with_every_field_from_the_register(tmp_path):
    out, err = import_rows(tmp_path, [register_row(100001)])

    school = School.objects.select_related("phase", "local_authority", "trust").get()
    assert school.urn == 100001
    assert school.name == "School 100001"
    assert school.establishment_type == "Academy converter"
    assert school.type_group == "Academies"
    assert school.status == School.Status.OPEN
    assert school.phase.code == Phase.Code.PRIMARY
    assert (school.statutory_low_age, school.statutory_high_age) == (4, 11)
    assert school.pupil_count == 412
    assert (school.local_authority.code, school.local_authority.name) == (202, "Camden")
    assert (school.trust.code, school.trust.name) == (4321, "North Learning Trust")
    assert school.region == "London"
    assert school.district == "Camden"
    assert school.address == "12 Hill Road, Kentish Town, London, NW5 1AB"
    assert school.telephone == "02071234567"
    assert school.website == "www.example.sch.uk"
    assert school.head_name == "Amina Patel"
    assert school.ofsted_rating == "Good"
    assert school.ofsted_last_inspection == datetime.date(2023, 3, 14)
    assert (school.easting, school.northing) == (528900, 185100)
    assert school.open_date == datetime.date(2012, 9, 1)
    assert school.close_date is None
    assert school.imported_at is not None
    assert out.splitlines()[0] == "Created 1, updated 0, unchanged 0, skipped 0."
    assert err == ""


def test_it_matches_columns_by_name_whatever_their_order_and_ignores_unknown_ones(tmp_path):
    rows = [register_row(100001), register_row(100002, {gias.STATUS: "Closed"})]
    write(tmp_path, rows, name="a.csv", seed=1)
    write(tmp_path, rows, name="b.csv", seed=2, extra_columns=("Shoe size", "Boarders (name)"))
    header_a = (tmp_path / "a.csv").read_text("cp1252").splitlines()[0]
    header_b = (tmp_path / "b.csv").read_text("cp1252").splitlines()[0]
    assert header_a.split(",")[:3] != header_b.split(",")[:3]

    run(tmp_path / "a.csv")
    first = list(School.objects.order_by("urn").values("urn", "name", "status", "pupil_count"))
    out, _ = run(tmp_path / "b.csv")

    assert out.splitlines()[0] == "Created 0, updated 0, unchanged 2, skipped 0."
    assert first == [
        {"urn": 100001, "name": "School 100001", "status": "open", "pupil_count": 412},
        {"urn": 100002, "name": "School 100002", "status": "closed", "pupil_count": 412},
    ]


def test_it_reads_a_windows_1252_file_with_a_curly_apostrophe_and_an_accent(tmp_path):
    path = write(tmp_path, [register_row(100001, {gias.NAME: CURLY_NAME})], encoding="cp1252")
    assert "’".encode("cp1252") in path.read_bytes()

    run(path)

    assert School.objects.get().name == CURLY_NAME


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_it_reads_utf_8_with_or_without_a_byte_order_mark(tmp_path, encoding):
    row = register_row(100001, {gias.NAME: CURLY_NAME, gias.HEAD_LAST_NAME: "O’Brien"})
    path = write(tmp_path, [row], encoding=encoding, seed=None)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")

    run(path)

    school = School.objects.get()
    assert (school.urn, school.name, school.head_name) == (100001, CURLY_NAME, "Amina O’Brien")


def test_it_accepts_dates_with_slashes(tmp_path):
    import_rows(tmp_path, [register_row(100001, {gias.OPEN_DATE: "5/1/2015"})])

    assert School.objects.get().open_date == datetime.date(2015, 1, 5)


def test_it_stores_blank_cells_as_null_or_empty_text(tmp_path):
    blanks = dict.fromkeys(set(gias.COLUMNS) - {gias.URN, gias.NAME, gias.STATUS}, "")
    import_rows(tmp_path, [register_row(100001, blanks)])

    school = School.objects.get()
    assert school.name == "School 100001"
    assert school.status == School.Status.OPEN
    for name in ("phase", "local_authority", "trust"):
        assert getattr(school, name) is None
    for name in ("statutory_low_age", "pupil_count", "easting", "northing", "open_date"):
        assert getattr(school, name) is None
    for name in ("establishment_type", "street", "postcode", "head_name", "ofsted_rating"):
        assert getattr(school, name) == ""


def test_it_leaves_a_field_alone_when_its_column_is_not_in_the_file(tmp_path):
    SchoolFactory(urn=100001, name="Old name", easting=123456, northing=654321)
    columns = [name for name in gias.COLUMNS if name not in (gias.EASTING, gias.NORTHING)]

    import_rows(tmp_path, [register_row(100001)], columns=columns)

    school = School.objects.get()
    assert (school.name, school.easting, school.northing) == ("School 100001", 123456, 654321)


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        ("Open", School.Status.OPEN),
        ("CLOSED", School.Status.CLOSED),
        ("Open, but proposed to close", School.Status.PROPOSED_TO_CLOSE),
        ("open but proposed to close", School.Status.PROPOSED_TO_CLOSE),
        ("Proposed to open", School.Status.PROPOSED_TO_OPEN),
    ],
)
def test_it_maps_the_establishment_status(tmp_path, cell, status):
    import_rows(tmp_path, [register_row(100001, {gias.STATUS: cell})])

    assert School.objects.get().status == status


@pytest.mark.parametrize(
    ("phase", "kind", "group", "code"),
    [
        ("Nursery", "Local authority nursery school", "Local authority maintained schools", "nursery"),
        ("Primary", "Community school", "Local authority maintained schools", "primary"),
        ("Middle deemed primary", "Academy converter", "Academies", "middle"),
        ("Middle deemed secondary", "Foundation school", "Local authority maintained schools", "middle"),
        ("Secondary", "Academy sponsor led", "Academies", "secondary"),
        ("All-through", "Free schools", "Free Schools", "all-through"),
        ("16 plus", "Further education", "Colleges", "16-plus"),
        ("Not applicable", "Community special school", "Special schools", "special"),
        ("Secondary", "Non-maintained special school", "Special schools", "special"),
        ("Primary", "Academy special converter", "Academies", "special"),
        ("Not applicable", "Pupil referral unit", "Local authority maintained schools", "alternative-provision"),
        ("Not applicable", "Academy alternative provision converter", "Academies", "alternative-provision"),
        ("Not applicable", "Free schools alternative provision", "Free Schools", "alternative-provision"),
        ("Not applicable", "Other independent school", "Independent schools", None),
        ("Not applicable", "Higher education institutions", "Universities", None),
    ],
)  # fmt: skip
def test_it_maps_the_phase_from_phase_of_education_and_type(tmp_path, phase, kind, group, code):
    cells = {gias.PHASE: phase, gias.TYPE: kind, gias.TYPE_GROUP: group}
    import_rows(tmp_path, [register_row(100001, cells)])

    school = School.objects.select_related("phase").get()
    assert (school.phase.code if school.phase else None) == code


def test_it_adds_and_renames_local_authorities_and_trusts_by_code(tmp_path):
    LocalAuthorityFactory(code=202, name="Camden (old name)")
    TrustFactory(code=4321, name="North Learning Trust")
    rows = [
        register_row(100001),
        register_row(100002, {gias.LA_CODE: "909", gias.LA_NAME: "Cumbria"}),
        register_row(100003, {gias.TRUST_CODE: "17001", gias.TRUST_NAME: "Lakes Trust"}),
    ]

    out, _ = import_rows(tmp_path, rows)

    assert dict(LocalAuthority.objects.values_list("code", "name")) == {
        202: "Camden",
        909: "Cumbria",
    }
    assert dict(Trust.objects.values_list("code", "name")) == {
        4321: "North Learning Trust",
        17001: "Lakes Trust",
    }
    assert School.objects.get(urn=100002).local_authority.name == "Cumbria"
    assert School.objects.get(urn=100003).trust.name == "Lakes Trust"
    assert "Local authorities: 1 added, 1 renamed." in out
    assert "Trusts: 1 added, 0 renamed." in out


def test_a_blank_trust_name_does_not_replace_one_given_on_another_row(tmp_path):
    rows = [register_row(100001), register_row(100002, {gias.TRUST_NAME: ""})]

    import_rows(tmp_path, rows)

    assert dict(Trust.objects.values_list("code", "name")) == {4321: "North Learning Trust"}
    assert set(School.objects.values_list("trust__code", flat=True)) == {4321}


# --- Re-importing ------------------------------------------------------------------


def test_a_second_run_of_the_same_file_changes_nothing_and_says_so(tmp_path):
    path = write(tmp_path, [register_row(100001), register_row(100002), register_row(100003)])
    run(path)
    before = list(School.objects.order_by("urn").values("urn", "imported_at", "updated_at"))

    with CaptureQueriesContext(connection) as queries:
        out, err = run(path)

    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]  # fmt: skip
    assert writes == []
    assert list(School.objects.order_by("urn").values("urn", "imported_at", "updated_at")) == before
    assert out.splitlines() == [
        "Created 0, updated 0, unchanged 3, skipped 0.",
        "Nothing changed: the database already matched the file.",
    ]
    assert err == ""


def test_it_tells_listeners_when_the_import_changed_something(tmp_path):
    heard = []

    def listener(sender, result, **kwargs):
        heard.append(result.created)

    register_imported.connect(listener)
    try:
        path = write(tmp_path, [register_row(100001)])
        run(path)
        run(path)
    finally:
        register_imported.disconnect(listener)

    assert heard == [1]  # the unchanged second run says nothing


def test_a_changed_row_updates_that_school_only(tmp_path):
    first = [register_row(100001), register_row(100002)]
    run(write(tmp_path, first, name="first.csv"))
    before = {s.urn: s for s in School.objects.all()}
    created_at = before[100001].created_at

    second = [
        register_row(100001, {gias.PUPILS: "430", gias.OFSTED_RATING: "Outstanding"}),
        first[1],
    ]
    out, _ = run(write(tmp_path, second, name="second.csv"))

    changed, unchanged = School.objects.get(urn=100001), School.objects.get(urn=100002)
    assert (changed.pupil_count, changed.ofsted_rating) == (430, "Outstanding")
    assert changed.imported_at > before[100001].imported_at
    assert changed.updated_at > before[100001].updated_at
    assert changed.created_at == created_at
    assert changed.pk == before[100001].pk
    assert unchanged.imported_at == before[100002].imported_at
    assert unchanged.updated_at == before[100002].updated_at
    assert out.splitlines()[0] == "Created 0, updated 1, unchanged 1, skipped 0."


def test_it_keeps_a_closed_school_with_its_status(tmp_path):
    SchoolFactory(urn=100001, status=School.Status.OPEN)
    cells = {gias.STATUS: "Closed", gias.CLOSE_DATE: "31-08-2024"}

    import_rows(tmp_path, [register_row(100001, cells)])

    school = School.objects.get(urn=100001)
    assert (school.status, school.close_date) == ("closed", datetime.date(2024, 8, 31))


def test_it_leaves_schools_missing_from_the_file_alone(tmp_path):
    absent = SchoolFactory(urn=999999, name="Not in this release")

    out, _ = import_rows(tmp_path, [register_row(100001)])

    absent.refresh_from_db()
    assert (absent.name, absent.status, absent.imported_at) == ("Not in this release", "open", None)
    assert School.objects.count() == 2
    assert out.splitlines()[0] == "Created 1, updated 0, unchanged 0, skipped 0."


# --- Bad rows ---------------------------------------------------------------------


def import_with_bad_row(tmp_path, bad_cells):
    """Import a good row, a bad one (CSV line 3) and another good one."""
    rows = [register_row(100001), register_row(100002, bad_cells), register_row(100003)]
    return import_rows(tmp_path, rows)


def assert_skipped(out, err, reason):
    assert err.splitlines() == [f"line 3: {reason}"]
    assert out.splitlines()[0] == "Created 2, updated 0, unchanged 0, skipped 1."
    assert sorted(School.objects.values_list("urn", flat=True)) == [100001, 100003]


def test_it_skips_a_row_with_a_malformed_urn(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.URN: "10000X"})

    assert_skipped(out, err, "URN '10000X' is not a positive whole number")


def test_it_skips_a_row_with_a_zero_urn(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.URN: "0"})

    assert_skipped(out, err, "URN '0' is not a positive whole number")


def test_it_skips_a_row_without_a_name(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.NAME: "  "})

    assert_skipped(out, err, "EstablishmentName is blank")
    assert not School.objects.filter(urn=100002).exists()


def test_it_skips_a_row_with_an_impossible_date(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.OPEN_DATE: "31-02-2020"})

    assert_skipped(out, err, "OpenDate '31-02-2020' is not a real date")


def test_it_skips_a_row_with_a_date_in_another_format(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.OFSTED_DATE: "2020-02-01"})

    assert_skipped(out, err, "OfstedLastInsp '2020-02-01' is not a date like 31-12-2024")


def test_it_skips_a_row_with_a_non_numeric_pupil_count(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.PUPILS: "about 300"})

    assert_skipped(
        out, err, "NumberOfPupils 'about 300' is not a whole number from 0 to 2147483647"
    )


def test_it_skips_a_row_with_a_non_numeric_easting(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.EASTING: "52890O"})

    assert_skipped(out, err, "Easting '52890O' is not a whole number from 0 to 2147483647")


def test_it_skips_a_row_with_an_unknown_status(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.STATUS: "Mothballed"})

    assert_skipped(out, err, "EstablishmentStatus 'Mothballed' is not one we know")


def test_it_skips_a_row_with_a_blank_status(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.STATUS: ""})

    assert_skipped(out, err, "EstablishmentStatus is blank")


def test_it_skips_a_row_with_a_name_too_long_for_the_database(tmp_path):
    out, err = import_with_bad_row(tmp_path, {gias.NAME: "x" * 256})

    assert_skipped(out, err, "EstablishmentName is longer than 255 characters")


def test_a_skipped_row_does_not_change_the_school_already_saved(tmp_path):
    SchoolFactory(urn=100002, name="Kept as it was", pupil_count=10)

    out, err = import_with_bad_row(tmp_path, {gias.NAME: "New name", gias.PUPILS: "many"})

    school = School.objects.get(urn=100002)
    assert (school.name, school.pupil_count, school.imported_at) == ("Kept as it was", 10, None)
    assert err == "line 3: NumberOfPupils 'many' is not a whole number from 0 to 2147483647\n"


def test_it_counts_line_numbers_in_the_file_when_a_cell_spans_lines(tmp_path):
    rows = [
        register_row(100001, {gias.STREET: "The Old Mill\nMill Lane"}),
        register_row(100002, {gias.URN: "bad"}),
    ]

    _, err = import_rows(tmp_path, rows)

    assert err == "line 4: URN 'bad' is not a positive whole number\n"
    assert School.objects.get().street == "The Old Mill\nMill Lane"


# --- The file as a whole -----------------------------------------------------------


def test_a_database_failure_part_way_leaves_nothing_written(tmp_path, monkeypatch):
    LocalAuthorityFactory(code=202, name="Camden (old name)")
    path = write(tmp_path, [register_row(100001 + n, {gias.LA_CODE: "202"}) for n in range(5)])
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    # The portable path's writes fail here; test_import_copy fails the COPY path's.
    monkeypatch.setattr(importer, "PORTABLE_ONLY", True)
    real_bulk_create = QuerySet.bulk_create
    school_batches = []

    def fail_on_second_school_batch(queryset, objs, *args, **kwargs):
        if queryset.model is School:
            school_batches.append(len(objs))
            if len(school_batches) == 2:
                raise DatabaseError("connection lost")
        return real_bulk_create(queryset, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", fail_on_second_school_batch)

    refused = "The database failed during the import, so nothing was changed: connection lost"
    with pytest.raises(CommandError, match=refused):
        run(path)

    assert school_batches == [2, 2]
    assert School.objects.count() == 0
    assert Trust.objects.count() == 0
    assert LocalAuthority.objects.get().name == "Camden (old name)"


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="No such file: .*nowhere.csv"):
        run(tmp_path / "nowhere.csv")


@pytest.mark.parametrize("missing", [gias.URN, gias.NAME])
def test_a_file_without_a_urn_or_name_column_is_a_command_error_and_writes_nothing(
    tmp_path, missing
):
    columns = [name for name in gias.COLUMNS if name != missing]
    path = write(tmp_path, [register_row(100001)], columns=columns)

    with pytest.raises(CommandError, match=f"its header has no {missing} column"):
        run(path)

    assert School.objects.count() == LocalAuthority.objects.count() == Trust.objects.count() == 0


def test_a_file_in_neither_utf_8_nor_windows_1252_is_a_command_error(tmp_path):
    path = write(tmp_path, [register_row(100001)], encoding="utf-8")
    path.write_bytes(path.read_bytes().replace(b"Camden", b"Cam\x81den"))

    with pytest.raises(CommandError, match="neither UTF-8 nor Windows-1252"):
        run(path)

    assert School.objects.count() == 0


def test_an_empty_file_is_a_command_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(CommandError, match="has no URN or EstablishmentName column"):
        run(path)


def test_it_prints_only_skipped_rows_at_verbosity_0(tmp_path):
    path = write(tmp_path, [register_row(100001), register_row(100002, {gias.URN: "x"})])

    out, err = run(path, verbosity=0)

    assert out == ""
    assert err == "line 3: URN 'x' is not a positive whole number\n"


def test_the_importer_draws_a_progress_bar_when_asked(tmp_path):
    path = write(tmp_path, [register_row(100001)])
    bar = StringIO()

    result = importer.import_register(path, progress=True, progress_file=bar)

    assert (result.created, result.skipped) == (1, 0)
    assert "Reading" in bar.getvalue()
    assert "Writing" in bar.getvalue()


# --- The fake register used by tests and benchmarks ------------------------------------


def test_fake_register_rows_are_repeatable_and_import_cleanly(tmp_path):
    rows = list(register_file.fake_register_rows(600, seed=7))
    assert rows == list(register_file.fake_register_rows(600, seed=7))
    assert rows[:10] == list(register_file.fake_register_rows(10, seed=7))

    out, err = import_rows(tmp_path, rows)

    assert err == ""
    assert out.splitlines()[0] == "Created 600, updated 0, unchanged 0, skipped 0."
    statuses = set(School.objects.values_list("status", flat=True))
    assert statuses == set(School.Status.values)
    phases = set(School.objects.values_list("phase__code", flat=True))
    assert phases == {*Phase.Code.values, None}
    assert LocalAuthority.objects.count() > 100
    assert School.objects.filter(name__contains="’").exists()


def test_write_register_csv_writes_a_wide_shuffled_header(tmp_path):
    path = write(tmp_path, [register_row(100001)], encoding="utf-8")

    header = path.read_text("utf-8").splitlines()[0].split(",")
    assert len(header) == len(gias.COLUMNS) + len(register_file.EXTRA_COLUMNS) > 120
    assert set(gias.COLUMNS) <= set(header)
    assert header[: len(gias.COLUMNS)] != list(gias.COLUMNS)


# --- Refusing what cannot be read correctly -------------------------------------------
#
# Each of these files was once imported wrongly or crashed the command. A refused
# file is a CommandError with a sentence (exit status 1, no traceback) and it
# changes no row, even when the reason is found after some rows were written.


def register_tables():
    return [
        list(model.objects.order_by("pk").values())
        for model in (School, LocalAuthority, Trust, SchoolChange)
    ]


def assert_refused(path, message):
    """The import of `path` fails with `message` (a regular expression) and changes nothing."""
    SchoolFactory(urn=100002, name="Already here", pupil_count=10)
    before = register_tables()

    with pytest.raises(CommandError, match=message) as refused:
        run(path)

    assert register_tables() == before
    return str(refused.value)


def utf_8_rows(count=5):
    return [register_row(100001 + n, {gias.NAME: f"St Mary’s {n}"}) for n in range(count)]


def test_a_utf_8_file_with_one_stray_byte_is_refused_naming_the_line(tmp_path):
    path = write(tmp_path, utf_8_rows(), encoding="utf-8", seed=None)
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b"Camden", b"Cam\xe9den", 1)  # Windows-1252 for é
    path.write_bytes(b"\n".join(lines))

    message = assert_refused(path, "mixes two encodings")

    assert message.startswith(
        "The file mixes two encodings: line 2 is UTF-8, but line 5 has bytes that are not UTF-8."
    )


def test_a_file_mixing_encodings_names_every_bad_line_up_to_ten(tmp_path):
    path = write(tmp_path, utf_8_rows(15), encoding="utf-8", seed=None)
    lines = path.read_bytes().split(b"\n")
    for n in range(2, 15):
        lines[n] = lines[n].replace("’".encode(), b"\x92")  # Windows-1252 for ’
    path.write_bytes(b"\n".join(lines))

    message = assert_refused(path, "mixes two encodings")

    assert "lines 3, 4, 5, 6, 7, 8, 9, 10, 11 and 12 and 3 more have bytes" in message


def test_a_file_with_a_byte_order_mark_and_a_bad_byte_is_refused_with_a_sentence(tmp_path):
    path = write(tmp_path, utf_8_rows(), encoding="utf-8-sig", seed=None)
    path.write_bytes(path.read_bytes().replace(b"London", b"L\xf6ndon", 1))

    message = assert_refused(path, "byte-order mark")

    assert message == (
        "The file starts with a UTF-8 byte-order mark, but line 2 has bytes that are not "
        "UTF-8, so we cannot tell what those characters were. Save the file as UTF-8 again "
        "and re-import it."
    )


def test_it_decides_the_encoding_across_chunk_boundaries(tmp_path, monkeypatch):
    """Every multi-byte character is split between two chunks somewhere in the file."""
    monkeypatch.setattr(reading, "CHUNK_SIZE", 7)
    row = register_row(100001, {gias.NAME: "Zoë’s Église €"})
    path = write(tmp_path, [row], encoding="utf-8")

    run(path)

    assert School.objects.get().name == "Zoë’s Église €"


def test_a_header_naming_a_column_twice_is_refused(tmp_path):
    path = write(tmp_path, [register_row(100001), register_row(100002)], extra_columns=["URN"])

    message = assert_refused(path, "names a column more than once")

    assert message.startswith("The header names a column more than once (URN in columns ")


def test_a_urn_on_two_rows_is_refused_naming_both_lines(tmp_path):
    rows = [register_row(100001), register_row(100002, {gias.NAME: "New name"})]
    rows += [register_row(100003), register_row(100002, {gias.NAME: "Other name"})]
    path = write(tmp_path, rows)

    message = assert_refused(path, "URN 100002 is on lines 3 and 5")

    assert message == (
        "1 URN appears on more than one row: URN 100002 is on lines 3 and 5. The register "
        "lists each school once, so the file was joined or edited and we cannot tell which "
        "row is right: nothing was imported."
    )


def test_a_urn_repeated_in_a_later_batch_undoes_the_batches_already_written(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    rows = [register_row(100001 + n) for n in range(5)] + [register_row(100001)]
    path = write(tmp_path, rows)

    assert_refused(path, "URN 100001 is on lines 2 and 7")


def test_a_cell_longer_than_the_limit_is_refused_with_its_line(tmp_path):
    long_street = "x" * (reading.MAX_CELL_LENGTH + 1)
    rows = [register_row(100001), register_row(100003, {gias.STREET: long_street})]
    path = write(tmp_path, rows)

    message = assert_refused(path, "cell on line 3 is longer than 4,096 characters")

    assert message == (
        "A cell on line 3 is longer than 4,096 characters, far more than any register cell: "
        "the file is damaged or is not the register."
    )


def test_a_quote_never_closed_is_refused_naming_where_its_record_starts(tmp_path):
    rows = [register_row(100001, {gias.STREET: 'The "Old" Mill'})]
    rows += [register_row(100003 + n) for n in range(40)]
    path = write(tmp_path, rows, seed=None)
    path.write_bytes(path.read_bytes().replace(b'"The ""Old"" Mill"', b'"The Old Mill', 1))

    message = assert_refused(path, "the record starting on line 2")

    assert "a quote that is never closed does this" in message


def test_a_50_mb_cell_is_refused_with_a_sentence(tmp_path):
    path = write(tmp_path, [register_row(100001)])
    path.write_bytes(path.read_bytes().replace(b"12 Hill Road", b"x" * 50_000_000))

    assert_refused(path, "longer than 65,536 characters")


def test_a_long_line_is_refused_without_reading_it_into_memory(tmp_path, monkeypatch):
    """A 1 GB line once needed 2 GB of memory; 64 MB of one line here uses a few MB."""
    path = write(tmp_path, [register_row(100001)])
    with path.open("ab") as out:
        for _ in range(64):
            out.write(b"y" * 1_000_000)
        out.write(b"\r\n")

    tracemalloc.start()
    try:
        message = assert_refused(path, "^Line 3 is longer than 65,536 characters")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert message == (
        "Line 3 is longer than 65,536 characters, far more than any register row: the file "
        "is damaged or is not the register."
    )
    assert peak < 16_000_000


def test_the_reader_itself_stops_at_the_line_limit(tmp_path):
    """Should the file grow between the scan and the reading, the reader still stops."""
    path = tmp_path / "grown.csv"
    path.write_text(f"URN,EstablishmentName\r\n1,{'z' * 100_000}\r\n", encoding="utf-8")

    with (
        pytest.raises(importer.RegisterFileError, match="^Line 2 is longer than 65,536"),
        reading.records(path, "utf-8") as (_, records),
    ):
        list(records)


def test_a_directory_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path)


# --- Memory ----------------------------------------------------------------------------


def peak_memory_of_import(path):
    tracemalloc.start()
    try:
        run(path, verbosity=0)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path, monkeypatch):
    """It grew by 3-4 KB a row (1.5 GB for 500,000); now it streams, in batches.

    What is left grows with the trusts and local authorities (a few thousand in
    the register, however many rows) and 8 bytes a row for the URN check.
    """
    monkeypatch.setattr(importer, "BATCH_SIZE", 100)
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    register_file.write_register_csv(small, register_file.fake_register_rows(300, seed=3))
    register_file.write_register_csv(large, register_file.fake_register_rows(2400, seed=3))
    run(small, verbosity=0)  # once untimed, so that first imports of modules do not count

    peaks = []
    for path in (small, large):
        School.objects.all().delete()
        peaks.append(peak_memory_of_import(path))

    assert School.objects.count() == 2400
    per_row = (peaks[1] - peaks[0]) / (2400 - 300)
    assert per_row < 300, f"{per_row:.0f} bytes a row ({peaks})"


def test_it_compares_rows_with_the_database_whatever_the_order_of_their_urns(tmp_path):
    """URNs in order are fetched as a range, scattered ones by value: both find every school."""
    scattered = [900001, 100001, 500001]
    for urn in scattered:
        SchoolFactory(urn=urn, name="Old name")
    rows = [register_row(urn) for urn in scattered] + [register_row(100002)]

    out, _ = import_rows(tmp_path, rows)
    again, _ = import_rows(tmp_path, rows)

    assert out.splitlines()[0] == "Created 1, updated 3, unchanged 0, skipped 0."
    assert again.splitlines()[0] == "Created 0, updated 0, unchanged 4, skipped 0."
