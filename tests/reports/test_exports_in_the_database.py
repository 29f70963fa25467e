"""On PostgreSQL, the database writes the export itself (COPY): the file holds exactly the
values the Python writer gives, for awkward text, empty cells, local times and rounding."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce

from alliance_portal.reports import exports
from deployments.models import Deployment, SupportLog
from requests.models import SupportRequest
from tests import factories
from tests.reports.test_exports import at, delivery, make_request, world  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite keeps Python"
    ),
]

AWKWARD = [
    'Tom & "Jerry" <b>bold</b>',
    "Two\nlines\r\nand a carriage return",
    "  spaces kept at both ends  ",
    "=SUM(A1:A9)",
    "-2 days",
    "\tTabbed",
    "Bell\x07 and form feed\x0c gone",
    "Zoë Ōkubo — naïve café ✓",
    "back\\slash and 50% off",
    "",
]


@pytest.fixture
def awkward(world):  # noqa: F811
    """Requests whose text needs escaping, and deployments whose logged hours round halfway."""
    for index, text in enumerate(AWKWARD):
        make_request(
            world["x"],
            at(2026, 10, 25, 1, index),  # the night the clocks go back
            school=None,
            school_name_given=text or "Unnamed",
            contact_name=text,
            designation_sought=SupportRequest.DesignationSought.NOT_SURE,
        )
    leader = factories.LeaderFactory(full_name="Leader Halfway")
    designation = factories.DesignationFactory(leader=leader, kind="SLE", alliance=world["x"])
    for hours in ("1.75", "5.25", "0.35", "1.05", "3.49"):
        deployment = factories.AgreedDeploymentFactory(
            request=factories.SupportRequestFactory(alliance=world["x"]),
            leader=leader,
            designation=designation,
            status=Deployment.Status.IN_DELIVERY,
            stop_note="",
        )
        SupportLog.objects.create(
            deployment=deployment,
            date=datetime.date(2026, 1, 5),
            hours=Decimal(hours),
            activity=SupportLog.Activity.COACHING,
        )
    return world


def written(table, queryset, format, *, by_the_database, monkeypatch):
    monkeypatch.setattr(exports, "copies_in_the_database", lambda queryset: by_the_database)
    output = io.BytesIO()
    exports.write_export(table, queryset, format, output)
    data = output.getvalue()
    if format == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
@pytest.mark.parametrize("model", [SupportRequest, Deployment])
def test_the_database_writes_what_python_writes(awkward, delivery, monkeypatch, format, model):  # noqa: F811
    table = exports.TABLES[model]
    queryset = model.objects.order_by("-created_at", "-pk")

    by_python = written(table, queryset, format, by_the_database=False, monkeypatch=monkeypatch)
    by_copy = written(table, queryset, format, by_the_database=True, monkeypatch=monkeypatch)

    assert len(by_copy) == queryset.count() + 1
    assert by_copy == by_python


@pytest.mark.parametrize(
    "ordering",
    [
        ["school__name", "-pk"],  # a joined value, empty for most of these requests
        ["-alliance", "pk"],  # a relation: by the alliance's own ordering (its name)
        [F("school__name").desc(nulls_last=True), "pk"],
        [Coalesce("school__name", "school_name_given").asc(), "-pk"],
        ["status", "-created_at", "pk"],
    ],
    ids=["joined", "relation", "nulls-last", "expression", "three-keys"],
)
@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_rows_come_in_the_lists_order(awkward, delivery, monkeypatch, format, ordering):  # noqa: F811
    # An alliance made last but first by name: a relation sorts by its name, not its id.
    make_request(factories.AllianceFactory(name="Aardvark Alliance"), at(2026, 9, 1, 9, 0))
    queryset = SupportRequest.objects.order_by(*ordering)
    table = exports.TABLES[SupportRequest]

    by_copy = written(table, queryset, format, by_the_database=True, monkeypatch=monkeypatch)

    assert by_copy == written(
        table, queryset, format, by_the_database=False, monkeypatch=monkeypatch
    )
    assert [row[0] for row in by_copy[1:]] == list(queryset.values_list("reference", flat=True))


@pytest.mark.parametrize("format", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "empty", [SupportRequest.objects.none, lambda: SupportRequest.objects.filter(pk__in=[])]
)
def test_a_list_django_knows_is_empty_is_its_header_alone(world, monkeypatch, format, empty):  # noqa: F811
    table = exports.TABLES[SupportRequest]

    by_copy = written(table, empty(), format, by_the_database=True, monkeypatch=monkeypatch)

    assert by_copy == [table.headers]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_a_label_with_a_percent_sign_is_written_as_it_is(awkward, monkeypatch, format):
    """Labels go into the query as literals, through more than one pass of %-formatting."""
    status = next(c for c in exports.REQUESTS.columns if c.header == "Status").display
    monkeypatch.setitem(status.labels, SupportRequest.Status.NEW, "New (100% unread) %s")
    table = exports.TABLES[SupportRequest]
    queryset = SupportRequest.objects.order_by("created_at", "pk")

    by_copy = written(table, queryset, format, by_the_database=True, monkeypatch=monkeypatch)

    assert by_copy == written(
        table, queryset, format, by_the_database=False, monkeypatch=monkeypatch
    )
    assert "New (100% unread) %s" in [row[1] for row in by_copy]


def test_halfway_hours_round_to_even_as_the_portal_rounds_them(awkward, monkeypatch):
    table = exports.TABLES[Deployment]
    queryset = Deployment.objects.filter(leader__full_name="Leader Halfway").order_by("pk")

    rows = written(table, queryset, "csv", by_the_database=True, monkeypatch=monkeypatch)

    days = [row[table.headers.index("Days delivered")] for row in rows[1:]]
    # 1.75 h is 0.25 days and 5.25 h is 0.75: halves go to the even tenth.
    assert days == ["0.2", "0.8", "0.0", "0.2", "0.5"]


def test_text_keeps_its_characters_and_a_formula_stays_text(awkward, monkeypatch):
    table = exports.TABLES[SupportRequest]
    queryset = SupportRequest.objects.filter(school__isnull=True).order_by("created_at", "pk")
    contact = table.headers.index("Contact name")

    cells = [
        row[contact]
        for row in written(table, queryset, "xlsx", by_the_database=True, monkeypatch=monkeypatch)[
            1:
        ]
        if row[contact] is not None
    ]

    assert 'Tom & "Jerry" <b>bold</b>' in cells
    # Line breaks as a spreadsheet keeps them (an XML reader reads CR LF as LF).
    assert "Two\nlines\nand a carriage return" in cells
    assert "  spaces kept at both ends  " in cells
    assert "'=SUM(A1:A9)" in cells
    assert "Bell and form feed gone" in cells
    assert "Zoë Ōkubo — naïve café ✓" in cells


@pytest.mark.parametrize(
    "ordering",
    [["request", "pk"], ["-request", "pk"], ["-leader", "-pk"], ["leader__full_name", "pk"]],
)
def test_deployments_sorted_by_a_relation_come_in_the_lists_order(
    awkward,
    delivery,  # noqa: F811
    monkeypatch,
    ordering,
):
    """A relation sorts by its model's own ordering (a request by newest first, a leader
    by name), as the changelist shows it, not by the id that points at it."""
    queryset = Deployment.objects.order_by(*ordering)
    table = exports.TABLES[Deployment]

    by_copy = written(table, queryset, "csv", by_the_database=True, monkeypatch=monkeypatch)

    assert [row[0] for row in by_copy[1:]] == list(
        queryset.values_list("request__reference", flat=True)
    )
    assert by_copy == written(
        table, queryset, "csv", by_the_database=False, monkeypatch=monkeypatch
    )


def test_a_reversed_list_comes_reversed(awkward, monkeypatch):
    queryset = SupportRequest.objects.order_by("created_at", "pk").reverse()
    table = exports.TABLES[SupportRequest]

    by_copy = written(table, queryset, "csv", by_the_database=True, monkeypatch=monkeypatch)

    assert [row[0] for row in by_copy[1:]] == list(queryset.values_list("reference", flat=True))


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_a_row_is_checked_whichever_of_its_texts_needs_work(world, monkeypatch, format):  # noqa: F811
    """Excel rows are tested once, all their texts together: a formula in the last text
    column alone, and a "|" before an "=" mid-text (which looks like work but is none),
    come out as the Python writer writes them."""
    for contact_name, email in [("Plain Name", "=cmd@example.org"), ("A|=B", "a@example.org")]:
        make_request(
            world["x"], at(2026, 11, 2, 9, 0), contact_name=contact_name, contact_email=email
        )
    table = exports.TABLES[SupportRequest]
    queryset = SupportRequest.objects.order_by("created_at", "pk")
    email = table.headers.index("Contact email")

    by_copy = written(table, queryset, format, by_the_database=True, monkeypatch=monkeypatch)

    assert by_copy == written(
        table, queryset, format, by_the_database=False, monkeypatch=monkeypatch
    )
    assert "'=cmd@example.org" in [row[email] for row in by_copy]


def test_local_times_follow_the_clocks(awkward, monkeypatch):
    table = exports.TABLES[SupportRequest]
    queryset = SupportRequest.objects.filter(created_at__month=10).order_by("created_at", "pk")
    created = table.headers.index("Created")

    rows = written(table, queryset, "csv", by_the_database=True, monkeypatch=monkeypatch)
    sheet = written(table, queryset, "xlsx", by_the_database=True, monkeypatch=monkeypatch)

    # Given as 01:00 on the night the clocks go back, and shown so, not in UTC.
    assert rows[1][created] == "2026-10-25 01:00"
    assert sheet[1][created] == datetime.datetime(2026, 10, 25, 1, 0)


def test_finished_files_are_stored_as_they_are_not_compressed_again():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'reports_exportchunk'::regclass AND attname = 'data'"
        )
        # EXTERNAL: out of line, without TOAST's compression.
        assert cursor.fetchone()[0] == "e"
