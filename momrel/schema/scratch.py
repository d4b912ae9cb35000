"""Scratch databases: where each side of a diff is built so PostgreSQL can normalize it.

The server is, in order: an explicit URL (`--scratch-url` / MOMREL_SCRATCH_URL; point it at a
server of production's major version, since pg_get_*def output can differ between versions),
the repository's embedded server when it is running, or a throwaway cluster started for this
run and deleted afterwards. Only databases named momrel_scratch_* are created and dropped.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import secrets
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import psycopg
from psycopg import sql

from momrel import database, pg
from momrel.errors import MomrelError, SchemaParseError
from momrel.schema.parse import SourceText

SCRATCH_URL_ENV = "MOMREL_SCRATCH_URL"


class ScratchServer:
    def __init__(self, url: str | None = None, root: Path | None = None):
        self.url = url or os.environ.get(SCRATCH_URL_ENV) or None
        self.root = root
        self._throwaway: pg.EmbeddedPostgres | None = None
        self._throwaway_dir: str | None = None
        self._numbers = itertools.count()
        self.version = ""

    def __enter__(self) -> "ScratchServer":
        if not self.url and self.root is not None:
            embedded = database.embedded_server(self.root)
            if embedded.is_running():
                self.url = embedded.url("postgres")
        if not self.url:
            self._throwaway_dir = tempfile.mkdtemp(prefix="momrel-scratch-")
            self._throwaway = pg.EmbeddedPostgres(Path(self._throwaway_dir) / "pg")
            self._throwaway.start()
            self.url = self._throwaway.url("postgres")
        with pg.connect(self.url, autocommit=True) as conn:
            if self._throwaway is not None:
                # Nothing in a throwaway cluster outlives the run, so waiting for its writes to
                # reach the disk buys nothing (on a busy machine it more than doubled the time
                # to load a side, and DROP DATABASE waits for a checkpoint).
                conn.execute("ALTER SYSTEM SET fsync = off")
                conn.execute("SELECT pg_reload_conf()")
            self.version = conn.execute("SHOW server_version").fetchone()[0]
        return self

    def __exit__(self, *exc_info) -> None:
        if self._throwaway is not None:
            self._throwaway.destroy()
            shutil.rmtree(self._throwaway_dir, ignore_errors=True)

    @contextlib.contextmanager
    def database(self):
        """A new empty database; yields its URL and drops it afterwards."""
        with self.databases(1) as (url,):
            yield url

    @contextlib.contextmanager
    def databases(self, count: int):
        """`count` new empty databases, created concurrently; yields their URLs and drops them
        all afterwards, concurrently (each DROP DATABASE waits for a checkpoint)."""
        names = [f"momrel_scratch_{os.getpid()}_{next(self._numbers)}_{secrets.token_hex(3)}"
                 for _ in range(count)]
        created: list[str] = []

        def create(name: str) -> None:
            self._create(name)
            created.append(name)

        try:
            concurrently(*(functools.partial(create, name) for name in names))
            yield [self._url_of(name) for name in names]
        finally:
            concurrently(*(functools.partial(self._drop, name) for name in created))

    def _url_of(self, name: str) -> str:
        info = psycopg.conninfo.conninfo_to_dict(self.url)
        info["dbname"] = name
        return psycopg.conninfo.make_conninfo(**info)

    def _create(self, name: str) -> None:
        with pg.connect(self.url, autocommit=True) as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
            except psycopg.Error as exc:
                raise MomrelError(f"cannot create a scratch database on {pg.redact(self.url)}: "
                                  f"{_first_line(exc)}") from None

    def _drop(self, name: str) -> None:
        with pg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def concurrently(*calls):
    """Run the calls in threads (psycopg releases the GIL while it waits for the server) and
    return their results in order; the first failure in call order is raised once all ended,
    so errors are the same as when the calls run one after the other."""
    if len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        wait(futures)
    return [future.result() for future in futures]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect_in_schema(url: str, schema: str, autocommit: bool = False) -> psycopg.Connection:
    """A connection whose search_path is `schema` alone (pg_catalog is always implied)."""
    conn = pg.connect(url, autocommit=autocommit)
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    if not autocommit:
        conn.commit()
    return conn


def load_schema(url: str, text: str, where: str, schema: str) -> None:
    """Run a schema-neutral file inside `schema`, in one transaction; errors name file:line.

    The whole file goes in one round trip (without parameters psycopg uses the simple query
    protocol, which runs a string of several statements); only when it fails is it run again
    statement by statement, to find the statement and line the error belongs to (the server
    reports no position for many errors, e.g. an object that already exists)."""
    with connect_in_schema(url, schema) as conn:
        create_schema = sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
        conn.execute(create_schema)
        try:
            conn.execute(text)
        except psycopg.Error as whole_file_error:
            conn.rollback()
            conn.execute(create_schema)
            source = SourceText(text)
            _run_statement_by_statement(conn, source, where)
            # Reached only if the file fails as a whole and not statement by statement.
            position = int(whole_file_error.diag.statement_position or 1)
            raise SchemaParseError(f"{where}:{source.line(position - 1)}: PostgreSQL refused it: "
                                   f"{_first_line(whole_file_error)}") from None
        conn.commit()


def _run_statement_by_statement(conn: psycopg.Connection, source: SourceText, where: str) -> None:
    for raw, statement in source.statements():
        begin = source.start_of_statement(raw.stmt_location)
        try:
            conn.execute(statement)
        except psycopg.Error as exc:
            offset = begin
            position = exc.diag.statement_position
            if position:
                offset = raw.stmt_location + int(position) - 1
            raise SchemaParseError(f"{where}:{source.line(offset)}: PostgreSQL refused it: "
                                   f"{_first_line(exc)}") from None
