"""CSV and Excel exports of support requests and deployments.

The caller passes the queryset to export (the admin passes its changelist's,
already narrowed to the alliance scope, filters and search). Rows are read
with `values_list` over the joins each table needs, in one query streamed from
the database (a deployment's logged hours and its variations are subqueries
in it), plus one query for a request's areas of expertise: a fixed number of
queries whatever the row count.

Text that a spreadsheet would run as a formula (starting =, +, -, @, or a tab
or carriage return) is prefixed with a single quote.

On PostgreSQL the file is written by the database itself (`copy_csv`,
`copy_xlsx`): each column also says how to work its value out in SQL (a
choice's label, a local time, the areas joined with "; "), and one
`COPY (SELECT …) TO STDOUT` sends the finished CSV lines, or the finished
rows of the Excel sheet's XML, which Python only writes out (and zips, for
Excel). Both paths give the same values; SQLite keeps the Python one.
"""

import csv
import datetime
import functools
import queue
import tempfile
import threading
import zipfile
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections, transaction
from django.db.models import Count, F, IntegerField, OrderBy, OuterRef, Subquery
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Coalesce
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from deployments.models import Deployment, SupportLog, Variation, days_from_hours
from requests.models import Funding, SupportRequest

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def neutralise_formula(text):
    """Text a spreadsheet must show as typed, never run: '=1+1' becomes "'=1+1"."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


# What a column holds, which says how each format writes it.
TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"


@dataclass(frozen=True)
class Column:
    header: str
    # The value exported, or a tuple of several that `display` combines into one.
    field: str | tuple
    # Turns the database value into the exported one (a choice's label, for example):
    # called with (value, extras) in Python, and `display.sql(*columns)` in SQL.
    display: object = None
    width: int = 14
    kind: str = TEXT

    @property
    def fields(self):
        return self.field if isinstance(self.field, tuple) else (self.field,)


@dataclass(frozen=True)
class ExportTable:
    """What one export contains: its columns, in order, read from one queryset."""

    name: str
    model: type
    columns: tuple
    annotations: dict

    @property
    def headers(self):
        return [column.header for column in self.columns]

    def rows(self, queryset):
        """Each row's values as Python objects (str, int, Decimal, date, aware datetime)."""
        fields = list(dict.fromkeys(f for column in self.columns for f in column.fields))
        where = {name: index for index, name in enumerate(fields)}
        extras = self.extras(queryset)
        # How each column picks its value (or tuple of values) from a row: worked out once.
        readers = [
            (itemgetter(*(where[name] for name in column.fields)), column.display)
            for column in self.columns
        ]
        values_rows = self.prepare(queryset).annotate(**self.annotations).values_list(*fields)
        for values in values_rows.iterator(chunk_size=CHUNK_SIZE):
            yield [
                display(pick(values), extras) if display else pick(values)
                for pick, display in readers
            ]

    def prepare(self, queryset):
        """The queryset with what its columns need that the model's own queryset provides."""
        return queryset

    def extras(self, queryset):
        """Values that need a query of their own (many-to-many), keyed by primary key."""
        return None

    def filename(self, extension):
        return f"{self.name}-{timezone.localdate().isoformat()}.{extension}"


class choice_label:
    """A choice's label in place of its stored value."""

    def __init__(self, choices):
        self.labels = dict(choices.choices)

    def __call__(self, value, extras):
        return self.labels.get(value, value)

    def sql(self, column):
        cases = " ".join("WHEN %s THEN %s" for _ in self.labels)
        params = [item for pair in self.labels.items() for item in pair]
        return f"CASE {column} {cases} ELSE {column} END", params


class _LocalDatetime:
    """An aware datetime in the portal's time zone (in SQL, the DATETIME kind does it)."""

    def __call__(self, value, extras):
        return value.astimezone(_local_zone()) if value else None

    def sql(self, column):
        return column, []


local_datetime = _LocalDatetime()


@functools.cache
def _local_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class RequestTable(ExportTable):
    def extras(self, queryset):
        """Area names of every exported request, in one query through the m2m table."""
        through = SupportRequest.areas_of_expertise.through
        pairs = (
            through.objects.filter(supportrequest_id__in=queryset.order_by().values("pk"))
            .order_by("areaofexpertise__group", "areaofexpertise__position")
            .values_list("supportrequest_id", "areaofexpertise__name")
        )
        areas = defaultdict(list)
        for request_id, name in pairs.iterator(chunk_size=CHUNK_SIZE):
            areas[request_id].append(name)
        return areas


class _AreaNames:
    """A request's areas of expertise, in the form's order, joined with "; "."""

    def __call__(self, request_id, areas):
        return "; ".join(areas.get(request_id, ()))

    def join(self, alias, column):
        """Every request's areas, joined into one text each, in one pass over the links
        (40 ms at national scale; narrowing it to the exported requests first cost more)."""
        through = SupportRequest.areas_of_expertise.through
        area = through._meta.get_field("areaofexpertise").related_model
        return (
            f"LEFT JOIN (SELECT m.supportrequest_id AS id, "
            f"string_agg(a.name, '; ' ORDER BY a.{qn('group')}, a.position) AS names "
            f"FROM {qn(through._meta.db_table)} m JOIN {qn(area._meta.db_table)} a "
            f"ON a.id = m.areaofexpertise_id "
            f"GROUP BY m.supportrequest_id) AS {alias} ON {alias}.id = t.{column}"
        ), []

    def sql(self, names):
        """`names`: the joined subquery's `names`, as the sorted rows carry it."""
        return names, []


area_names = _AreaNames()


class _DesignationSought:
    """The designation asked for ("SLE"), or "Not sure"."""

    NOT_SURE = SupportRequest.DesignationSought.NOT_SURE

    def __call__(self, value, extras):
        return self.NOT_SURE.label if value == self.NOT_SURE else value

    def sql(self, column):
        return f"CASE WHEN {column} = %s THEN %s ELSE {column} END", [
            self.NOT_SURE.value,
            self.NOT_SURE.label,
        ]


designation_sought = _DesignationSought()


def qn(name):
    return connections["default"].ops.quote_name(name)


REQUESTS = RequestTable(
    name="support-requests",
    model=SupportRequest,
    annotations={"export_school": Coalesce(F("school__name"), F("school_name_given"))},
    columns=(
        Column("Reference", "reference"),
        Column("Status", "status", choice_label(SupportRequest.Status), width=20),
        Column("Created", "created_at", local_datetime, width=17, kind=DATETIME),
        Column("School", "export_school", width=36),
        Column("URN", "school__urn", width=9, kind=NUMBER),
        Column("Local authority", "school__local_authority__name", width=20),
        Column("Alliance", "alliance__name", width=28),
        Column("Contact name", "contact_name", width=22),
        Column("Contact email", "contact_email", width=30),
        Column("Designation sought", "designation_sought", designation_sought),
        Column("Areas of expertise", "pk", area_names, width=40),
        Column("Estimated days", "estimated_days", kind=NUMBER),
        Column("Funding", "funding", choice_label(Funding), width=30),
        Column("Leaders needed", "leaders_wanted", width=10, kind=NUMBER),
    ),
)


class DeploymentTable(ExportTable):
    def prepare(self, queryset):
        """Each deployment's logged hours, as a subquery of the one query."""
        return queryset.with_hours_logged()


D = Deployment.Status


class _DaysDelivered:
    """What ended work recorded; for work under way (or paused), what its log shows so far."""

    def __call__(self, value, extras):
        status, recorded, hours = value
        if status in Deployment.DELIVERED_STATUSES:
            return recorded
        if status in Deployment.LIVE_STATUSES:
            return days_from_hours(hours)
        return None

    def sql(self, status, recorded, hours):
        delivered, live = Deployment.DELIVERED_STATUSES, Deployment.LIVE_STATUSES
        # days_from_hours in SQL: hours / HOURS_PER_DAY to one place, halves to even
        # (as Decimal.quantize does), worked in whole hundredths of an hour.
        tenth = int(SupportLog.HOURS_PER_DAY * 10)
        hundredths = f"(round(coalesce({hours}, 0) * 100)::bigint)"
        whole, left = f"({hundredths} / {tenth})", f"mod({hundredths}, {tenth})"
        rounded = (
            f"(({whole} + CASE WHEN 2 * {left} > {tenth} "
            f"OR (2 * {left} = {tenth} AND mod({whole}, 2) = 1) THEN 1 ELSE 0 END)"
            "::numeric / 10)::numeric(20, 1)"
        )
        return (
            f"CASE WHEN {status} IN ({', '.join(['%s'] * len(delivered))}) THEN {recorded} "
            f"WHEN {status} IN ({', '.join(['%s'] * len(live))}) THEN {rounded} END",
            [*delivered, *live],
        )


days_delivered = _DaysDelivered()


class only_when:
    """The value for deployments in `status` (the pause of work since resumed is history)."""

    def __init__(self, status, display=None):
        self.status, self.display = status, display

    def __call__(self, value, extras):
        current, wanted = value
        if current != self.status:
            return None
        return self.display(wanted, extras) if self.display else wanted

    def sql(self, current, wanted):
        shown, params = self.display.sql(wanted) if self.display else (wanted, [])
        return f"CASE WHEN {current} = %s THEN {shown} END", [self.status, *params]


VARIATIONS = (
    Variation.objects.filter(deployment=OuterRef("pk"))
    .order_by()
    .values("deployment")
    .annotate(count=Count("pk"))
    .values("count")
)

DEPLOYMENTS = DeploymentTable(
    name="deployments",
    model=Deployment,
    annotations={
        "export_school": Coalesce(F("request__school__name"), F("request__school_name_given")),
        "export_variations": Coalesce(Subquery(VARIATIONS, output_field=IntegerField()), 0),
    },
    columns=(
        Column("Request", "request__reference"),
        Column("School", "export_school", width=36),
        Column("Leader", "leader__full_name", width=24),
        Column("Designation", "designation__kind", width=12),
        Column("Status", "status", choice_label(Deployment.Status), width=22),
        Column("Agreed days", "agreed_days", width=12, kind=NUMBER),
        Column("Start", "start_date", width=12, kind=DATE),
        Column("End", "end_date", width=12, kind=DATE),
        Column("Daily rate (£)", "daily_rate", width=14, kind=NUMBER),
        Column("Brokerage fee (£ a day)", "brokerage_fee", width=14, kind=NUMBER),
        Column("Funding source", "funding_source", choice_label(Funding), width=30),
        Column("Agreed at", "agreed_at", local_datetime, width=17, kind=DATETIME),
        Column("Started", "started_at", local_datetime, width=17, kind=DATETIME),
        Column(
            "Days delivered",
            ("status", "days_delivered", "hours_logged"),
            days_delivered,
            width=12,
            kind=NUMBER,
        ),
        Column(
            "Paused since",
            ("status", "paused_at"),
            only_when(D.PAUSED, local_datetime),
            width=17,
            kind=DATETIME,
        ),
        Column(
            "Expected to resume",
            ("status", "resume_expected"),
            only_when(D.PAUSED),
            width=12,
            kind=DATE,
        ),
        Column("Why paused", ("status", "pause_reason"), only_when(D.PAUSED), width=40),
        Column("Stopped early on", "stopped_at", local_datetime, width=17, kind=DATETIME),
        Column("Why it stopped", "stop_reason", choice_label(Deployment.StopReason), width=30),
        Column("Stop note", "stop_note", width=40),
        Column("Variations", "export_variations", width=10, kind=NUMBER),
    ),
)

TABLES = {table.model: table for table in (REQUESTS, DEPLOYMENTS)}


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value):
        return value


def csv_lines(table, queryset=None, rows_per_chunk=500, *, rows=None):
    """The export as CSV text in chunks of rows, starting with a byte order mark for Excel.

    The rows are `table.rows(queryset)`, or `rows` when the caller counts them."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(table.headers)
    chunk = []
    for row in table.rows(queryset) if rows is None else rows:
        chunk.append(writer.writerow([_csv_value(value) for value in row]))
        if len(chunk) == rows_per_chunk:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _csv_value(value):
    convert = _CSV_CONVERTERS.get(type(value))
    return convert(value) if convert else value


_CSV_CONVERTERS = {
    type(None): lambda value: "",
    datetime.datetime: lambda value: value.strftime(DATETIME_FORMAT),
    datetime.date: datetime.date.isoformat,
    str: neutralise_formula,
}


def write_xlsx(table, output, *, rows):
    """Write the export as an .xlsx workbook to the binary file `output`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.name.replace("-", " ").capitalize())
    for index, column in enumerate(table.columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append(table.headers)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    workbook.save(output)


def write_export(table, queryset, format, output, on_row=None):
    """Write the export as `format` ("csv" or "xlsx") to the binary file `output`, calling
    `on_row(rows so far)` after each row: by the database itself where it can, else here."""
    if copies_in_the_database(queryset):
        copy = copy_csv if format == "csv" else copy_xlsx
        try:
            copy(table, queryset, output, on_row)
            return
        except (EmptyResultSet, _OrderNotInSQL):
            # Django knows the list is empty (`none()`, an empty `__in`) and writes no SQL
            # for it, or the list's order is not one written here: raised before anything
            # is written, and the writer below exports the list as the queryset gives it.
            pass
    rows = table.rows(queryset)
    if on_row:
        rows = _reporting(rows, on_row)
    if format == "csv":
        for text in csv_lines(table, rows=rows):
            output.write(text.encode("utf-8"))
    else:
        write_xlsx(table, output, rows=rows)


def _reporting(rows, on_row):
    for done, row in enumerate(rows, start=1):
        yield row
        on_row(done)


def export_file(table, queryset, format):
    """The export in a temporary file, rewound and ready to send."""
    # The response streams the file and closes it, which deletes it.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_export(table, queryset, format, output)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output


def _xlsx_cell(value):
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: local wall-clock time (shown as yyyy-mm-dd h:mm:ss).
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


# Written by PostgreSQL ---------------------------------------------------------------

# Characters an .xlsx file cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE), dropped; a
# test first, as most text has none (translate() over every value costs 2 s in 50,000 rows).
_ILLEGAL = "E'[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f]'"
# Text that needs any work in a sheet: such a character, one to escape, or a formula.
_NEEDS_WORK = "E'[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f&<>\\r\\n]|^[=+@\\t-]'"
# The same for a row's texts joined with "|": a formula may start any of them.
_ROW_NEEDS_WORK = "E'[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f&<>\\r\\n]|(^|[|])[=+@\\t-]'"
# COPY's CSV format with a delimiter and quote that no line holds: each line comes out as
# it is, one per row (the XML of a row never holds a raw newline: see _xlsx_cell_sql).
_AS_IS = "WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"


def copies_in_the_database(queryset):
    """Whether the database can write this export itself (PostgreSQL's COPY)."""
    return connections[queryset.db].vendor == "postgresql"


class _OrderNotInSQL(Exception):
    """The list's order is one this module does not write as SQL: the Python writer
    exports it, in the queryset's own order."""


def _ordering_keys(queryset):
    """The list's order as values to sort by: ({annotation name: expression}, the SQL
    directions in order). A field, an annotation or an expression is sorted by as it is;
    a relation by its model's own ordering, as Django sorts a list by it."""
    ordering = queryset.query.order_by or queryset.model._meta.ordering or ["pk"]
    if not queryset.query.standard_ordering:
        raise _OrderNotInSQL  # reverse()
    keys, directions = {}, []
    for item in ordering:
        if isinstance(item, str):
            expanded = _expanded(queryset, queryset.model, "", item.lstrip("-"), item[:1] == "-")
            for name, descending in expanded:
                keys[f"export_o{len(keys)}"] = F(name)
                directions.append(" DESC" if descending else "")
        elif isinstance(item, OrderBy) and not isinstance(item.expression, str):
            keys[f"export_o{len(keys)}"] = item.expression
            nulls = " NULLS FIRST" if item.nulls_first else " NULLS LAST" if item.nulls_last else ""
            directions.append((" DESC" if item.descending else "") + nulls)
        else:
            raise _OrderNotInSQL
    return keys, directions


def _expanded(queryset, model, prefix, name, descending, depth=0):
    """[(field path, descending)] that ordering by `name` means: a relation stands for its
    model's own ordering (each of its fields, a "-" turning the direction round), as
    Django's compiler expands it; an annotation or a plain field is itself."""
    path = f"{prefix}{name}"
    if name == "?" or depth > 5:
        raise _OrderNotInSQL
    if not prefix and name in queryset.query.annotations:
        return [(name, descending)]
    field, current = None, model
    for part in name.split(LOOKUP_SEP):
        if current is None:
            raise _OrderNotInSQL
        try:
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist:
            raise _OrderNotInSQL from None
        current = field.related_model
    last = name.split(LOOKUP_SEP)[-1]
    if not field.is_relation or last in ("pk", getattr(field, "attname", None)):
        return [(path, descending)]
    related = field.related_model._meta.ordering
    if not related:
        return [(f"{path}{LOOKUP_SEP}pk", descending)]
    keys = []
    for item in related:
        if not isinstance(item, str):
            raise _OrderNotInSQL
        keys += _expanded(
            queryset,
            field.related_model,
            f"{path}{LOOKUP_SEP}",
            item.lstrip("-"),
            descending != (item[:1] == "-"),
            depth + 1,
        )
    return keys


def _rows_sql(table, queryset, line, *, written_before_sorting=False):
    """The SQL of the export's rows in the list's order: the SQL expressions (a list) that
    `line(values, literal)` makes of each row's exported values (a list of (column, SQL)
    pairs: a choice's label, the areas joined, …), where `literal(sql, params)` puts
    parameters in as literals, so that a format may write a value more than once (to test
    it, then to show it).

    The list's own values (`t`: c0, c1, … and the ordering keys o0, o1, …) are joined
    with what a column's display needs from other tables (a request's areas, once per
    export rather than once per row) and sorted, then each row is written from the sorted
    rows: sorting narrow rows, not long finished ones, halved the query. A format whose
    rows come out short (CSV's) is `written_before_sorting` instead: PostgreSQL's
    parallel worker then writes half the rows, where above the sort only the one
    process sending them would (50,050 requests: the CSV's build went from 2.9 to 2.55
    times its COPY floor; the sheet's longer rows went from 3.7 to 4.0, so it sorts first)."""
    fields = list(dict.fromkeys(f for column in table.columns for f in column.fields))
    where = {name: f"c{index}" for index, name in enumerate(fields)}
    keys, directions = _ordering_keys(queryset)
    values = (
        table.prepare(queryset)
        .annotate(**table.annotations)
        .annotate(**keys)
        .order_by()
        .values_list(*fields, *keys)
    )
    inner, params = values.query.sql_with_params()
    names = [*where.values(), *(f"o{index}" for index in range(len(keys)))]
    compose = connections[queryset.db].ops.compose_sql

    def literal(sql, params):
        # Written in, then ready for one more pass of %-formatting (the next literal(),
        # or _copy's): a "%" in a value, as in a label "100% funded", stays a "%".
        return compose(sql, params).replace("%", "%%") if params else sql

    # What the written rows read: the sorted rows (s), or the list's rows and joins.
    row, joined_row = ("t.", "{alias}.names") if written_before_sorting else ("s.", "s.{alias}")
    joins, join_params, shown = [], [], []
    for index, column in enumerate(table.columns):
        refs = [f"{row}{where[name]}" for name in column.fields]
        if hasattr(column.display, "join"):
            alias = f"j{index}"
            sql, column_params = column.display.join(alias, where[column.fields[0]])
            joins.append((alias, sql))
            join_params += column_params
            refs = [joined_row.format(alias=alias)]
        sql, sql_params = column.display.sql(*refs) if column.display else (refs[0], [])
        shown.append((column, literal(sql, sql_params)))
    order = ", ".join(f"o{index}{direction}" for index, direction in enumerate(directions))
    keys_out = ", ".join(f"o{index}" for index in range(len(keys)))
    source = f"FROM ({inner}) AS t ({', '.join(names)}) {' '.join(sql for _, sql in joins)}"
    if written_before_sorting:
        written = line(shown, literal)
        aliases = [f"x{index}" for index in range(len(written))]
        selected = ", ".join(
            f"{sql} AS {alias}" for sql, alias in zip(written, aliases, strict=True)
        )
        sorted_rows = f"SELECT {selected}, {keys_out} {source}"
        sent = ", ".join(aliases)
    else:
        joined = "".join(f", {alias}.names AS {alias}" for alias, _ in joins)
        sorted_rows = f"SELECT t.*{joined} {source}"
        sent = ", ".join(line(shown, literal))
    # OFFSET 0: sorted here, and PostgreSQL knows the rows come out in this order.
    return (
        f"SELECT {sent} FROM ({sorted_rows} ORDER BY {order} OFFSET 0) AS s ORDER BY {order}",
        [*params, *join_params],
    )


# The code points of FORMULA_PREFIXES: testing a text's first one with ascii() took a
# sixth of the CSV's query where left() and six text comparisons had.
_FORMULA_CODES = ", ".join(str(ord(prefix)) for prefix in FORMULA_PREFIXES)


def _neutralised_sql(value):
    return f"CASE WHEN ascii({value}) IN ({_FORMULA_CODES}) THEN '''' || {value} ELSE {value} END"


def _csv_value_sql(column, value):
    if column.kind == DATETIME:
        return f"to_char({value} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI')", [settings.TIME_ZONE]
    if column.kind == DATE:
        return f"to_char({value}, 'YYYY-MM-DD')", []
    if column.kind == NUMBER:
        return f"{value}::text", []
    return _neutralised_sql(f"{value}::text"), []


def _copy(sql, params, output, using, on_row=None):
    """COPY the query's result to `output`, calling `on_row(rows so far)` as rows arrive."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # One long query: compiling it (JIT) took longer than running it, and its sort
        # would spill to disk in the default work_mem.
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"
        )
        query = cursor.cursor.mogrify(sql, params).decode()
        cursor.cursor.copy_expert(query, _Rows(output, on_row) if on_row else output)


class _Rows:
    """Passes COPY's output on, counting rows: PostgreSQL sends each row on its own."""

    def __init__(self, output, on_row):
        self.output, self.on_row, self.count = output, on_row, 0

    def write(self, data):
        self.count += 1
        self.on_row(self.count)
        return self.output.write(data)


def copy_csv(table, queryset, output, on_row=None):
    """Write the export as CSV to the binary file `output`: the header from here, every row
    by PostgreSQL's own CSV writer."""
    rows, params = _rows_sql(
        table,
        queryset,
        lambda values, literal: [
            literal(*_csv_value_sql(column, value)) for column, value in values
        ],
        written_before_sorting=True,
    )
    output.write("".join(csv_lines(table, rows=[])).encode("utf-8"))
    _copy(f"COPY ({rows}) TO STDOUT WITH (FORMAT csv)", params, output, queryset.db, on_row)


def _xml_text_sql(value):
    """Text for an XML element: &, < and > escaped; line breaks as an XML reader would read
    them (CR LF and CR as LF), written as character references so each row is one line."""
    for plain, escaped in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("\\r\\n", "\\n"),
        ("\\r", "\\n"),
        ("\\n", "&#10;"),
    ):
        quoted = f"E'{escaped}'" if escaped.startswith("\\") else f"'{escaped}'"
        value = f"replace({value}, E'{plain}', {quoted})"
    return value


def _xlsx_value_sql(column, value):
    """The text of a number, date or datetime cell's value in the sheet's XML."""
    if column.kind == NUMBER:
        return f"{value}::text", []
    if column.kind == DATE:
        return f"({value} - date '1899-12-30')::text", []
    # A datetime is a number of days since 1899-12-30, in local wall-clock time, to as many
    # places as a float holds (ten would move a time that ends in half a millisecond).
    seconds = f"extract(epoch FROM ({value} AT TIME ZONE %s) - timestamp '1899-12-30')"
    return f"round({seconds} / 86400, 15)::text", [settings.TIME_ZONE]


def _xlsx_cell_sql(column, value, *, checked=True):
    """One cell's XML (and parameters): an empty cell is `<c/>`. No cell or row says where
    it is (`r`): each follows the one before, which a reader takes as its place. Text is
    `checked` (cleaned, quoted and escaped where it needs it) unless its row needs none."""
    if column.kind == TEXT:
        text = f"{value}::text"
        if checked:
            cleaned = f"regexp_replace({text}, {_ILLEGAL}, '', 'g')"
            escaped = _xml_text_sql(_neutralised_sql(cleaned))
            text = f"CASE WHEN {text} ~ {_NEEDS_WORK} THEN {escaped} ELSE {text} END"
        # An empty text is an empty cell, as openpyxl leaves it.
        shown, params = f"nullif({text}, '')", []
        opening, closing = '<c t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"
    else:
        shown, params = _xlsx_value_sql(column, value)
        style = {NUMBER: "", DATE: ' s="1"', DATETIME: ' s="2"'}[column.kind]
        opening, closing = f"<c{style}><v>", "</v></c>"
    # || gives NULL for a NULL value, which coalesce() turns into the empty cell.
    return f"coalesce('{opening}' || {shown} || '{closing}', '<c/>')", params


def _xlsx_row_sql(values, literal):
    """A row of the sheet as one line of XML (a list of one expression, for `_rows_sql`).
    Its text is looked at once, all together: most rows need nothing done (no character a
    workbook cannot hold, nothing to escape, no formula), and only the rest have each
    text checked. The test may find work where there is none (a "|=" inside a text),
    never the other way round."""

    def cells(checked):
        return " || ".join(
            literal(*_xlsx_cell_sql(column, value, checked=checked)) for column, value in values
        )

    texts = [f"{value}::text" for column, value in values if column.kind == TEXT]
    if not texts:
        return [f"'<row>' || {cells(False)} || '</row>'"]
    return [
        f"CASE WHEN concat_ws('|', {', '.join(texts)}) ~ {_ROW_NEEDS_WORK} "
        f"THEN '<row>' || {cells(True)} || '</row>' "
        f"ELSE '<row>' || {cells(False)} || '</row>' END"
    ]


def copy_xlsx(table, queryset, output, on_row=None):
    """Write the export as an .xlsx workbook to the binary file `output`: the package from
    here, every row of the sheet as XML from PostgreSQL."""
    rows, params = _rows_sql(table, queryset, _xlsx_row_sql)
    sql = f"COPY ({rows}) TO STDOUT {_AS_IS}"
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, text in _xlsx_parts(table).items():
            package.writestr(name, text)
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet, _Compressing(sheet) as rows:
            rows.write(_sheet_head(table).encode("utf-8"))
            _copy(sql, params, rows, queryset.db, on_row)
            rows.write(b"</sheetData></worksheet>")


class _Compressing:
    """Hands the rows to a thread of its own in blocks of about a megabyte, which writes
    (so compresses) them while PostgreSQL works out the next: zlib lets go of the GIL, so
    the two overlap. A failure in the thread is raised here when the rows end."""

    BLOCK = 1 << 20

    def __init__(self, sheet):
        self.sheet, self.parts, self.size = sheet, [], 0
        self.blocks = queue.Queue(maxsize=4)
        self.failure = None
        self.thread = threading.Thread(target=self._write, name="xlsx-compress", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def write(self, data):
        self.parts.append(data)
        self.size += len(data)
        if self.size >= self.BLOCK:
            self._hand_on()
        return len(data)

    def _hand_on(self):
        if self.failure is not None:
            raise self.failure
        self.blocks.put(b"".join(self.parts))
        self.parts, self.size = [], 0

    def _write(self):
        while (block := self.blocks.get()) is not None:
            if self.failure is None:
                try:
                    self.sheet.write(block)
                except BaseException as error:  # raised again in the writing thread
                    self.failure = error

    def __exit__(self, kind, error, traceback):
        try:
            if kind is None:
                self._hand_on()
        finally:
            self.blocks.put(None)
            self.thread.join()
        if kind is None and self.failure is not None:
            raise self.failure


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _xlsx_parts(table):
    """Every part of the workbook but the sheet's rows: one sheet, three cell styles."""
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    title = quoteattr(table.name.replace("-", " ").capitalize())
    return {
        "[Content_Types].xml": (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'{_XML}<Relationships xmlns="{_PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name={title} sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML}<Relationships xmlns="{_PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'{_XML}<styleSheet xmlns="{_MAIN}">'
            '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
            '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            "</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
    }


def _sheet_head(table):
    """The sheet's XML up to its first row of data: the frozen header row, column widths."""
    widths = "".join(
        f'<col min="{index}" max="{index}" width="{column.width}" customWidth="1"/>'
        for index, column in enumerate(table.columns, start=1)
    )
    header = "".join(
        f'<c r="{get_column_letter(index)}1" t="inlineStr"><is><t>{escape(column.header)}</t></is></c>'
        for index, column in enumerate(table.columns, start=1)
    )
    return (
        f'{_XML}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols>'
        f'<sheetData><row r="1">{header}</row>'
    )
