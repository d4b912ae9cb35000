"""Render a migration: SQL (to run by hand), Markdown (to review in a pull request); JSON, the
model itself, is momrel.schema.migration_json.

SQL layout: a header naming both sources, then `SET search_path` (schema files are
schema-neutral), then up to three sections: enum values in their own transaction (a new value
cannot be used in the transaction that adds it), the main transaction, and statements that
PostgreSQL runs only outside a transaction. Each statement is preceded by its hazards.
"""

from __future__ import annotations

from psycopg import sql

from momrel.schema.migration import Action, Migration, Section, Statement
from momrel.schema.model import describe

SECTION_TITLES = {
    Section.PRE: "enum values: their own transaction, committed before anything uses them",
    Section.MAIN: "main transaction",
    Section.POST: "outside a transaction, one statement at a time (PostgreSQL requires it); "
          "re-running the script after a failure here is safe only from this point",
}


def hazard_count(statements: list[Statement]) -> int:
    return sum(len(s.hazards) for s in statements)


def hazard_summary(statements: list[Statement]) -> str:
    """How many statements, how many of them carry hazards, and how many hazards in all: a
    statement may carry several (a type change locks the table and rewrites it), and the
    listings show one line per hazard, so both counts are given."""
    hazardous = [s for s in statements if s.hazards]
    total = f"{len(statements)} statement{'s' if len(statements) != 1 else ''}"
    if not hazardous:
        return f"{total}, no hazards"
    hazards = hazard_count(hazardous)
    return (f"{len(hazardous)} of {total} {'carries' if len(hazardous) == 1 else 'carry'} "
            f"{hazards} hazard{'s' if hazards != 1 else ''}")


def _hazard_comment(statement: Statement) -> str:
    if not statement.hazards:
        return "-- hazards: none"
    return "\n".join(f"-- hazard {h.kind}: {h.message}" for h in statement.hazards)


def script_body(statements: list[Statement], target: str) -> str:
    """The executable part of the migration (what verification runs)."""
    lines = [sql.SQL("SET search_path TO {};").format(sql.Identifier(target)).as_string(None)]
    for section in Section:
        chosen = [s for s in statements if s.section is section]
        if not chosen:
            continue
        lines += ["", f"-- ===== {SECTION_TITLES[section]}"]
        if section is not Section.POST:
            lines.append("BEGIN;")
        for statement in chosen:
            lines += ["", _hazard_comment(statement), statement.sql.rstrip().rstrip(";") + ";"]
        if section is not Section.POST:
            lines += ["", "COMMIT;"]
    return "\n".join(lines) + "\n"


def _verification_line(migration) -> str:
    if not migration.verified:
        return "UNVERIFIED: verification was turned off (--no-verify); nothing checks this migration"
    return (f"verified in a scratch database (PostgreSQL {migration.server_version}): applied to the "
            f"old schema it gives the new one exactly; a second diff is empty")


def render_sql(migration: Migration) -> str:
    header = [
        f"-- momrel schema migration ({migration.direction}) for schema {migration.schema}",
        f"-- from: {migration.source.description}",
        f"-- to:   {migration.result.description}",
        f"-- {_verification_line(migration)}",
    ] + [f"-- note: {note}" for note in migration.notes]
    if not migration.statements:
        return "\n".join(header + ["-- no changes"]) + "\n"
    header.append(f"-- {hazard_summary(migration.statements)}")
    return "\n".join(header) + "\n\n" + script_body(migration.statements, migration.schema)


def _group_key(statement: Statement):
    """Review by object: a table's columns, constraints, indexes and triggers go under it."""
    return statement.parent or statement.key


def _where(endpoint, line: int | None) -> str:
    return f"{endpoint.where}:{line}" if line else endpoint.where


def _object_label(key) -> str:
    text = describe(key)
    kind, _, name = text.partition(" ")
    return f"{kind} `{name}`"


def render_markdown(migration: Migration) -> str:
    lines = [f"## Schema migration: `{migration.source.spec}` → `{migration.result.spec}` "
             f"(schema `{migration.schema}`)", "",
             f"- from: {migration.source.description}",
             f"- to: {migration.result.description}",
             f"- {'✅ ' if migration.verified else '⚠️ '}{_verification_line(migration)}"]
    lines += [f"- ⚠️ note: {note}" for note in migration.notes] + [""]
    if not migration.statements:
        return "\n".join(lines + ["No schema changes."]) + "\n"
    lines.append(f"**{hazard_summary(migration.statements)}.**")
    groups: dict = {}
    for statement in migration.statements:
        groups.setdefault(_group_key(statement), []).append(statement)
    sections = {"Added": [], "Changed": [], "Dropped": []}
    for key, statements in groups.items():
        if all(s.action is Action.DROP for s in statements) and statements[0].key == key:
            title = "Dropped"
        elif all(s.action in (Action.CREATE, Action.COMMENT) for s in statements) and \
                any(s.key == key and s.action is Action.CREATE for s in statements):
            title = "Added"
        else:
            title = "Changed"
        where = _where(migration.result, migration.line_in_result(key)) if title != "Dropped" else \
            f"was {_where(migration.source, migration.line_in_source(key))}"
        entry = [f"- {_object_label(key)} — {where}"]
        for statement in statements:
            detail = statement.sql.strip().splitlines()[0]
            if len(detail) > 110:
                detail = detail[:107] + "…"
            line = migration.line_in_result(statement.key)
            at = f" (line {line})" if line and statement.action is not Action.DROP and statement.key != key else ""
            entry.append(f"  - {statement.action} {_object_label(statement.key)}{at}: `{detail}`")
            for hazard in statement.hazards:
                entry.append(f"    - ⚠️ **{hazard.kind}**: {hazard.message}")
        sections[title].append("\n".join(entry))
    for title, entries in sections.items():
        if entries:
            lines += ["", f"### {title}", ""] + entries
    if migration.hazardous:
        lines += ["", "### Hazards", "", "One row per hazard.", "",
                  "| hazard | statement | why |", "|---|---|---|"]
        for statement in migration.hazardous:
            first = statement.sql.strip().splitlines()[0].replace("|", "\\|")
            for hazard in statement.hazards:
                lines.append(f"| {hazard.kind} | `{first[:80]}` | {hazard.message.replace('|', '/')} |")
    lines += ["", "<details><summary>Migration SQL</summary>", "", "```sql",
              render_sql(migration).rstrip(), "```", "", "</details>"]
    return "\n".join(lines) + "\n"
