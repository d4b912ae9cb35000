"""`momrel schema diff`: two schema sources → a verified, ordered migration.

parse (pglast, fail closed: only statements momrel models reach the server) → load each side into
a scratch database, both at once → read both catalogs → renames (declared, then derived) run on
the old side in a transaction rolled back after → plan (a momrel.schema.migration.Migration,
recording the old side's starting point) → verify: the executor (momrel.schema.apply) runs it in
the old side's database, the catalog is compared with the new one, a second diff must be empty;
with --down the reverse migration is verified the same way in the new side's database against
the old catalog, at the same time. Rendering (SQL, Markdown, JSON) comes last, from the verified
model.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

from momrel.errors import MigrationFailed, MomrelError, VerificationFailed
from momrel.schema import renames as rename_rules
from momrel.schema.apply import apply_migration
from momrel.schema.catalog import read_catalog
from momrel.schema.kinds import Context
from momrel.schema.migration import Endpoint, Migration, Statement
from momrel.schema.model import Catalog, describe
from momrel.schema.parse import ParsedSchema, parse_schema
from momrel.schema.plan import plan_changes
from momrel.schema.probe import Probe
from momrel.schema.scratch import ScratchServer, concurrently, connect_in_schema, load_schema
from momrel.schema.source import SchemaSource
from momrel.schema.startpoint import starting_point
from momrel.schema.verify import compare


def unmatched_renames(renames, old: Catalog, new: Catalog, applied: list[Statement], where: str,
                      old_spec: str) -> list[str]:
    """Annotations for objects that the migration creates instead of renaming: probably a typo,
    or an old name from another release than FROM. Reported, never guessed around."""
    renamed = {s.key for s in applied}
    notes = []
    for r in renames:
        if r.kind == "table":
            key, exists = ("table", r.schema, r.new), ("table", r.schema, r.new) in old.objects
        else:
            key = ("column", r.schema, r.table, r.new)
            exists = key in old.objects or ("table", r.schema, r.table) not in old.objects
        if not exists and key not in renamed and key in new.objects:
            notes.append(f"{where}:{r.line}: `@renamed from={r.old}` matched nothing in {old_spec}: "
                         f"{r.kind} {r.new} is created, not renamed")
    return notes


def plan_direction(conn, old: Catalog, new: Catalog, renames, target: str, probe,
                   notes: list[str] | None = None, where: str = "", old_spec: str = "") -> list[Statement]:
    """Renames, then the rest of the plan. The renames run on `conn` (the old side) so that
    PostgreSQL rewrites every definition naming the old names, in a transaction rolled back
    once the renamed side is read: the database stays at the old side, where verification
    runs the whole migration, renames included."""
    ident = Context(target, old, new).ident
    done: list[Statement] = []
    original = old
    with conn.transaction(force_rollback=True):
        for rule in (lambda c: rename_rules.declared_table_renames(renames, c, new, ident),
                     lambda c: rename_rules.declared_column_renames(renames, c, new, ident),
                     lambda c: rename_rules.derived_renames(c, new, ident)):
            statements = rule(old)
            if statements:
                for statement in statements:
                    conn.execute(statement.sql)
                for statement in statements:
                    statement.parent = new.parent(statement.key)
                old = read_catalog(conn)
                done += statements
    if notes is not None:
        notes += unmatched_renames(renames, original, new, done, where, old_spec)
    return done + plan_changes(old, new, target, probe)


def _locations(statements: list[Statement], source: ParsedSchema, result: ParsedSchema) -> dict:
    """Where reviewers find each changed object (and the table it belongs to) in both files."""
    keys = {s.key for s in statements} | {s.parent for s in statements if s.parent is not None}
    return {describe(key): (source.line_of(key), result.line_of(key)) for key in sorted(keys)}


def _migration(source: SchemaSource, result: SchemaSource, target: str, direction: str,
               statements: list[Statement], start: Catalog, source_parse: ParsedSchema,
               result_parse: ParsedSchema, server_version: str, notes: list[str]) -> Migration:
    return Migration(target, direction, Endpoint.of(source), Endpoint.of(result), statements,
                     start=starting_point(start, target), server_version=server_version,
                     notes=notes, locations=_locations(statements, source_parse, result_parse))


def diff_pair(old_source: SchemaSource, new_source: SchemaSource, target: str,
              scratch: ScratchServer, verify: bool = True) -> tuple[Migration, Migration]:
    """The up migration (old → new) and the down one (new → old), each verified on its own;
    both from one loading of the two sides (a system package ships both)."""
    up, down = _plan(old_source, new_source, target, scratch, down=True, verify=verify)
    return up, down


def diff(old_source: SchemaSource, new_source: SchemaSource, target: str, scratch: ScratchServer,
         down: bool = False, verify: bool = True) -> Migration:
    """The up migration, or with `down` the reverse one (both are planned and verified)."""
    up, reverse = _plan(old_source, new_source, target, scratch, down=down, verify=verify)
    return reverse if down else up


def _plan(old_source: SchemaSource, new_source: SchemaSource, target: str, scratch: ScratchServer,
          down: bool, verify: bool) -> tuple[Migration, Migration | None]:
    started = time.monotonic()
    reverse = None
    with _loaded_sides(old_source, new_source, target, scratch) as (old_parse, new_parse, url_a, url_b):
        with connect_in_schema(url_a, target, autocommit=True) as conn_a, \
                connect_in_schema(url_b, target, autocommit=True) as conn_b:
            catalog_a, catalog_b = concurrently(lambda: read_catalog(conn_a), lambda: read_catalog(conn_b))
            up_notes: list[str] = []
            up_statements = plan_direction(conn_a, catalog_a, catalog_b, new_parse.renames, target,
                                           Probe(conn_b), up_notes, new_source.where, old_source.spec)
            up = _migration(old_source, new_source, target, "up", up_statements, catalog_a,
                            old_parse, new_parse, scratch.version, up_notes)
            if down:
                down_statements = plan_direction(conn_b, catalog_b, catalog_a,
                                                 rename_rules.reversed_renames(new_parse.renames),
                                                 target, Probe(conn_a))
                reverse = _migration(new_source, old_source, target, "down", down_statements,
                                     catalog_b, new_parse, old_parse, scratch.version, up_notes)
        if verify:
            # Planning left both databases as loaded: each is the FROM side of one direction
            # (the executor's start check proves it), so both verify at once, in place.
            checks = concurrently(lambda: verify_in(url_a, up, catalog_b),
                                  *([lambda: verify_in(url_b, reverse, catalog_a)] if reverse else []))
            for migration in (up, reverse):
                if migration is not None:
                    migration.checks = checks
                    migration.verified = True
    for migration in (up, reverse):
        if migration is not None:
            migration.seconds = time.monotonic() - started
    return up, reverse


@contextlib.contextmanager
def _loaded_sides(old_source: SchemaSource, new_source: SchemaSource, target: str,
                  scratch: ScratchServer):
    """Each side parsed, then loaded into a scratch database of its own (only statements the
    parse admits reach the server); yields both parses and both URLs. The old side loads while
    the new one is parsed, the new one beside it. Errors come as when all ran in turn: parse
    errors (old, new), then a scratch database that cannot be created, then load errors."""
    old_parse = parse_schema(old_source.text, old_source.where, target)
    with contextlib.ExitStack() as stack:
        try:
            url_a, url_b = stack.enter_context(scratch.databases(2))
        except MomrelError:
            parse_schema(new_source.text, new_source.where, target)
            raise
        with ThreadPoolExecutor(max_workers=2) as pool:  # its exit waits for both loads
            loads = [pool.submit(load_schema, url_a, old_source.text, old_source.where, target)]
            new_parse = parse_schema(new_source.text, new_source.where, target)
            loads.append(pool.submit(load_schema, url_b, new_source.text, new_source.where, target))
        for load in loads:
            load.result()
        yield old_parse, new_parse, url_a, url_b


def verify_migration(migration: Migration, source: SchemaSource, expected: Catalog,
                     scratch: ScratchServer) -> str:
    """Build the FROM side in a scratch database, then check the migration there (verify_in)."""
    with scratch.database() as url:
        load_schema(url, source.text, source.where, migration.schema)
        return verify_in(url, migration, expected)


def verify_in(url: str, migration: Migration, expected: Catalog) -> str:
    """Run the migration on the scratch database at `url`, which holds its FROM side, through
    the executor an upgrade uses (start check included), and compare the catalog with
    `expected`; raise VerificationFailed, or return what was checked."""
    name = f"{migration.source.spec} → {migration.result.spec}"
    with connect_in_schema(url, migration.schema, autocommit=True) as conn:
        try:
            apply_migration(conn, migration)
        except MigrationFailed as failure:
            raise VerificationFailed(f"the migration failed in the scratch database at "
                                     f"`{failure.statement.first_line[:160]}`: {failure.cause}") from None
        actual = read_catalog(conn)
        problems = compare(actual, expected)
        if problems:
            raise VerificationFailed(
                f"verification failed ({name}): after the migration, {len(problems)} "
                f"object(s) differ from {migration.result.spec}: " + "; ".join(problems[:8]))
        again = plan_changes(actual, expected, migration.schema, Probe(conn))
        if again:
            raise VerificationFailed(
                f"verification failed ({name}): a second diff is not empty: "
                + "; ".join(s.first_line for s in again[:5]))
    return (f"{name}: applied to {migration.source.spec} in a scratch database by the migration "
            f"executor, the catalog equals {migration.result.spec}; a second diff is empty")
