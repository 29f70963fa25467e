"""CSV and Excel exports of support requests and deployments.

The caller passes the queryset to export (the admin passes its changelist's,
already narrowed to the alliance scope, filters and search). Rows are read
with `values_list` over the joins each table needs, in one query streamed from
the database (a deployment's logged hours and its variations are subqueries
in it), plus one query for a request's areas of expertise: a fixed number of
queries whatever the row count.

Text that a spreadsheet would run as a formula (starting =, +, -, @, or a tab
or carriage return) is prefixed with a single quote.
"""

import csv
import datetime
import functools
import tempfile
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter

from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from deployments.models import Deployment, Variation, days_from_hours
from requests.models import Funding, SupportRequest

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def neutralise_formula(text):
    """Text a spreadsheet must show as typed, never run: '=1+1' becomes "'=1+1"."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class Column:
    header: str
    # The value exported, or a tuple of several that `display` combines into one.
    field: str | tuple
    # Turns the database value into the exported one (a choice's label, for example).
    display: object = None
    width: int = 14

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


def choice_label(choices):
    labels = dict(choices.choices)
    return lambda value, extras: labels.get(value, value)


def local_datetime(value, extras):
    return value.astimezone(_local_zone()) if value else None


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


def area_names(request_id, areas):
    return "; ".join(areas.get(request_id, ()))


def designation_sought(value, extras):
    if value == SupportRequest.DesignationSought.NOT_SURE:
        return SupportRequest.DesignationSought.NOT_SURE.label
    return value


REQUESTS = RequestTable(
    name="support-requests",
    model=SupportRequest,
    annotations={"export_school": Coalesce(F("school__name"), F("school_name_given"))},
    columns=(
        Column("Reference", "reference"),
        Column("Status", "status", choice_label(SupportRequest.Status), width=20),
        Column("Created", "created_at", local_datetime, width=17),
        Column("School", "export_school", width=36),
        Column("URN", "school__urn", width=9),
        Column("Local authority", "school__local_authority__name", width=20),
        Column("Alliance", "alliance__name", width=28),
        Column("Contact name", "contact_name", width=22),
        Column("Contact email", "contact_email", width=30),
        Column("Designation sought", "designation_sought", designation_sought),
        Column("Areas of expertise", "pk", area_names, width=40),
        Column("Estimated days", "estimated_days"),
        Column("Funding", "funding", choice_label(Funding), width=30),
        Column("Leaders needed", "leaders_wanted", width=10),
    ),
)


class DeploymentTable(ExportTable):
    def prepare(self, queryset):
        """Each deployment's logged hours, as a subquery of the one query."""
        return queryset.with_hours_logged()


D = Deployment.Status


def days_delivered(value, extras):
    """What ended work recorded; for work under way (or paused), what its log shows so far."""
    status, recorded, hours = value
    if status in Deployment.DELIVERED_STATUSES:
        return recorded
    if status in Deployment.LIVE_STATUSES:
        return days_from_hours(hours)
    return None


def only_when(status, display=None):
    """The value for deployments in `status` (the pause of work since resumed is history)."""

    def shown(value, extras):
        current, wanted = value
        if current != status:
            return None
        return display(wanted, extras) if display else wanted

    return shown


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
        Column("Agreed days", "agreed_days", width=12),
        Column("Start", "start_date", width=12),
        Column("End", "end_date", width=12),
        Column("Daily rate (£)", "daily_rate", width=14),
        Column("Brokerage fee (£ a day)", "brokerage_fee", width=14),
        Column("Funding source", "funding_source", choice_label(Funding), width=30),
        Column("Agreed at", "agreed_at", local_datetime, width=17),
        Column("Started", "started_at", local_datetime, width=17),
        Column(
            "Days delivered", ("status", "days_delivered", "hours_logged"), days_delivered, width=12
        ),
        Column(
            "Paused since",
            ("status", "paused_at"),
            only_when(D.PAUSED, local_datetime),
            width=17,
        ),
        Column("Expected to resume", ("status", "resume_expected"), only_when(D.PAUSED), width=12),
        Column("Why paused", ("status", "pause_reason"), only_when(D.PAUSED), width=40),
        Column("Stopped early on", "stopped_at", local_datetime, width=17),
        Column("Why it stopped", "stop_reason", choice_label(Deployment.StopReason), width=30),
        Column("Stop note", "stop_note", width=40),
        Column("Variations", "export_variations", width=10),
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


def xlsx_file(table, queryset):
    """The export as an .xlsx workbook in a temporary file, rewound and ready to send."""
    # The response streams the file and closes it, which deletes it.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_xlsx(table, output, rows=table.rows(queryset))
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
