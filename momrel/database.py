"""A repository's database: which server momrel uses, and the Momentry schema in it.

The database is ``MOMREL_DATABASE_URL`` when set (any real server), otherwise the embedded
cluster kept under ``{repo}/.momrel/pg`` (momrel.pg.EmbeddedPostgres) and managed by
``momrel db start|stop|status|url``. ``momrel db init``, the demo and the benchmarks all set the
database up through this module, so the location, the choice of server and the schema
creation have one owner.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from momrel import pg, tablefacts
from momrel.errors import ConfigError, MomrelError

if TYPE_CHECKING:
    from momrel.config import Config

DATABASE_URL_ENV = "MOMREL_DATABASE_URL"
PG_DIR = Path(".momrel") / "pg"


def pg_dir(root: Path) -> Path:
    """Where the repository's embedded cluster lives."""
    return root / PG_DIR


def embedded_server(root: Path) -> pg.EmbeddedPostgres:
    return pg.EmbeddedPostgres(pg_dir(root))


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    url: str | None     # None when not running

    def as_json(self) -> dict:
        return {"running": self.running, "url": self.url}


def embedded_status(root: Path) -> EmbeddedStatus:
    """Whether the repository's embedded server runs, and its URL."""
    server = embedded_server(root)
    running = server.is_running()
    return EmbeddedStatus(running, server.url() if running else None)


def database_url(root: Path | None) -> str:
    """The URL to use: the environment variable, else the running embedded server."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    if root is None:
        raise MomrelError(f"no database: set {DATABASE_URL_ENV}")
    server = embedded_server(root)
    if not server.is_running():
        raise MomrelError(
            f"no database: the embedded server is not running (run `momrel db start`) "
            f"and {DATABASE_URL_ENV} is not set"
        )
    return server.url()


def ensure_database(root: Path, echo=lambda message: None) -> str:
    """The URL to use, starting the embedded server first when it is the one (idempotent)."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    echo("starting the embedded PostgreSQL")
    return embedded_server(root).start()


@dataclass
class InitResult:
    created: list[str] = field(default_factory=list)   # schemas given the Momentry tables
    present: list[str] = field(default_factory=list)   # schemas that already had them

    def as_json(self) -> dict:
        return {"created": self.created, "present": self.present}


def init_database(config: "Config", url: str, reset: bool = False) -> InitResult:
    """Create the Momentry tables in every environment's schema.

    A schema that already holds the registration table is left alone; `reset` drops each
    schema first (all its data)."""
    try:
        schema_sql = config.schema_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"params.yaml: schema_file: cannot read {config.schema_file} "
                          f"({exc.strerror})") from None
    result = InitResult()
    with pg.connect(url, autocommit=True) as conn:
        for env in config.environments.values():
            if _init_schema(conn, env.schema, schema_sql, config.registration.table, reset):
                result.created.append(env.schema)
            else:
                result.present.append(env.schema)
    return result


def _init_schema(conn: psycopg.Connection, schema: str, schema_sql: str, marker_table: str,
                 reset: bool) -> bool:
    if reset:
        with conn.transaction():
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    if tablefacts.table_exists(conn, schema, marker_table):
        return False
    with conn.transaction():
        # The schema file is trusted repository content (schema-neutral), run as one script.
        conn.execute(schema_script(schema_sql, schema).encode("utf-8"))
    conn.execute("RESET search_path")
    return True


def schema_script(schema_sql: str, schema: str) -> str:
    """The schema-neutral schema file rendered into `schema`: what `momrel db init` runs, and
    what a system package ships as schema_{schema}.sql (`psql -1 -v ON_ERROR_STOP=1 -f`), so
    both create exactly the same objects."""
    name = sql.Identifier(schema).as_string(None)
    return (f"-- The Momentry schema rendered into schema {name}: run it in one transaction\n"
            f"-- (psql -1 -v ON_ERROR_STOP=1 -f this-file) on a database without that schema.\n"
            f"CREATE SCHEMA IF NOT EXISTS {name};\n"
            f"SET search_path TO {name};\n\n" + schema_sql)
