"""`momrel schema normalize FILE`: the canonical text of a schema file, for `git diff`.

Registered as a git textconv driver, so a reviewer's `git diff` shows what changed in the
schema and not how it was formatted: each statement is reprinted by pglast (PostgreSQL's
grammar, one clause per line), comments are dropped except rename annotations, which matter to
the migration and are kept above their statement. A file that does not parse is printed as is
(a diff driver must never hide a change), with a note on stderr.
"""

from __future__ import annotations

from pglast import prettify

from momrel.schema.parse import SourceText

HEADER = "-- normalized by `momrel schema normalize` (git diff --no-textconv shows the raw file)"


def normalize(text: str) -> str:
    source = SourceText(text)
    annotations: dict[int, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "@renamed" in line and line.strip().startswith("--"):
            annotations.setdefault(number, []).append(line.strip())
    out = [HEADER]
    pending = sorted(annotations)
    for raw, statement in source.statements():
        last_line = source.line(raw.stmt_location + max(len(statement) - 1, 0))
        kept = [annotations[n][0] for n in pending if n <= last_line]
        pending = [n for n in pending if n > last_line]
        out.append("")
        out += kept
        out.append(prettify(statement, preserve_comments=False).rstrip().rstrip(";") + ";")
    return "\n".join(out) + "\n"
