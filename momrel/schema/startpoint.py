"""Where a migration starts: the FROM schema as the catalog sees it, as digests per object.

A migration is planned and verified against the FROM schema loaded into a scratch database.
Run on a database whose schema is anywhere else, its statements may fail half-way or, worse,
succeed and produce something nobody checked. So a migration carries a digest of every object
of its target schema at FROM (pg-schema-diff's "schema hash"), and the executor refuses a
database that does not digest the same, naming the first object that differs. Only the target
schema is covered: the other schemas of a database (prod's `public` beside `dev`) are not the
migration's business. The server's major version is recorded too, because pg_get_*def output
can differ between major versions.

Tables momrel keeps in the target schema for itself (the release history of a host) are not
the schema's: `ignore_tables` leaves them out, with everything that belongs to them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

from momrel.schema.migration import StartingPoint
from momrel.schema.model import Catalog, Key, describe


def server_major(version: str) -> int:
    """16 from "16.2", 15 from "15.10 (Debian 15.10-0+deb12u1)"."""
    match = re.match(r"(\d+)", version or "")
    return int(match.group(1)) if match else 0


def _in_schema(key: Key, obj, schema: str) -> bool:
    if key[0] == "schema":
        return key[1] == schema
    if key[0] == "extension":
        return obj.schema == schema
    return key[1] == schema


def _belongs_to(catalog: Catalog, key: Key, tables: set[Key]) -> bool:
    """Whether `key` is one of `tables` or an object of one (a column, constraint, index,
    trigger, or a sequence owned by one of its columns)."""
    return key in tables or catalog.parent(key) in tables


def target_schema(catalog: Catalog, schema: str, ignore_tables: frozenset[str] = frozenset()) -> Catalog:
    """The objects of `schema` alone, without the tables named in `ignore_tables` and theirs."""
    tables = {("table", schema, name) for name in ignore_tables}
    objects = {key: obj for key, obj in catalog.objects.items()
               if _in_schema(key, obj, schema) and not _belongs_to(catalog, key, tables)}
    depends_on = {key: {target for target in targets if target in objects}
                  for key, targets in catalog.depends_on.items() if key in objects}
    return Catalog(objects, depends_on, catalog.server_version)


def _digested(f: dataclasses.Field, value) -> bool:
    """Compared fields, except those added to the model after migration files existed (view
    options, table storage parameters, privileges …) while they hold their default: so a
    migration planned by an earlier momrel still matches a database that uses none of them.
    `comment` was there from the start and is always digested."""
    if not f.compare:
        return False
    if f.name == "comment" or f.default is dataclasses.MISSING:
        return True
    return value != f.default


def _object_digest(obj) -> str:
    """The compared fields only: what the catalog comparison of verification looks at."""
    values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)
              if _digested(f, getattr(obj, f.name))}
    text = json.dumps(values, sort_keys=True, default=list, ensure_ascii=False)
    return hashlib.sha256(f"{type(obj).__name__}\n{text}".encode("utf-8")).hexdigest()[:16]


def starting_point(catalog: Catalog, schema: str,
                   ignore_tables: frozenset[str] = frozenset()) -> StartingPoint:
    objects = {describe(key): _object_digest(obj)
               for key, obj in target_schema(catalog, schema, ignore_tables).objects.items()}
    overall = hashlib.sha256("".join(f"{name}\t{digest}\n" for name, digest in sorted(objects.items()))
                             .encode("utf-8")).hexdigest()
    return StartingPoint(server_major(catalog.server_version), overall, dict(sorted(objects.items())))


def first_difference(expected: StartingPoint, actual: StartingPoint) -> str | None:
    """None when the database is where the migration starts, else one line naming why not."""
    if expected.server_major != actual.server_major:
        return (f"it was planned on PostgreSQL {expected.server_major} and this server runs "
                f"{actual.server_major} (catalog text differs between major versions: plan it again "
                f"with --scratch-url on a PostgreSQL {actual.server_major} server)")
    if expected.sha256 == actual.sha256:
        return None
    for name in sorted(expected.objects.keys() | actual.objects.keys()):
        if name not in actual.objects:
            return f"{name} is missing"
        if name not in expected.objects:
            return f"{name} is not in the migration's starting schema"
        if expected.objects[name] != actual.objects[name]:
            return f"{name} differs from the migration's starting schema"
    return "its schema digest differs from the migration's starting schema"
