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

A school that closes or moves local authority is flagged for the alliances with
open requests or leaders there (`services.school_changes_record`).
"""

import array
import datetime
import itertools
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import transaction
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
            writer = _Writer(fields, result, writing_bar)
            urns = _UrnLedger()
            for batch in _batches(_rows(records, header, columns, result)):
                for line, values in batch:
                    urns.add(values["urn"], line)
                writer.save(batch)
            urns.refuse_repeats()
    finally:
        reading_bar.close()
        writing_bar.close()
    if result.changed:
        register_imported.send(sender=import_register, result=result)
    return result


def _rows(records, header, columns, result) -> Iterator[tuple[int, dict]]:
    """(line, School field values) for each good row; bad ones go to `result.skipped_rows`."""
    for line, cells in records:
        try:
            yield line, parse_row(cells, header, columns)
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
    if len(cells) != len(header):
        raise RowError(f"has {len(cells)} cells but the header has {len(header)}")
    row = {name: cells[i].strip() for name, i in columns.items()}
    values = {}
    for name, parser in _PARSERS:
        if FIELD_SOURCES[name] & row.keys():
            values[name] = parser(row)
    return values


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
        if not value.isascii() or not value.isdigit() or int(value) > maximum:
            raise RowError(f"{column} {value!r} is not a whole number from 0 to {maximum}")
        return int(value)

    return parse


def _date(column: str) -> Callable[[dict], datetime.date | None]:
    def parse(row: dict) -> datetime.date | None:
        value = row.get(column, "")
        if not value:
            return None
        match = _DATE.fullmatch(value)
        if not match:
            raise RowError(f"{column} {value!r} is not a date like 31-12-2024")
        day, month, year = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day)
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
    name = " ".join(
        part for part in (row.get(gias.HEAD_FIRST_NAME), row.get(gias.HEAD_LAST_NAME)) if part
    )
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
    given for the same code on another row.
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
        new = [
            self.model(code=code, name=label)
            for code, label in names.items()
            if code not in self.known
        ]
        if new:
            self.model.objects.bulk_create(new)
            created = self.model.objects.filter(code__in=[obj.code for obj in new])
            for pk, code, label in created.values_list("pk", "code", "name"):
                self.known[code] = [pk, label]
                self.created.add(code)
        for code, label in names.items():
            pk, current = self.known[code]
            if label and label != current:
                self.model.objects.filter(pk=pk).update(name=label)
                self.known[code][1] = label
                if code not in self.created:
                    self.renamed.add(code)
        setattr(self.result, f"{self.counter}_created", len(self.created))
        setattr(self.result, f"{self.counter}_renamed", len(self.renamed))
        for values in rows:
            if values.get(name) is not None:
                values[name] = self.known[values[name][0]][0]


class _Writer:
    """Compares each batch of rows with the database and writes the new and changed schools."""

    def __init__(self, fields: list[str], result: ImportResult, progress):
        self.fields, self.result, self.progress = fields, result, progress
        self.compared = fields[1:]  # every field but the URN
        self.phase_ids = _phase_ids()
        self.authorities = _Codes(LocalAuthority, result, "local_authorities")
        self.trusts = _Codes(Trust, result, "trusts")
        self.now = timezone.now()

    def save(self, batch: Iterable[tuple[int, dict]]) -> None:
        # The same URN twice in a batch would fail the upsert: the later row stands in
        # until the URN ledger refuses the file.
        rows = {values["urn"]: values for _, values in batch}
        self.authorities.resolve(rows.values(), "local_authority_id")
        self.trusts.resolve(rows.values(), "trust_id")
        for values in rows.values():
            if values.get("phase_id") is not None:
                values["phase_id"] = self.phase_ids[values["phase_id"]]
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
