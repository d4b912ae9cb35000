"""`momrel schema normalize FILE`: the canonical text of a schema file, for `git diff`.

Registered as a git textconv driver, so a reviewer's `git diff` shows what changed in the
schema and not how it was formatted: each statement is reprinted by pglast (PostgreSQL's
grammar, one clause per line), comments are dropped except rename annotations, which matter to
the migration and stay where they apply: a column's on the line above that column, a table's
(or one that applies to nothing) above its statement. The output is itself a schema file with
the same annotations, so normalizing it again changes nothing. A file that does not parse is
printed as is (a diff driver must never hide a change), with a note on stderr.
"""

from __future__ import annotations

import pglast
from pglast import ast, prettify

from momrel.schema.parse import ANNOTATION, SourceText

HEADER = "-- normalized by `momrel schema normalize` (git diff --no-textconv shows the raw file)"


def normalize(text: str) -> str:
    source = SourceText(text)
    lines = text.splitlines()
    pending = [n for n, line in enumerate(lines, start=1) if ANNOTATION.match(line)]
    out = [HEADER]
    for raw, statement in source.statements():
        last_line = source.line(raw.stmt_location + max(len(statement) - 1, 0))
        mine = [n for n in pending if n <= last_line]
        pending = [n for n in pending if n > last_line]
        columns = {source.line(c.location): c.colname for c in _column_definitions(raw.stmt)}
        # On the line of a CREATE TABLE, an annotation is the table's, as parse.py reads it.
        if isinstance(raw.stmt, ast.CreateStmt):
            columns.pop(source.line(source.start_of_statement(raw.stmt_location)), None)
        above, by_column = [], {}
        for number in mine:
            column = columns.get(_annotated_line(lines, number))
            if column is None:
                above.append(lines[number - 1].strip())
            else:
                by_column.setdefault(column, []).append(lines[number - 1].strip())
        pretty = prettify(statement, preserve_comments=False).rstrip().rstrip(";") + ";"
        out.append("")
        out += above
        out += _annotate_columns(pretty, by_column)
    return "\n".join(out) + "\n"


def _annotated_line(lines: list[str], number: int) -> int:
    """The line an annotation applies to: the next one that is not blank or a comment
    (parse.py's rule)."""
    following = number + 1
    while following <= len(lines) and (not lines[following - 1].strip()
                                       or lines[following - 1].strip().startswith("--")):
        following += 1
    return following


def _column_definitions(node) -> list[ast.ColumnDef]:
    """Columns defined by a CREATE TABLE or by an ALTER TABLE's ADD COLUMN."""
    if isinstance(node, ast.CreateStmt):
        return [e for e in node.tableElts or () if isinstance(e, ast.ColumnDef)]
    if isinstance(node, ast.AlterTableStmt):
        return [c.def_ for c in node.cmds or () if isinstance(c.def_, ast.ColumnDef)]
    return []


def _annotate_columns(pretty: str, by_column: dict[str, list[str]]) -> list[str]:
    """The reprinted statement's lines with each column's annotations on the line above it
    (found by parsing the reprinted text: where pglast put the column, not a guess)."""
    lines = pretty.splitlines()
    if not by_column:
        return lines
    printed = SourceText(pretty)
    at = {}
    for column in _column_definitions(pglast.parse_sql(pretty)[0].stmt):
        if column.colname in by_column:
            at[printed.line(column.location)] = by_column[column.colname]
    out = []
    for number, line in enumerate(lines, start=1):
        indent = line[:len(line) - len(line.lstrip())]
        out += [indent + annotation for annotation in at.get(number, ())]
        out.append(line)
    return out
