"""Load the national schools register (GIAS) CSV into LocalAuthority, Trust and School.

The whole file is read and checked before anything is written, then every
write happens in one transaction: a bad row is skipped and reported, never
half-saved, and a database failure leaves the database as it was.

The register is about 50,000 rows and re-imported often, so the importer works
in bulk: it loads what the database holds once (as plain values, not model
instances), compares each row with it, and writes only the schools that are
new or differ. Re-importing an unchanged file issues no INSERT or UPDATE at
all, so `imported_at` and `updated_at` keep meaning "when this school last
changed".
"""

import codecs
import csv
import datetime
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from . import gias
from .models import LocalAuthority, Phase, School, Trust
from .signals import register_imported

#: Schools written per INSERT statement.
BATCH_SIZE = 1000

_SMALL_INT_MAX = 32767
_INT_MAX = 2147483647
_DATE = re.compile(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})")


class RegisterFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, wrong header)."""


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

    Raises RegisterFileError, before writing anything, when the file is
    missing, is not text in a known encoding, or lacks the URN or
    EstablishmentName column. With `progress`, tqdm bars are drawn on
    `progress_file` (stderr by default).
    """
    path = Path(path)
    encoding, line_count = inspect_file(path)
    bar = _progress_factory(progress, progress_file)
    with path.open(encoding=encoding, newline="") as stream:
        register = read_register(stream, bar(total=max(line_count - 1, 0), desc="Reading"))
    result = ImportResult(skipped_rows=register.skipped)
    with transaction.atomic():
        la_ids = _upsert_codes(LocalAuthority, register.authorities, result, "local_authorities")
        trust_ids = _upsert_codes(Trust, register.trusts, result, "trusts")
        _save_schools(register, la_ids, trust_ids, result, bar)
    if result.changed:
        register_imported.send(sender=import_register, result=result)
    return result


# --- Reading the file ----------------------------------------------------------


def inspect_file(path: Path) -> tuple[str, int]:
    """Return the file's encoding and its number of lines, reading it once.

    The register is published in Windows-1252, but a file re-saved by a person
    is often UTF-8, with or without a byte-order mark. Valid UTF-8 is almost
    never valid-looking Windows-1252 by accident, so: a BOM means utf-8-sig,
    else the file is UTF-8 if it all decodes strictly, else Windows-1252.
    """
    if not path.is_file():
        raise RegisterFileError(f"No such file: {path}")
    utf8 = codecs.getincrementaldecoder("utf-8")()
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    is_utf8 = is_cp1252 = True
    lines = 0
    with path.open("rb") as raw:
        bom = raw.read(len(codecs.BOM_UTF8))
        if bom == codecs.BOM_UTF8:
            return "utf-8-sig", _count_lines(raw, bom)
        raw.seek(0)
        for chunk in iter(lambda: raw.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            is_utf8 = is_utf8 and _decodes(utf8, chunk)
            is_cp1252 = is_cp1252 and _decodes(cp1252, chunk)
    if is_utf8 and _decodes(utf8, b"", final=True):
        return "utf-8", lines
    if is_cp1252:
        return "cp1252", lines
    raise RegisterFileError(f"{path} is neither UTF-8 nor Windows-1252 text.")


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _count_lines(raw, already_read: bytes) -> int:
    return already_read.count(b"\n") + sum(
        chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b"")
    )


@dataclass
class Register:
    """The checked contents of a file, ready to compare with the database.

    `schools` maps URN to (line number, School field values by attname); the
    foreign keys hold register codes until the codes are resolved to ids.
    `fields` are the School attnames the file's columns can fill.
    """

    fields: list[str]
    schools: dict[int, tuple[int, dict]]
    skipped: list[tuple[int, str]]
    authorities: dict[int, str]
    trusts: dict[int, str]


def read_register(stream: TextIO, bar=None) -> Register:
    """Parse and check every row of an open register file."""
    reader = csv.reader(stream)
    header = [name.strip() for name in next(reader, [])]
    _check_header(header)
    columns = {name: i for i, name in enumerate(header) if name in _WANTED_COLUMNS}
    fields = [name for name, sources in FIELD_SOURCES.items() if sources & columns.keys()]
    register = Register(fields, {}, [], {}, {})
    for line, cells in _records(reader, bar):
        try:
            values = parse_row(cells, header, columns)
            _check_unique(values["urn"], register.schools)
        except RowError as error:
            register.skipped.append((line, str(error)))
            continue
        _collect_codes(values, register)
        register.schools[values["urn"]] = (line, values)
    if bar is not None:
        bar.close()
    return register


def _check_header(header: list[str]) -> None:
    missing = [name for name in (gias.URN, gias.NAME) if name not in header]
    if missing:
        found = ", ".join(header[:5]) or "nothing"
        raise RegisterFileError(
            f"This is not a register file: its header has no {' or '.join(missing)} column "
            f"(it starts with {found})."
        )


def _records(reader, bar) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, cells) for each non-blank record.

    A quoted cell may span lines, so a record's own line number is one past
    where the previous record ended, not `reader.line_num`.
    """
    last_line = reader.line_num
    for cells in reader:
        line = last_line + 1
        if bar is not None:
            bar.update(reader.line_num - last_line)
        last_line = reader.line_num
        if any(cells):
            yield line, cells


def _check_unique(urn: int, seen: dict[int, tuple[int, dict]]) -> None:
    if urn in seen:
        raise RowError(f"URN {urn} already appears on line {seen[urn][0]}")


def _collect_codes(values: dict, register: Register) -> None:
    """Note each LA and trust code with its name, for upserting before the schools.

    A school's row may leave the name blank; that never hides a name given
    for the same code on another row.
    """
    for name, names in (
        ("local_authority_id", register.authorities),
        ("trust_id", register.trusts),
    ):
        code_and_name = values.get(name)
        if code_and_name is not None:
            code, label = code_and_name
            values[name] = code
            if label or code not in names:
                names[code] = label


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


def _upsert_codes(model, names: dict[int, str], result: ImportResult, counter: str) -> dict:
    """Create or rename LocalAuthority or Trust rows by register code; return code -> id.

    A blank name in the file never overwrites a name we already have.
    """
    existing = dict(model.objects.values_list("code", "name"))
    new = [model(code=code, name=name) for code, name in names.items() if code not in existing]
    renamed = [
        code for code, name in names.items() if code in existing and name and name != existing[code]
    ]
    model.objects.bulk_create(new, batch_size=BATCH_SIZE)
    for code in renamed:
        model.objects.filter(code=code).update(name=names[code])
    setattr(result, f"{counter}_created", len(new))
    setattr(result, f"{counter}_renamed", len(renamed))
    return dict(model.objects.values_list("code", "id"))


def _save_schools(register: Register, la_ids: dict, trust_ids: dict, result, bar) -> None:
    """Compare each row with the database and write the new and changed schools."""
    phase_ids = _phase_ids()
    fields = register.fields
    existing = {
        row[0]: row[1:] for row in School.objects.values_list("urn", *fields[1:]).iterator(2000)
    }
    resolve = {"phase_id": phase_ids, "local_authority_id": la_ids, "trust_id": trust_ids}
    new, changed = [], []
    for urn, (_, values) in register.schools.items():
        for name, ids in resolve.items():
            if values.get(name) is not None:
                values[name] = ids[values[name]]
        current = existing.get(urn)
        if current is None:
            new.append(values)
        elif current != tuple(values[name] for name in fields[1:]):
            changed.append(values)
    result.created, result.updated = len(new), len(changed)
    result.unchanged = len(register.schools) - len(new) - len(changed)
    now = timezone.now()
    total = len(new) + len(changed)
    progress = bar(total=total, desc="Writing") if total else None
    _write(new, fields, now, progress, update=False)
    _write(changed, fields, now, progress, update=True)
    if progress is not None:
        progress.close()


def _phase_ids() -> dict[str, int]:
    ids = dict(Phase.objects.values_list("code", "id"))
    missing = set(Phase.Code.values) - ids.keys()
    if missing:
        raise RegisterFileError(
            f"The phases {', '.join(sorted(missing))} are not in the database: run migrate."
        )
    return ids


def _write(rows: list[dict], fields: list[str], now, progress, *, update: bool) -> None:
    """Insert, or upsert by URN, `rows` in batches, stamping imported_at.

    bulk_create fills created_at and updated_at itself (auto_now_add and
    auto_now run, unlike in bulk_update); an upsert keeps the row's created_at
    and takes the new updated_at. Only the file's own fields are updated:
    columns the file lacks are left as they are.
    """
    options = {}
    if update:
        options = {
            "update_conflicts": True,
            "unique_fields": ["urn"],
            "update_fields": [*_field_names(fields[1:]), "imported_at", "updated_at"],
        }
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        School.objects.bulk_create(
            [School(**values, imported_at=now) for values in batch],
            **options,
        )
        if progress is not None:
            progress.update(len(batch))


def _field_names(attnames: Iterable[str]) -> list[str]:
    """bulk_create's update_fields wants field names (phase), not attnames (phase_id)."""
    return [name.removesuffix("_id") for name in attnames]


def _progress_factory(enabled: bool, file: TextIO | None):
    """A tqdm constructor drawing on `file`, or doing nothing when progress is off."""

    def bar(*, total: int, desc: str):
        return tqdm(
            total=total,
            desc=desc,
            unit=" rows",
            file=file or sys.stderr,
            disable=not enabled,
            dynamic_ncols=True,
        )

    return bar
