"""The release history of a database: which release its schema is at, and how it got there.

One table in the target schema, `momrel_release_history` (Flyway's schema history, for system
packages): a row per baseline or upgrade attempt, ranked in the order they were made. The
current version is the newest row that succeeded and was not rolled back; a failed attempt stays
on record without moving it. The table is momrel's, not the application's: the starting-point
check of a migration and the baseline's comparison leave it out (HISTORY_TABLE in their
`ignore_tables`).

`momrel system baseline` adopts a database made before momrel kept a history: it checks the live
schema is exactly the named release's, then records that release as the first row.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg import sql

from momrel import pg, tablefacts
from momrel.config import Config
from momrel.errors import BaselineRefused, UsageError
from momrel.gitrepo import Version

HISTORY_TABLE = "momrel_release_history"
KINDS = ("baseline", "upgrade")
# How many catalog differences a refused baseline names (the rest are counted).
SHOWN_DIFFERENCES = 3

_COLUMNS = ("rank", "version", "previous_version", "environment", "kind", "migration_sha256",
            "applied_at", "applied_by", "execution_ms", "success", "post_done", "rolled_back_at")


@dataclass(frozen=True)
class HistoryRow:
    rank: int
    version: str
    previous_version: str | None
    environment: str
    kind: str                       # baseline | upgrade
    migration_sha256: str | None    # of the up migration's JSON file; None for a baseline
    applied_at: datetime
    applied_by: str                 # database user @ the host that ran momrel
    execution_ms: int | None
    success: bool                   # the migration's transactional sections committed
    post_done: bool                 # and its non-transactional statements ran
    rolled_back_at: datetime | None

    def as_json(self) -> dict:
        data = {name: getattr(self, name) for name in _COLUMNS}
        for name in ("applied_at", "rolled_back_at"):
            data[name] = data[name].isoformat() if data[name] is not None else None
        return data


def _table(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, HISTORY_TABLE)


def ensure_history_table(conn: psycopg.Connection, schema: str) -> None:
    """Create the table in `schema` (which must exist) unless it is there."""
    conn.execute(sql.SQL("""
        CREATE TABLE IF NOT EXISTS {} (
            rank             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            version          text NOT NULL,
            previous_version text,
            environment      text NOT NULL,
            kind             text NOT NULL CHECK (kind IN ('baseline', 'upgrade')),
            migration_sha256 text,
            applied_at       timestamptz NOT NULL DEFAULT now(),
            applied_by       text NOT NULL,
            execution_ms     integer,
            success          boolean NOT NULL,
            post_done        boolean NOT NULL DEFAULT false,
            rolled_back_at   timestamptz
        )""").format(_table(schema)))


def has_history_table(conn: psycopg.Connection, schema: str) -> bool:
    return tablefacts.table_exists(conn, schema, HISTORY_TABLE)


def read_history(conn: psycopg.Connection, schema: str) -> list[HistoryRow]:
    """Every row, oldest first; [] when the table does not exist."""
    if not has_history_table(conn, schema):
        return []
    rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY rank").format(
        sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)), _table(schema))).fetchall()
    return [HistoryRow(*row) for row in rows]


def current_version(conn: psycopg.Connection, schema: str) -> str | None:
    """The version of the newest row that succeeded and was not rolled back, or None."""
    current = _current(conn, schema)
    return current[0] if current else None


def current_rank(conn: psycopg.Connection, schema: str) -> int | None:
    """The rank of that row (the one a rollback marks)."""
    current = _current(conn, schema)
    return current[1] if current else None


def _current(conn: psycopg.Connection, schema: str) -> tuple[str, int] | None:
    if not has_history_table(conn, schema):
        return None
    return conn.execute(sql.SQL("SELECT version, rank FROM {} WHERE success AND rolled_back_at IS NULL "
                                "ORDER BY rank DESC LIMIT 1").format(_table(schema))).fetchone()


def record(conn: psycopg.Connection, schema: str, *, version: str, environment: str, kind: str,
           success: bool, previous_version: str | None = None, migration_sha256: str | None = None,
           execution_ms: int | None = None, post_done: bool = False) -> int:
    """Insert a row (in the caller's transaction, if any); returns its rank."""
    if kind not in KINDS:
        raise ValueError(f"history kind {kind!r} is not one of {', '.join(KINDS)}")
    row = conn.execute(
        sql.SQL("INSERT INTO {} (version, previous_version, environment, kind, migration_sha256, "
                "applied_by, execution_ms, success, post_done) "
                "VALUES (%s, %s, %s, %s, %s, current_user || '@' || %s, %s, %s, %s) "
                "RETURNING rank").format(_table(schema)),
        (version, previous_version, environment, kind, migration_sha256, socket.gethostname(),
         execution_ms, success, post_done)).fetchone()
    return row[0]


def mark_success(conn: psycopg.Connection, schema: str, rank: int, execution_ms: int) -> None:
    """The migration's transactional sections committed (call it inside their transaction)."""
    _update(conn, schema, rank, sql.SQL("success = true, execution_ms = %s"), (execution_ms,))


def mark_post_done(conn: psycopg.Connection, schema: str, rank: int) -> None:
    """The non-transactional statements ran too."""
    _update(conn, schema, rank, sql.SQL("post_done = true"), ())


def mark_rolled_back(conn: psycopg.Connection, schema: str, rank: int) -> None:
    """The release was taken back (its down migration ran, or its attempt never committed)."""
    _update(conn, schema, rank, sql.SQL("rolled_back_at = now()"), ())


def _update(conn: psycopg.Connection, schema: str, rank: int, assignments: sql.Composable,
            values: tuple) -> None:
    updated = conn.execute(sql.SQL("UPDATE {} SET {} WHERE rank = %s").format(_table(schema), assignments),
                           (*values, rank)).rowcount
    if updated != 1:
        raise ValueError(f"no row ranked {rank} in {schema}.{HISTORY_TABLE}")


# ---------------------------------------------------------------- baseline
def baseline(conn: psycopg.Connection, schema: str, environment: str, version: str, schema_sql: str,
             scratch_url: str | None = None, root: Path | None = None) -> HistoryRow:
    """Record `version` as the release `schema` is at, after checking it is: the live schema
    (history table aside) must equal `schema_sql` (the rendered schema_{schema}.sql script, which
    creates its own schema) loaded into an empty scratch database. Refused (BaselineRefused,
    nothing written) when the history has rows or the schemas differ."""
    from momrel.schema.catalog import read_catalog
    from momrel.schema.scratch import ScratchServer, connect_in_schema
    from momrel.schema.startpoint import server_major, target_schema
    from momrel.schema.verify import compare

    started = time.monotonic()
    _refuse_history(conn, schema, version)
    conn.execute("SELECT set_config('search_path', %s, false)", (schema,))
    live = target_schema(read_catalog(conn), schema, frozenset({HISTORY_TABLE}))
    with ScratchServer(scratch_url, root) as scratch, scratch.database() as url:
        with pg.connect(url, autocommit=True) as scratch_conn, scratch_conn.transaction():
            # The rendered file is trusted package content, run as one script like psql -1 -f.
            scratch_conn.execute(schema_sql.encode("utf-8"))
        with connect_in_schema(url, schema, autocommit=True) as scratch_conn:
            expected = target_schema(read_catalog(scratch_conn), schema)
    if server_major(live.server_version) != server_major(expected.server_version):
        raise BaselineRefused(
            f"the scratch server runs PostgreSQL {server_major(expected.server_version)} and the "
            f"database {server_major(live.server_version)}: catalog text differs between major "
            "versions, so the schemas cannot be compared (give --scratch-url a server of the "
            "database's major version); nothing was written")
    problems = compare(live, expected)
    if problems:
        more = len(problems) - SHOWN_DIFFERENCES
        raise BaselineRefused(
            f"schema {schema} is not {version}'s schema ({len(problems)} difference(s): "
            + "; ".join(problems[:SHOWN_DIFFERENCES]) + (f"; and {more} more" if more > 0 else "")
            + "); nothing was written")
    with conn.transaction():
        ensure_history_table(conn, schema)
        # Two baselines at once: the second waits here, then sees the first one's row.
        conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(_table(schema)))
        _refuse_history(conn, schema, version)
        rank = record(conn, schema, version=version, environment=environment, kind="baseline",
                      success=True, post_done=True,
                      execution_ms=int((time.monotonic() - started) * 1000))
    return next(row for row in read_history(conn, schema) if row.rank == rank)


def _refuse_history(conn: psycopg.Connection, schema: str, version: str) -> None:
    rows = read_history(conn, schema)
    if rows:
        raise BaselineRefused(
            f"schema {schema} already has a release history ({len(rows)} row(s), at "
            f"{current_version(conn, schema) or 'no successful release'}): a baseline only adopts "
            f"a database without one; {version} was not recorded")


@dataclass(frozen=True)
class Baselined:
    row: HistoryRow
    schema: str
    schema_from: str          # the package's schema file, or tag:path in the source repository

    def as_json(self) -> dict:
        return {"schema": self.schema, "schema_from": self.schema_from, **self.row.as_json()}


def baseline_database(config: Config, env_name: str, version: str, database_url: str | None = None,
                      source: Path | None = None, scratch_url: str | None = None) -> Baselined:
    """`momrel system baseline`: `version`'s schema from its built package when there is one,
    else from the source repository at tag `version`; then baseline()."""
    from momrel import database
    from momrel.syspkg.build import require_system
    from momrel.syspkg.source import FINAL_ONLY_ENVIRONMENT

    system = require_system(config)
    environment = config.env(env_name)
    parsed = Version.parse(version)
    if parsed is None:
        raise UsageError(f"--version {version!r} is not a release version such as v1.4.0 "
                         "(semantic versioning)")
    if env_name == FINAL_ONLY_ENVIRONMENT and parsed.is_prerelease:
        raise UsageError(f"{version} is a pre-release: {env_name} runs final releases only")
    schema_sql, schema_from = _release_schema(config, system, env_name, environment.schema, version, source)
    url = database_url or database.database_url(config.root)
    with pg.connect(url, autocommit=True) as conn:
        row = baseline(conn, environment.schema, env_name, version, schema_sql, scratch_url, config.root)
    return Baselined(row, environment.schema, schema_from)


def _release_schema(config: Config, system, env_name: str, schema: str, version: str,
                    source: Path | None) -> tuple[str, str]:
    """The rendered schema script of `version` and where it came from."""
    from momrel.database import schema_script
    from momrel.errors import PackageInvalid
    from momrel.syspkg.release import RELEASE_JSON, read_facts
    from momrel.syspkg.source import open_source

    package = system.release_dir / env_name / version
    if package.is_dir():
        try:
            facts = read_facts((package / RELEASE_JSON).read_bytes(), str(package / RELEASE_JSON))
            text = (package / facts.schema_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PackageInvalid(f"{package}: cannot read its release.json or schema file ({exc}); "
                                 "check it with `momrel system verify`") from None
        if facts.schema != schema or facts.version != version:
            raise PackageInvalid(f"{package}: release.json is {facts.environment} {facts.version} "
                                 f"for schema {facts.schema}, not {version} for schema {schema}")
        return text, _shown_path(package / facts.schema_file, config.root)
    repo = open_source(system, source)
    if version not in repo.repo.tags():
        raise UsageError(f"no package {_shown_path(package, config.root)} and no tag {version} in "
                         f"{repo.path.name}: name a release that was built or tagged")
    neutral = repo.schema(repo.release(version))
    return schema_script(neutral.text, schema), f"{neutral.where} in {repo.path.name}"


def _shown_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
