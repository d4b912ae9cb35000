"""The `--format json` document of a migration, and reading it back (`momrel schema apply`).

Format `momrel-migration`, version 1 (docs/schema-diff.md, "JSON"). It holds the model
(momrel.schema.migration) whole: statements with head, clauses, section, action, facet, object
key and hazards; the starting point; the endpoints; plus derived fields for scripts and people
(`sql`, `object`, `script`, counts). Reading it back checks types and enum values and refuses a
document whose derived fields disagree with the model (an edited `sql` or `script`), so what is
applied is what was planned and reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path

from momrel.bundle import strictjson
from momrel.bundle.fields import Field
from momrel.bundle.formats import DocumentFormat
from momrel.errors import MigrationFileError, MomrelError
from momrel.schema.migration import (Action, Endpoint, Facet, Hazard, HazardKind, Migration, Section,
                                     StartingPoint, Statement)
from momrel.schema.model import KINDS, describe

MIGRATION_FORMAT = DocumentFormat("momrel-migration", 1, "migration made by momrel schema diff --format json")
MAX_BYTES = 64 * 1024 * 1024


def to_data(migration: Migration) -> dict:
    from momrel.schema.render import hazard_count, render_sql

    def endpoint(e: Endpoint) -> dict:
        return {"spec": e.spec, "where": e.where, "path": e.path, "commit": e.commit,
                "sha256": e.sha256, "description": e.description}

    start = migration.start
    return {
        **MIGRATION_FORMAT.stamp(),
        "direction": migration.direction,
        "schema": migration.schema,
        "from": endpoint(migration.source),
        "to": endpoint(migration.result),
        "start": None if start is None else {
            "server_major": start.server_major, "sha256": start.sha256, "objects": start.objects},
        "verified": migration.verified,
        "checks": migration.checks,
        "notes": migration.notes,
        "scratch_server_version": migration.server_version,
        "seconds": round(migration.seconds, 3),
        "locations": {name: list(lines) for name, lines in migration.locations.items()},
        "statements": [{
            "sql": s.sql,
            "head": s.head,
            "clauses": list(s.clauses),
            "action": s.action.value,
            "object": describe(s.key),
            "key": list(s.key),
            "parent": None if s.parent is None else list(s.parent),
            "facet": None if s.facet is None else s.facet.value,
            "section": s.section.value,
            "line": migration.line_in_result(s.key) if s.action is not Action.DROP else None,
            "hazards": [{"kind": h.kind.value, "message": h.message} for h in s.hazards],
        } for s in migration.statements],
        "hazardous": len(migration.hazardous),   # statements that carry hazards
        "hazard_count": hazard_count(migration.statements),
        "script": render_sql(migration),
    }


def render_json(migration: Migration) -> str:
    return json.dumps(to_data(migration), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- reading back
class _Field(Field):
    """A value of a migration file; also reads object keys."""

    def __init__(self, value, path: str, error=None):
        super().__init__(value, path, error or (lambda message: MigrationFileError(f"migration file: {message}")))

    def key(self, optional: bool = False) -> tuple | None:
        if optional and self.value is None:
            return None
        parts = [item.text() for item in self.items()]
        if not parts or parts[0] not in KINDS:
            raise self.fail("an object key such as [\"table\", \"dev\", \"files\"]")
        return tuple(parts)


def _endpoint(f: _Field) -> Endpoint:
    return Endpoint(f.get("spec").text(), f.get("where").text(), f.get("path").text(),
                    f.get("commit").text(optional=True), f.get("sha256").text(),
                    f.get("description").text())


def _statement(f: _Field) -> Statement:
    statement = Statement(
        head=f.get("head").text(), action=f.get("action").choice(Action), key=f.get("key").key(),
        hazards=[Hazard(h.get("kind").choice(HazardKind), h.get("message").text())
                 for h in f.get("hazards").items()],
        section=f.get("section").choice(Section),
        clauses=tuple(c.text() for c in f.get("clauses").items()),
        facet=f.get("facet").choice(Facet, optional=True), parent=f.get("parent").key(optional=True))
    if f.get("sql").text() != statement.sql:
        raise MigrationFileError(f"migration file: {f.path}.sql is not its head and clauses: "
                                 "the file was edited; make the migration again")
    return statement


def _start(f: _Field) -> StartingPoint | None:
    if f.value is None:
        return None
    objects = f.get("objects")
    if not isinstance(objects.value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in objects.value.items()):
        raise objects.fail("an object of strings")
    return StartingPoint(f.get("server_major").integer(), f.get("sha256").text(), dict(objects.value))


def from_data(data) -> Migration:
    from momrel.schema.render import render_sql

    doc = _Field(data, "$")
    problem = MIGRATION_FORMAT.problem(data)
    if problem:
        raise MigrationFileError(f"migration file: {problem}")
    locations = doc.get("locations")
    if not isinstance(locations.value, dict):
        raise locations.fail("an object")
    migration = Migration(
        schema=doc.get("schema").text(),
        direction=doc.get("direction").text(),
        source=_endpoint(doc.get("from")),
        result=_endpoint(doc.get("to")),
        statements=[_statement(s) for s in doc.get("statements").items()],
        start=_start(doc.get("start")),
        server_version=doc.get("scratch_server_version").text(),
        verified=doc.get("verified").boolean(),
        checks=[c.text() for c in doc.get("checks").items()],
        notes=[n.text() for n in doc.get("notes").items()],
        locations={name: tuple(_line(v) for v in _Field(value, f"$.locations.{name}").items())
                   for name, value in locations.value.items()},
    )
    if migration.direction not in ("up", "down"):
        raise doc.get("direction").fail("'up' or 'down'")
    if doc.get("script").text() != render_sql(migration):
        raise MigrationFileError("migration file: $.script is not what its statements render to: "
                                 "the file was edited; make the migration again")
    return migration


def _line(f: _Field) -> int | None:
    return None if f.value is None else f.integer()


def read_migration(path: Path) -> Migration:
    """A migration JSON file, read back into the model; one-line errors for anything else."""
    try:
        with open(path, "rb") as stream:
            raw = strictjson.read_bounded(stream.read, MAX_BYTES, str(path))
    except OSError as exc:
        raise MigrationFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except MomrelError as exc:  # too large
        raise MigrationFileError(str(exc)) from None
    return migration_from_bytes(raw, str(path))


def migration_from_bytes(raw: bytes, label: str) -> Migration:
    """The model from a migration file's bytes (one a system package holds, for instance)."""
    try:
        data = strictjson.loads(raw, label)
    except MomrelError as exc:  # not UTF-8, not (strict) JSON: not a migration file
        raise MigrationFileError(str(exc)) from None
    return from_data(data)
