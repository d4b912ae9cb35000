"""The one CSV dialect of a package: what PostgreSQL's `COPY ... TO STDOUT (FORMAT csv, HEADER)`
writes, checked so that `COPY ... FROM` on the target reads exactly the records counted here.

PostgreSQL and Python's csv module disagree on text that COPY never writes: a `"` inside an
unquoted field starts a quoted section for PostgreSQL and is a plain character for Python, so
one CSV could count 120 rows here and load 119 there. Accepting only COPY's own output form
removes every such difference (docs/file-package.md, "The CSV files"):

- records end with `\\n`; a field is either unquoted (no `"`, `,`, `\\r` or `\\n` in it) or
  quoted from its first to its last character, with every `"` inside doubled;
- valid UTF-8, no NUL byte, no record that is just `\\.` (COPY's end-of-data marker);
- no record longer than MAX_RECORD_BYTES, so memory stays bounded whatever the file holds.

The check streams: one record in memory at a time.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from momrel.errors import MomrelError

# PostgreSQL accepts fields up to 1 GB; a package record this long is far past any Momentry row
# and is refused rather than held in memory.
MAX_RECORD_BYTES = 64 * 1024 * 1024

_QUOTED = rb'"[^"]*(?:""[^"]*)*"'
_UNQUOTED = rb'[^",\r\n]*'
_FIELD = rb"(?:" + _QUOTED + rb"|" + _UNQUOTED + rb")"
_RECORD = re.compile(_FIELD + rb"(?:," + _FIELD + rb")*\n")
_QUOTED_FIELD = re.compile(_QUOTED)


def check_csv(readline: Callable[[int], bytes], label: str, header: list[str],
              max_record: int = MAX_RECORD_BYTES) -> int:
    """Read a whole CSV through `readline(limit)`; return its number of data rows.

    `header` is the column list the first record must equal.
    """
    records = _records(readline, label, max_record)
    first = next(records, None)
    if first is None:
        raise MomrelError(f"{label}: is empty (no header)")
    found = _parse_header(first[1], label)
    if found != header:
        raise MomrelError(f"{label}: columns {found} differ from metadata.json {header}")
    rows = 0
    for number, record in records:
        fields = _field_count(record, label, number)
        if fields != len(header):
            raise MomrelError(f"{label}: row {number - 1} has {fields} fields, expected {len(header)}")
        rows += 1
    return rows


def _records(readline, label: str, max_record: int):
    """(record number from 1, bytes) of each record; a record spans lines inside quotes."""
    number = 0
    while True:
        record = readline(max_record + 1)
        if not record:
            return
        number += 1
        # In COPY's form every quoted field opens and closes, and doubled quotes pair up: an
        # odd count means a quoted field goes on past this newline.
        quotes = record.count(b'"')
        while quotes % 2 and record.endswith(b"\n"):
            more = readline(max_record + 1 - len(record))
            if not more:
                break
            quotes += more.count(b'"')
            record += more
            if len(record) > max_record:
                break
        if len(record) > max_record:
            raise MomrelError(f"{label}: record {number} is longer than {max_record:,} bytes "
                              "(the limit for one CSV record)")
        if not record.endswith(b"\n"):
            if quotes % 2:
                raise MomrelError(f"{label}: record {number} opens a quoted field that never closes")
            raise MomrelError(f"{label}: record {number} does not end with a newline (truncated?)")
        yield number, record


def _field_count(record: bytes, label: str, number: int) -> int:
    if b"\x00" in record:
        raise MomrelError(f"{label}: record {number} holds a NUL byte")
    if record == b"\\.\n":
        raise MomrelError(f"{label}: record {number} is \\. (COPY's end-of-data marker)")
    try:
        record.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MomrelError(f"{label}: record {number} is not valid UTF-8 ({exc.reason})") from None
    if b'"' not in record:
        if b"\r" in record:
            raise MomrelError(f"{label}: record {number} holds a carriage return outside quotes")
        return record.count(b",") + 1
    if not _RECORD.fullmatch(record):
        raise MomrelError(f"{label}: record {number} is not in PostgreSQL's CSV form (a quote "
                          "inside an unquoted field, text after a closing quote, or a stray "
                          "carriage return)")
    return _QUOTED_FIELD.sub(b"", record).count(b",") + 1


def _parse_header(record: bytes, label: str) -> list[str]:
    _field_count(record, label, 1)
    # The record is in COPY's form, where Python's csv reads exactly what PostgreSQL reads.
    return next(csv.reader(io.StringIO(record.decode("utf-8"), newline="")))
