"""Load the national schools register (GIAS) CSV into LocalAuthority, Trust and School.

The importer refuses what it cannot read correctly: a file whose encoding is
in doubt, a header naming a column twice, a URN on two rows, a cell or a line
too long to be the register (see `reading`). A refusal is a RegisterFileError
with a sentence saying why, and it changes nothing: the whole import is one
transaction. A bad row is skipped and reported, never half-saved.

The register is about 50,000 rows and re-imported often, so the importer
streams: it reads BATCH_SIZE rows, compares them with what the database holds
for those URNs (as plain values, not model instances), writes only the schools
that are new or differ, and moves on. Its memory does not grow with the file
but for 8 bytes a row, to find a URN on two rows. Re-importing an unchanged
file issues no INSERT or UPDATE at all, so `imported_at` and `updated_at` keep
meaning "when this school last changed".

Two writers do the comparing and writing, with the same results: on PostgreSQL,
`_CopyWriter` COPYs each batch into a staging table and upserts it in SQL,
whatever the file's size; on other databases `_Writer` compares in Python and
writes through the ORM (the portable path). Reading, parsing and
every per-line error are the same for both.

A school that closes or moves local authority is flagged for the alliances with
open requests or leaders there (`services.school_changes_record`).
"""

import array
import contextlib
import csv
import datetime
import functools
import io
import itertools
import operator
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from tqdm import tqdm

from . import gias, reading
from .models import LocalAuthority, Phase, School, Trust
from .reading import RegisterFileError
from .services import RegisterChange, school_changes_record
from .signals import register_imported

__all__ = ["ImportResult", "RegisterFileError", "RowError", "import_register"]

#: Rows read, compared and written at a time.
BATCH_SIZE = 2000
#: True makes PostgreSQL take the portable path too (tests compare the two paths).
PORTABLE_ONLY = False

_SMALL_INT_MAX = 32767
_INT_MAX = 2147483647
_DATE = re.compile(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})")


class RowError(ValueError):
    """One row cannot be imported; the message says why, for the person running it."""


@dataclass
class ImportResult:
    """What an import did. `skipped_rows` holds (CSV line number, reason) pairs."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    local_authorities_created: int = 0
    local_authorities_renamed: int = 0
    trusts_created: int = 0
    trusts_renamed: int = 0
    #: Schools that closed or moved local authority, flagged for their alliances.
    schools_flagged: int = 0

    @property
    def skipped(self) -> int:
        return len(self.skipped_rows)

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything at all."""
        return any(
            (
                self.created,
                self.updated,
                self.local_authorities_created,
                self.local_authorities_renamed,
                self.trusts_created,
                self.trusts_renamed,
            )
        )


def import_register(
    path: str | Path, *, progress: bool = False, progress_file: TextIO | None = None
) -> ImportResult:
    """Import the register file at `path` and say what changed.

    Raises RegisterFileError, having changed nothing, when the file cannot be
    read correctly (see the module's docstring). With `progress`, tqdm bars are
    drawn on `progress_file` (stderr by default).
    """
    path = Path(path)
    scanned = reading.scan(path)
    bar = _progress_factory(progress, progress_file)
    reading_bar = bar(total=max(scanned.lines - 1, 0), desc="Reading")
    writing_bar = bar(total=None, desc="Writing")
    result = ImportResult()
    try:
        with (
            transaction.atomic(),
            reading.records(path, scanned.encoding, reading_bar.update) as (header, records),
        ):
            columns = {name: i for i, name in enumerate(header) if name in _WANTED_COLUMNS}
            fields = [name for name, sources in FIELD_SOURCES.items() if sources & columns.keys()]
            urns = _UrnLedger()
            with _writer_for()(fields, result, writing_bar) as writer:
                for batch in _batches(_rows(records, header, columns, result)):
                    for line, values in batch:
                        urns.add(values["urn"], line)
                    writer.save(batch)
                writer.finish()
            urns.refuse_repeats()
    finally:
        reading_bar.close()
        writing_bar.close()
    if result.changed:
        register_imported.send(sender=import_register, result=result)
    return result


def _writer_for() -> type["_Writer"]:
    """COPY and SQL on PostgreSQL, for a file of any size; the ORM elsewhere.

    A file of a few rows (a hand-made correction) could go either way: its
    staging table's own statements cost a few milliseconds more on an unchanged
    file and save as much on a new one, and from about 100 rows COPY is the
    quicker (999 rows: 154 ms against 369 ms). One path on PostgreSQL means the
    one production uses is the one every import there takes.
    """
    if connection.vendor == "postgresql" and not PORTABLE_ONLY:
        return _CopyWriter
    return _Writer


def _rows(records, header, columns, result) -> Iterator[tuple[int, dict]]:
    """(line, School field values) for each good row; bad ones go to `result.skipped_rows`."""
    parse = row_parser(header, columns)
    for line, cells in records:
        try:
            yield line, parse(cells)
        except RowError as error:
            result.skipped_rows.append((line, str(error)))


def _batches(rows: Iterator) -> Iterator[list]:
    """Lists of BATCH_SIZE rows (itertools.batched, from Python 3.12)."""
    while batch := list(itertools.islice(rows, BATCH_SIZE)):
        yield batch


class _UrnLedger:
    """Each row's URN and line, in 8 bytes a row, to find a URN on two rows.

    The register has one row per URN. Two rows with one URN mean the file was
    joined or edited by hand, and nothing in it says which row is right, so the
    whole file is refused, naming both lines, rather than keeping one quietly.
    The rows are kept in buckets by URN, so sorting one at a time at the end
    needs little memory.
    """

    _BUCKETS = 256
    _LINE_BITS = 32

    def __init__(self):
        self._buckets = [array.array("Q") for _ in range(self._BUCKETS)]

    def add(self, urn: int, line: int) -> None:
        self._buckets[urn % self._BUCKETS].append(urn << self._LINE_BITS | line)

    def repeats(self) -> list[tuple[int, list[int]]]:
        """(URN, its lines) for each URN on more than one row, in file order."""
        found = []
        mask = (1 << self._LINE_BITS) - 1
        for bucket in self._buckets:
            for urn, entries in itertools.groupby(sorted(bucket), lambda e: e >> self._LINE_BITS):
                lines = [entry & mask for entry in entries]
                if len(lines) > 1:
                    found.append((urn, lines))
        return sorted(found, key=lambda repeat: repeat[1])

    def refuse_repeats(self) -> None:
        repeats = self.repeats()
        if not repeats:
            return
        named = [
            f"URN {urn} is on lines {reading.and_list([str(n) for n in lines])}"
            for urn, lines in repeats[: reading.LINES_NAMED]
        ]
        more = len(repeats) - len(named)
        raise RegisterFileError(
            f"{len(repeats):,} URN{'s appear' if len(repeats) > 1 else ' appears'} on more "
            f"than one row: {'; '.join(named)}{f'; and {more:,} more' if more else ''}. "
            "The register lists each school once, so the file was joined or edited and "
            "we cannot tell which row is right: nothing was imported."
        )


# --- Parsing one row -------------------------------------------------------------


def parse_row(cells: list[str], header: list[str], columns: dict[str, int]) -> dict:
    """Turn one record into School field values, or raise RowError saying why not.

    Only fields whose columns are in the file are returned, so a release that
    drops a column does not blank that field on every school.
    """
    return row_parser(header, columns)(cells)


def row_parser(header: list[str], columns: dict[str, int]) -> Callable[[list[str]], dict]:
    """`parse_row` for one file: which parsers run is decided once, not on every row."""
    width = len(header)
    positions = list(columns.items())
    parsers = [(name, parser) for name, parser in _PARSERS if FIELD_SOURCES[name] & columns.keys()]

    def parse(cells: list[str]) -> dict:
        if len(cells) != width:
            raise RowError(f"has {len(cells)} cells but the header has {width}")
        row = {name: cells[i].strip() for name, i in positions}
        return {name: parser(row) for name, parser in parsers}

    return parse


def _text(column: str, max_length: int) -> Callable[[dict], str]:
    def parse(row: dict) -> str:
        value = row.get(column, "")
        if len(value) > max_length:
            raise RowError(f"{column} is longer than {max_length} characters")
        if "\x00" in value:
            raise RowError(f"{column} contains a NUL character")
        return value

    return parse


def _integer(column: str, maximum: int = _INT_MAX) -> Callable[[dict], int | None]:
    def parse(row: dict) -> int | None:
        value = row.get(column, "")
        if not value:
            return None
        if value.isascii() and value.isdigit() and (number := int(value)) <= maximum:
            return number
        raise RowError(f"{column} {value!r} is not a whole number from 0 to {maximum}")

    return parse


def _date(column: str) -> Callable[[dict], datetime.date | None]:
    def parse(row: dict) -> datetime.date | None:
        value = row.get(column, "")
        if not value:
            return None
        match = _DATE.fullmatch(value)
        if not match:
            raise RowError(f"{column} {value!r} is not a date like 31-12-2024")
        day, month, year = match.groups()
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise RowError(f"{column} {value!r} is not a real date") from None

    return parse


def _urn(row: dict) -> int:
    value = row[gias.URN]
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= _INT_MAX:
        raise RowError(f"URN {value!r} is not a positive whole number")
    return int(value)


def _name(row: dict) -> str:
    name = _school_name(row)
    if not name:
        raise RowError("EstablishmentName is blank")
    return name


@functools.lru_cache(maxsize=1024)
def _normalise(label: str) -> str:
    """Lower case, no punctuation, single spaces: 'Open, but' matches 'open but'."""
    return " ".join(re.sub(r"[^\w\s]", " ", label.lower()).split())


_STATUSES = {_normalise(status.label): status.value for status in School.Status}


def _status(row: dict) -> str:
    value = row.get(gias.STATUS, "")
    if not value:
        raise RowError("EstablishmentStatus is blank")
    try:
        return _STATUSES[_normalise(value)]
    except KeyError:
        raise RowError(f"EstablishmentStatus {value!r} is not one we know") from None


_PHASES = {
    "nursery": Phase.Code.NURSERY,
    "primary": Phase.Code.PRIMARY,
    "middle deemed primary": Phase.Code.MIDDLE,
    "middle deemed secondary": Phase.Code.MIDDLE,
    "secondary": Phase.Code.SECONDARY,
    "all through": Phase.Code.ALL_THROUGH,
    "16 plus": Phase.Code.SIXTEEN_PLUS,
}


@functools.lru_cache(maxsize=1024)
def phase_code(phase: str, establishment_type: str, type_group: str) -> str | None:
    """Our Phase code for a register row, or None.

    How a school is matched with leaders depends on its setting before its
    age range: a special school or a pupil referral unit is one whatever
    phase the register gives it, so the type wins over PhaseOfEducation.
    Unrecognised phases, such as "Not applicable", have no phase.
    """
    kind = establishment_type.lower()
    if _normalise(type_group) == "special schools" or "special" in kind:
        return Phase.Code.SPECIAL
    if "pupil referral" in kind or "alternative provision" in kind:
        return Phase.Code.ALTERNATIVE_PROVISION
    return _PHASES.get(_normalise(phase))


def _phase(row: dict) -> str | None:
    """The Phase code; turned into an id when the rows are compared."""
    return phase_code(row.get(gias.PHASE, ""), row.get(gias.TYPE, ""), row.get(gias.TYPE_GROUP, ""))


def _code_and_name(code_column, name_column, maximum, name_length):
    code = _integer(code_column, maximum)
    name = _text(name_column, name_length)

    def parse(row: dict) -> tuple[int, str] | None:
        value = code(row)
        return None if value is None else (value, name(row))

    return parse


def _head_name(row: dict) -> str:
    first, last = row.get(gias.HEAD_FIRST_NAME), row.get(gias.HEAD_LAST_NAME)
    name = f"{first} {last}" if first and last else first or last or ""
    return _check_head_name({"head name": name})


def _max_length(field_name: str) -> int:
    return School._meta.get_field(field_name).max_length


_school_name = _text(gias.NAME, _max_length("name"))
_check_head_name = _text("head name", _max_length("head_name"))


def _simple_text(field_name: str, column: str) -> tuple[str, Callable, set[str]]:
    return field_name, _text(column, _max_length(field_name)), {column}


# School attname -> (parser, the columns it reads). parse_row runs them in this order.
_FIELD_SPECS = [
    ("urn", _urn, {gias.URN}),
    ("name", _name, {gias.NAME}),
    _simple_text("establishment_type", gias.TYPE),
    _simple_text("type_group", gias.TYPE_GROUP),
    ("status", _status, {gias.STATUS}),
    ("phase_id", _phase, {gias.PHASE, gias.TYPE, gias.TYPE_GROUP}),
    ("statutory_low_age", _integer(gias.LOW_AGE, _SMALL_INT_MAX), {gias.LOW_AGE}),
    ("statutory_high_age", _integer(gias.HIGH_AGE, _SMALL_INT_MAX), {gias.HIGH_AGE}),
    (
        "local_authority_id",
        _code_and_name(
            gias.LA_CODE,
            gias.LA_NAME,
            _SMALL_INT_MAX,
            LocalAuthority._meta.get_field("name").max_length,
        ),
        {gias.LA_CODE},
    ),
    _simple_text("region", gias.REGION),
    _simple_text("district", gias.DISTRICT),
    (
        "trust_id",
        _code_and_name(
            gias.TRUST_CODE, gias.TRUST_NAME, _INT_MAX, Trust._meta.get_field("name").max_length
        ),
        {gias.TRUST_CODE},
    ),
    _simple_text("street", gias.STREET),
    _simple_text("locality", gias.LOCALITY),
    _simple_text("town", gias.TOWN),
    _simple_text("postcode", gias.POSTCODE),
    _simple_text("telephone", gias.TELEPHONE),
    _simple_text("website", gias.WEBSITE),
    ("head_name", _head_name, {gias.HEAD_FIRST_NAME, gias.HEAD_LAST_NAME}),
    ("pupil_count", _integer(gias.PUPILS), {gias.PUPILS}),
    _simple_text("ofsted_rating", gias.OFSTED_RATING),
    ("ofsted_last_inspection", _date(gias.OFSTED_DATE), {gias.OFSTED_DATE}),
    ("easting", _integer(gias.EASTING), {gias.EASTING}),
    ("northing", _integer(gias.NORTHING), {gias.NORTHING}),
    ("open_date", _date(gias.OPEN_DATE), {gias.OPEN_DATE}),
    ("close_date", _date(gias.CLOSE_DATE), {gias.CLOSE_DATE}),
]
_PARSERS = [(name, parser) for name, parser, _ in _FIELD_SPECS]
FIELD_SOURCES = {name: frozenset(columns) for name, _, columns in _FIELD_SPECS}
_WANTED_COLUMNS = frozenset(gias.COLUMNS)


# --- Writing -------------------------------------------------------------------


class _Codes:
    """Local authorities or trusts by register code: created or renamed as rows name them.

    A blank name in the file never overwrites a name we already have, nor one
    given for the same code on another row. The codes are few (a few thousand
    in the register, whatever its length), so they are all kept in memory and
    each row's code is turned into an id here, not by the database.
    """

    def __init__(self, model, result: ImportResult, counter: str):
        self.model, self.result, self.counter = model, result, counter
        self.known = {
            code: [pk, name] for pk, code, name in model.objects.values_list("pk", "code", "name")
        }
        self.created, self.renamed = set(), set()

    def resolve(self, rows: Iterable[dict], name: str) -> None:
        """Replace (code, name) in each row's `name` field by the row's id, upserting first."""
        names = {}
        for values in rows:
            code_and_name = values.get(name)
            if code_and_name is not None:
                code, label = code_and_name
                if label or code not in names:
                    names[code] = label
        new = {code: label for code, label in names.items() if code not in self.known}
        if new:
            for pk, code, label in self._create(new):
                self.known[code] = [pk, label]
                self.created.add(code)
        renames = {}
        for code, label in names.items():
            pk, current = self.known[code]
            if label and label != current:
                renames[pk] = label
                self.known[code][1] = label
                if code not in self.created:
                    self.renamed.add(code)
        if renames:
            self._rename(renames)
        setattr(self.result, f"{self.counter}_created", len(self.created))
        setattr(self.result, f"{self.counter}_renamed", len(self.renamed))
        for values in rows:
            if values.get(name) is not None:
                values[name] = self.known[values[name][0]][0]

    def _create(self, names: dict[int, str]) -> Iterable[tuple[int, int, str]]:
        """Add these codes with their names; (pk, code, name) of each."""
        self.model.objects.bulk_create(
            [self.model(code=code, name=label) for code, label in names.items()]
        )
        return self.model.objects.filter(code__in=names).values_list("pk", "code", "name")

    def _rename(self, names: dict[int, str]) -> None:
        """Give the rows with these pks these names."""
        for pk, label in names.items():
            self.model.objects.filter(pk=pk).update(name=label)


class _SetCodes(_Codes):
    """_Codes for PostgreSQL: a batch's new codes in one INSERT, its renames in one UPDATE."""

    def _create(self, names):
        return self._send(
            "INSERT INTO {table} (code, name) "
            "SELECT * FROM unnest(%s::integer[], %s::text[]) RETURNING id, code, name",
            names,
        )

    def _rename(self, names):
        self._send(
            "UPDATE {table} AS t SET name = v.name "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, name) WHERE t.id = v.id",
            names,
        )

    def _send(self, statement: str, names: dict) -> list | None:
        """Run `statement` with the keys and the values of `names` as two arrays."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(statement.format(table=table), [list(names), list(names.values())])
            return cursor.fetchall() if cursor.description else None


class _Writer:
    """Compares each batch of rows with the database and writes the new and changed schools.

    The portable path, for every database: the comparison is made in Python and
    the writing by the ORM's bulk_create. _CopyWriter is the PostgreSQL one.
    """

    codes = _Codes

    def __init__(self, fields: list[str], result: ImportResult, progress):
        self.fields, self.result, self.progress = fields, result, progress
        self.compared = fields[1:]  # every field but the URN
        self.phase_ids = _phase_ids()
        self.authorities = self.codes(LocalAuthority, result, "local_authorities")
        self.trusts = self.codes(Trust, result, "trusts")
        self.now = timezone.now()

    def _resolve(self, batch: Iterable[tuple[int, dict]]) -> dict[int, dict]:
        """The batch's rows by URN, with codes and phases turned into ids."""
        # The same URN twice in a batch would fail the upsert: the later row stands in
        # until the URN ledger refuses the file.
        rows = {values["urn"]: values for _, values in batch}
        self.authorities.resolve(rows.values(), "local_authority_id")
        self.trusts.resolve(rows.values(), "trust_id")
        for values in rows.values():
            if values.get("phase_id") is not None:
                values["phase_id"] = self.phase_ids[values["phase_id"]]
        return rows

    def save(self, batch: Iterable[tuple[int, dict]]) -> None:
        rows = self._resolve(batch)
        existing = {
            urn: (pk, current)
            for urn, pk, *current in _schools_with(rows).values_list("urn", "pk", *self.compared)
            if urn in rows
        }
        new, changed, register_changes = [], [], []
        for urn, values in rows.items():
            if urn not in existing:
                new.append(values)
                continue
            pk, current = existing[urn]
            if current != [values[name] for name in self.compared]:
                changed.append(values)
                before = dict(zip(self.compared, current, strict=True))
                register_change = _register_change(pk, before, values)
                if register_change is not None:
                    register_changes.append(register_change)
        self.result.created += len(new)
        self.result.updated += len(changed)
        self.result.unchanged += len(rows) - len(new) - len(changed)
        self._write(new, update=False)
        self._write(changed, update=True)
        self.result.schools_flagged += school_changes_record(changes=register_changes)

    def finish(self) -> None:
        """Called once every batch is saved."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        """Whatever happened, nothing of the writer's is still running on the connection."""

    def _write(self, rows: list[dict], *, update: bool) -> None:
        """Insert, or upsert by URN, `rows`, stamping imported_at.

        bulk_create fills created_at and updated_at itself (auto_now_add and
        auto_now run, unlike in bulk_update); an upsert keeps the row's created_at
        and takes the new updated_at. Only the file's own fields are updated:
        columns the file lacks are left as they are.
        """
        if not rows:
            return
        options = {}
        if update:
            options = {
                "update_conflicts": True,
                "unique_fields": ["urn"],
                "update_fields": [*_field_names(self.compared), "imported_at", "updated_at"],
            }
        School.objects.bulk_create(
            [School(**values, imported_at=self.now) for values in rows], **options
        )
        self.progress.update(len(rows))


class _CopyWriter(_Writer):
    """The PostgreSQL path: each batch is COPY'd into a staging table and upserted in SQL.

    Building 2,000 School instances and compiling their INSERT took most of an
    import's time. Here a batch's parsed values are written as CSV text straight
    into a temporary table with the same columns as schools_school (the trust,
    local authority and phase already turned into ids), and the database does
    the rest:

    1. one SELECT joins the staging rows to the schools by URN and counts the
       new ones and the changed ones (`(columns) IS DISTINCT FROM (columns)`,
       which treats two NULLs as equal, as Python's == does None);
    2. when a school closed or moved local authority, a second SELECT gives
       those schools' old values, for the coordinators' flags;
    3. when anything is new or changed, one INSERT … SELECT … ON CONFLICT (urn)
       DO UPDATE … WHERE (columns) IS DISTINCT FROM (new columns) writes them.
       An unchanged batch sends no INSERT at all, so an unchanged file writes
       nothing and leaves updated_at alone, as on the portable path.

    These run in a worker thread, on the import's own connection, while the
    main thread reads and parses the next batch; the main thread waits for them
    before it touches the connection again, and counts the batch then. The
    staging table lives in the import's transaction (ON COMMIT DROP), so a
    failure rolls it back with everything else. At most two batches are in
    memory: the one being written and the one being read.
    """

    codes = _SetCodes
    staging = "import_schools_staging"

    def __init__(self, fields, result, progress):
        super().__init__(fields, result, progress)
        quote = connection.ops.quote_name
        by_attname = {f.attname: f for f in School._meta.concrete_fields}
        text = {f.attname for f in by_attname.values() if f.get_internal_type() == "CharField"}
        self.columns = [quote(by_attname[name].column) for name in fields]
        self.in_order = operator.itemgetter(*fields)
        compared = [quote(by_attname[name].column) for name in self.compared]
        stamps = ("imported_at", "created_at", "updated_at")
        # Columns the file does not have: a new school takes the model's default.
        absent = [f for f in by_attname.values() if f.attname not in (*fields, "id", *stamps)]
        self.defaults = [f.get_db_prep_save(f.get_default(), connection) for f in absent]
        school = quote(School._meta.db_table)
        staging = quote(self.staging)
        differs = (
            f"ROW({', '.join(f'e.{c}' for c in compared)}) IS DISTINCT FROM "
            f"ROW({', '.join(f's.{c}' for c in compared)})"
            if compared
            else "FALSE"
        )
        self.count_sql = (
            "SELECT count(*) FILTER (WHERE e.id IS NULL), "
            f"count(*) FILTER (WHERE e.id IS NOT NULL AND {differs}) "
            f"FROM {staging} s LEFT JOIN {school} e ON e.urn = s.urn"
        )
        self.flagged = [name for name in ("status", "local_authority_id") if name in self.compared]
        flagged = [quote(by_attname[name].column) for name in self.flagged]
        self.changed_sql = (
            f"SELECT e.id, {', '.join(f'e.{c}' for c in flagged)}, "
            f"{', '.join(f's.{c}' for c in flagged)} "
            f"FROM {staging} s JOIN {school} e ON e.urn = s.urn WHERE {differs}"
            if flagged
            else ""
        )
        inserted = [*self.columns, *(quote(f.column) for f in absent), *map(quote, stamps)]
        selected = [
            *(f"s.{c}" for c in self.columns),
            *(f"%s::{f.cast_db_type(connection)}" for f in absent),
            *(["%s::timestamp with time zone"] * len(stamps)),
        ]
        updated = [*compared, quote("imported_at"), quote("updated_at")]
        self.upsert_sql = (
            f"INSERT INTO {school} ({', '.join(inserted)}) "
            f"SELECT {', '.join(selected)} FROM {staging} s "
            f"ON CONFLICT (urn) DO UPDATE SET "
            f"{', '.join(f'{c} = EXCLUDED.{c}' for c in updated)} "
            + (
                f"WHERE ROW({', '.join(f'{school}.{c}' for c in compared)}) IS DISTINCT FROM "
                f"ROW({', '.join(f'EXCLUDED.{c}' for c in compared)})"
                if compared
                else "WHERE FALSE"
            )
        )
        text_columns = [quote(by_attname[name].column) for name in fields if name in text]
        self.copy_sql = (
            f"COPY {staging} ({', '.join(self.columns)}) FROM STDIN WITH (FORMAT csv"
            + (f", FORCE_NOT_NULL ({', '.join(text_columns)})" if text_columns else "")
            + ")"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {staging}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {', '.join(self.columns)} FROM {school} WITH NO DATA"
            )

    def save(self, batch):
        self._wait()
        rows = self._resolve(batch)
        buffer = io.StringIO()
        # An empty cell is NULL but for the text columns (FORCE_NOT_NULL), which
        # are never NULL; "\r\n" ends each line, so a "\r" in a cell is quoted.
        csv.writer(buffer, lineterminator="\r\n").writerows(map(self.in_order, rows.values()))
        buffer.seek(0)
        self.pending = self.worker.submit(self._write, buffer, len(rows))

    def _write(self, buffer: io.StringIO, size: int) -> tuple[int, int, int, list]:
        """In the worker thread, while the next batch is read: stage, count and upsert.

        Returns the batch's size, its new and changed rows, and (pk, old values,
        new values) of the changed schools whose status or local authority
        `_register_change` looks at.
        """
        staging = connection.ops.quote_name(self.staging)
        with self.db.cursor() as cursor:
            cursor.execute(f"TRUNCATE {staging}")
            # In one read: each read needs the GIL back from the thread that is parsing.
            cursor.copy_expert(self.copy_sql, buffer, len(buffer.getvalue()) + 1)
            cursor.execute(self.count_sql)
            new, changed = cursor.fetchone()
            flagged = []
            if changed and self.changed_sql:
                cursor.execute(self.changed_sql)
                flagged = cursor.fetchall()
            if new or changed:
                now = timezone.now()
                cursor.execute(self.upsert_sql, [*self.defaults, self.now, now, now])
        return size, new, changed, flagged

    def _wait(self) -> None:
        """Until the last batch is written, then count it; its error, if it failed, is raised."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        size, new, changed, flagged = pending.result()
        self.result.created += new
        self.result.updated += changed
        self.result.unchanged += size - new - changed
        self.progress.update(new + changed)
        width = len(self.flagged)
        register_changes = []
        for pk, *pair in flagged:
            before = dict(zip(self.flagged, pair[:width], strict=True))
            after = dict(zip(self.flagged, pair[width:], strict=True))
            register_change = _register_change(pk, before, after)
            if register_change is not None:
                register_changes.append(register_change)
        self.result.schools_flagged += school_changes_record(changes=register_changes)

    def finish(self):
        self._wait()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(self.staging)}")

    def __enter__(self):
        # Each batch is written (`_write`) in a thread of its own, on this same
        # connection and so in the same transaction, while the next batch is read
        # and parsed: PostgreSQL writes while Python reads. Nothing else uses the
        # connection until it is done (`_wait`).
        self.db = connections[DEFAULT_DB_ALIAS]
        self.db.inc_thread_sharing()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-schools")
        self.pending = None
        # Each time the worker's statement returns it waits for the GIL, which the
        # parsing thread gives up every switch interval (5 ms by default). At 0.5 ms a
        # batch's writing still took twice as long as alone (2.3 s against 1.3 s in
        # all, for 50,000 rows) and the parsing waited 1.1 s for it; at 0.1 ms the
        # writing keeps up (0.06 s of waiting) and the import took 3.2 s, not 4.4 s.
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self.switch_interval, 0.0001))
        return self

    def __exit__(self, *exc_info):
        try:
            if exc_info[0] is None:
                self._wait()
            else:  # the error on its way out says what went wrong first
                with contextlib.suppress(Exception):
                    self._wait()
        finally:
            self.worker.shutdown()
            self.db.dec_thread_sharing()
            sys.setswitchinterval(self.switch_interval)


def _schools_with(urns: dict[int, dict]):
    """The schools whose URNs are among `urns`, and perhaps a few more.

    The register is published in URN order, so a batch's URNs are usually a
    narrow range: asking for the range is cheaper than for 2,000 values.
    """
    low, high = min(urns), max(urns)
    if high - low < 8 * len(urns):
        return School.objects.filter(urn__range=(low, high))
    return School.objects.filter(urn__in=urns)


def _register_change(pk: int, before: dict, after: dict) -> RegisterChange | None:
    """What coordinators should hear of: the school closed, or moved local authority."""
    closed = (
        "status" in before
        and after["status"] == School.Status.CLOSED
        and before["status"] != School.Status.CLOSED
    )
    previous, now = before.get("local_authority_id"), after.get("local_authority_id")
    moved = previous is not None and now is not None and previous != now
    if not (closed or moved):
        return None
    return RegisterChange(
        school_id=pk,
        closed=closed,
        previous_local_authority_id=previous if moved else None,
        local_authority_id=now if moved else None,
    )


def _phase_ids() -> dict[str, int]:
    ids = dict(Phase.objects.values_list("code", "id"))
    missing = set(Phase.Code.values) - ids.keys()
    if missing:
        raise RegisterFileError(
            f"The phases {', '.join(sorted(missing))} are not in the database: run migrate."
        )
    return ids


def _field_names(attnames: Iterable[str]) -> list[str]:
    """bulk_create's update_fields wants field names (phase), not attnames (phase_id)."""
    return [name.removesuffix("_id") for name in attnames]


def _progress_factory(enabled: bool, file: TextIO | None):
    """A tqdm constructor drawing on `file`, or doing nothing when progress is off."""

    def bar(*, total: int | None, desc: str):
        return tqdm(
            total=total,
            desc=desc,
            unit=" rows",
            file=file or sys.stderr,
            disable=not enabled,
            dynamic_ncols=True,
        )

    return bar
