"""Reading a register file without trusting it: its encoding, its size, its header.

The importer goes through a file twice, and neither pass holds more than a
chunk of bytes or one record in memory:

1. `scan` reads the raw bytes in chunks to decide the encoding and to refuse
   a line too long to be a register row, before anything is parsed.
2. `records` yields the CSV records with every line and every cell bounded,
   so a damaged file (a quote never closed, a stray megabyte) is refused with
   its line number instead of filling the memory.

Every refusal is a `RegisterFileError` whose message is a sentence for the
person running the import.
"""

import codecs
import contextlib
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from . import gias

#: Bytes read from the file at a time.
CHUNK_SIZE = 1 << 16
#: A register line is about 2,000 characters (140 columns); nothing real is near this.
MAX_LINE_LENGTH = 65_536
#: The longest value we keep is 255 characters; the longest cell in a real file is shorter
#: than this.
MAX_CELL_LENGTH = 4_096
#: How many line numbers a message names before it says "and N more".
LINES_NAMED = 10

# Windows-1252 leaves five bytes undefined; a file holding one is in neither encoding.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
# Decoding with errors="surrogateescape" turns each byte that is not UTF-8 into one
# of these surrogates; any other character past ASCII came from valid UTF-8.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


class RegisterFileError(Exception):
    """The file as a whole cannot be imported; the message says why, as a sentence."""


@dataclass
class _Lines:
    """Line numbers found by the scan: the first few kept, all of them counted."""

    numbers: list[int] = field(default_factory=list)
    count: int = 0

    def add(self, line: int) -> None:
        if self.numbers and self.numbers[-1] == line:
            return
        self.count += 1
        if len(self.numbers) < LINES_NAMED:
            self.numbers.append(line)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        named = and_list([str(n) for n in self.numbers])
        rest = self.count - len(self.numbers)
        return f"{named} and {rest:,} more" if rest else named


@dataclass
class Scan:
    """What the bytes of a file say: its encoding and how many lines it has."""

    encoding: str
    lines: int


def scan(path: Path) -> Scan:
    """Decide the file's encoding and refuse lines that are too long, reading it once.

    The register is published in Windows-1252, but a file re-saved by a person
    is often UTF-8, with or without a byte-order mark. The rule is strict and
    per file: a file that is valid UTF-8 throughout is UTF-8; otherwise it is
    Windows-1252. A file holding both valid multi-byte UTF-8 and bytes that are
    not UTF-8 was damaged (one stray byte once turned 144 names into
    "St Maryâ€™s"), so it is refused, naming the lines; so is a file with a
    byte-order mark and a byte that is not UTF-8.
    """
    if not path.is_file():
        raise RegisterFileError(f"No such file: {path}")
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    not_utf8, not_cp1252 = _Lines(), _Lines()
    first_utf8_line = None
    line, length = 1, 0
    try:
        with path.open("rb") as raw:
            has_bom = raw.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
            if not has_bom:
                raw.seek(0)
            for chunk in _chunks(raw, decoder):
                # Python walks the lines of a chunk only where something is found.
                lengths = [len(part) for part in chunk.split("\n")]
                lengths[0] += length
                if max(lengths) > MAX_LINE_LENGTH:
                    longest = next(i for i, n in enumerate(lengths) if n > MAX_LINE_LENGTH)
                    raise RegisterFileError(line_too_long(line + longest))
                if first_utf8_line is None and (found := _first_utf8_multibyte(chunk)) >= 0:
                    first_utf8_line = line + chunk.count("\n", 0, found)
                at, at_line = 0, line
                for bad in _NOT_UTF8.finditer(chunk):
                    at_line += chunk.count("\n", at, bad.start())
                    at = bad.start()
                    not_utf8.add(at_line)
                    if ord(bad.group()) - 0xDC00 in _CP1252_UNDEFINED:
                        not_cp1252.add(at_line)
                line += len(lengths) - 1
                length = lengths[-1]
    except OSError as error:
        raise RegisterFileError(f"{path} cannot be read: {error.strerror or error}.") from None
    lines = line - 1 if length == 0 else line
    if not not_utf8:
        return Scan("utf-8-sig" if has_bom else "utf-8", lines)
    if has_bom:
        raise RegisterFileError(
            f"The file starts with a UTF-8 byte-order mark, but {_on_lines(not_utf8)} that are "
            "not UTF-8, so we cannot tell what those characters were. Save the file "
            "as UTF-8 again and re-import it."
        )
    if first_utf8_line is not None:
        raise RegisterFileError(
            f"The file mixes two encodings: line {first_utf8_line} is UTF-8, but "
            f"{_on_lines(not_utf8)} that are not UTF-8. Read as either encoding, some names would "
            "come out garbled, so nothing was imported. Save the whole file in one "
            "encoding (the register's own download is Windows-1252) and re-import it."
        )
    if not_cp1252:
        raise RegisterFileError(
            f"The file is neither UTF-8 nor Windows-1252 text: {_on_lines(not_cp1252)} "
            "that neither encoding uses."
        )
    return Scan("cp1252", lines)


def _first_utf8_multibyte(chunk: str) -> int:
    r"""Where the chunk's first character from valid multi-byte UTF-8 is, or -1.

    A search for "[\x80-\ud7ff\ue000-\U0010ffff]" at the speed of the codec: the
    only characters that ASCII with surrogateescape cannot encode are those past
    ASCII that are not escaped bytes, and decoding makes no other surrogate.
    """
    try:
        chunk.encode("ascii", "surrogateescape")
    except UnicodeEncodeError as error:
        return error.start
    return -1


def _chunks(raw, decoder) -> Iterator[str]:
    """The file's text, a chunk at a time; a character split across chunks is kept whole."""
    for chunk in iter(lambda: raw.read(CHUNK_SIZE), b""):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", True)


def _on_lines(lines: _Lines) -> str:
    return f"line {lines} has bytes" if lines.count == 1 else f"lines {lines} have bytes"


def line_too_long(line: int) -> str:
    return (
        f"Line {line} is longer than {MAX_LINE_LENGTH:,} characters, far more than any "
        "register row: the file is damaged or is not the register."
    )


def and_list(items: list[str]) -> str:
    """'1', '1 and 2', '1, 2 and 3'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# --- The records ---------------------------------------------------------------------


@contextlib.contextmanager
def records(path: Path, encoding: str, on_lines: Callable[[int], object] = lambda n: None):
    """Open the file and yield (header, iterator of (line number, cells)).

    The header must name URN and EstablishmentName, each column once. Blank
    records are left out. `on_lines(n)` is told how many lines each record
    took, for a progress bar.
    """
    with (
        _cell_limit(MAX_CELL_LENGTH),
        path.open(encoding=encoding, newline="") as stream,
    ):
        reader = csv.reader(_bounded_lines(stream))
        header = [name.strip() for name in _read(reader, lambda: next(reader, []), first_line=1)]
        check_header(header)
        yield header, _records(reader, on_lines)


def _records(reader, on_lines) -> Iterator[tuple[int, list[str]]]:
    """A quoted cell may span lines, so a record's own line number is one past
    where the previous record ended, not `reader.line_num`."""
    last_line = reader.line_num
    while True:
        cells = _read(reader, lambda: next(reader, None), first_line=last_line + 1)
        if cells is None:
            return
        line = last_line + 1
        on_lines(reader.line_num - last_line)
        last_line = reader.line_num
        if any(cells):
            yield line, cells


def _read(reader, read, *, first_line: int):
    """One record from the reader, with its failures told as sentences."""
    try:
        return read()
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            where = (
                f"line {reader.line_num}"
                if reader.line_num == first_line
                else f"the record starting on line {first_line} (by line {reader.line_num}; "
                "a quote that is never closed does this)"
            )
            raise RegisterFileError(
                f"A cell on {where} is longer than {MAX_CELL_LENGTH:,} characters, far more "
                "than any register cell: the file is damaged or is not the register."
            ) from None
        raise RegisterFileError(
            f"Line {reader.line_num} cannot be read as CSV ({error})."
        ) from None
    except UnicodeDecodeError:
        # The scan read the same bytes cleanly: the file changed under us.
        raise RegisterFileError(
            f"Line {reader.line_num + 1} no longer reads as it did a moment ago: "
            "was the file changed during the import?"
        ) from None


def _bounded_lines(stream: TextIO) -> Iterator[str]:
    """The stream's lines, never reading more than one line's limit into memory."""
    line = 0
    # A line may end in "\r\n"; the scan did not count the "\n".
    while text := stream.readline(MAX_LINE_LENGTH + 2):
        line += 1
        if len(text) > MAX_LINE_LENGTH + 1:
            raise RegisterFileError(line_too_long(line))
        yield text


@contextlib.contextmanager
def _cell_limit(limit: int):
    """csv's cell limit is one for the whole process: set it for the import, then put it back."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def check_header(header: list[str]) -> None:
    """Refuse a header without URN or EstablishmentName, or naming a column twice."""
    missing = [name for name in (gias.URN, gias.NAME) if name not in header]
    if missing:
        found = ", ".join(header[:5]) or "nothing"
        raise RegisterFileError(
            f"This is not a register file: its header has no {' or '.join(missing)} column "
            f"(it starts with {found})."
        )
    positions: dict[str, list[str]] = {}
    for position, name in enumerate(header, start=1):
        positions.setdefault(name, []).append(str(position))
    repeated = [
        f"{name or 'a blank name'} in columns {and_list(where)}"
        for name, where in positions.items()
        if len(where) > 1
    ]
    if repeated:
        raise RegisterFileError(
            f"The header names a column more than once ({'; '.join(repeated)}), so we "
            "cannot tell which to read. Remove the extra column and re-import the file."
        )
