"""Run a Migration on a database: the one executor, for verification, `momrel schema apply`
and the upgrade of a host.

Order of work:
1. search_path is set to the migration's schema (schema files are schema-neutral);
2. the database must be where the migration starts (momrel.schema.startpoint): otherwise it is
   refused and nothing changes;
3. PRE (new enum values) in one transaction, MAIN in one transaction, then POST statements one
   by one outside a transaction (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT).
Every statement runs under its own lock_timeout and statement_timeout (params.yaml
`migrations:`), so a migration waiting behind a long query gives up instead of queueing every
other session behind its lock.

What a failure leaves: in PRE or MAIN, that transaction is rolled back (a failure in MAIN leaves
the committed PRE enum values, which PostgreSQL cannot take back and nothing else uses); in POST,
the statements before the failing one stay (they ran outside a transaction). The message says
which; the database is then at neither end, so the starting-point check refuses a second run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from momrel.errors import ConfigError, MigrationFailed, MigrationRefused
from momrel.schema.catalog import read_catalog
from momrel.schema.migration import SECTIONS, Migration, Section, Statement
from momrel.schema.startpoint import first_difference, starting_point

# PostgreSQL's duration syntax for these settings: a number of milliseconds, or with a unit.
_DURATION = re.compile(r"(0|[1-9][0-9]{0,8})\s*(ms|s|min|h|d)?")


@dataclass(frozen=True)
class Timeouts:
    """Per statement. "0" turns a limit off (PostgreSQL's meaning)."""

    lock_timeout: str = "5s"
    statement_timeout: str = "15min"

    def __post_init__(self):
        for name in ("lock_timeout", "statement_timeout"):
            problem = duration_problem(getattr(self, name))
            if problem:
                raise ConfigError(f"{name}: {problem}")


def duration_problem(value) -> str | None:
    """Why `value` is not a PostgreSQL duration setting, or None."""
    if isinstance(value, str) and _DURATION.fullmatch(value.strip()):
        return None
    return f"{value!r} is not a duration such as 500ms, 5s, 15min or 0 (no limit)"


@dataclass
class ApplyReport:
    schema: str
    direction: str
    applied: dict[str, int] = field(default_factory=dict)   # section → statements run
    seconds: float = 0.0

    @property
    def statements(self) -> int:
        return sum(self.applied.values())


Progress = Callable[[int, int, Statement], None]   # (statements done, total, the next one)


def check_start(conn: psycopg.Connection, migration: Migration,
                ignore_tables: frozenset[str] = frozenset()) -> None:
    """Refuse (MigrationRefused) a database whose target schema is not the migration's FROM.
    Tables of `ignore_tables` (momrel's own, such as the release history) do not count."""
    if migration.start is None:
        raise MigrationRefused("the migration does not record the schema it starts from; "
                               "make it again with this version of momrel")
    actual = starting_point(read_catalog(conn), migration.schema, ignore_tables)
    problem = first_difference(migration.start, actual)
    if problem:
        raise MigrationRefused(f"the database is not where the migration starts "
                               f"({migration.source.spec}, schema {migration.schema}): {problem}; "
                               "nothing was changed")


def apply_migration(conn: psycopg.Connection, migration: Migration, timeouts: Timeouts = Timeouts(),
                    progress: Progress | None = None, *, ignore_tables: frozenset[str] = frozenset(),
                    in_main_transaction: Callable[[psycopg.Connection], None] | None = None) -> ApplyReport:
    """Run `migration` on an autocommit connection; raise MigrationRefused or MigrationFailed.

    `ignore_tables` goes to the starting-point check. `in_main_transaction` runs inside the MAIN
    transaction after its statements (in a transaction of its own when there are none), so what
    it writes (a release-history row) commits with the migration or not at all."""
    if not conn.autocommit:
        raise ValueError("apply_migration needs an autocommit connection (POST runs outside a transaction)")
    started = time.monotonic()
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(migration.schema)))
    # Reading the catalog waits behind another session's ACCESS EXCLUSIVE lock like any
    # statement: the check is bounded by the same limits, then the session's own are restored.
    saved = conn.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')").fetchone()
    conn.execute("SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
                 (timeouts.lock_timeout, timeouts.statement_timeout))
    try:
        check_start(conn, migration, ignore_tables)
    except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled) as exc:
        raise MigrationRefused(f"the catalog could not be read within the timeouts (another session "
                               f"holds a lock: {str(exc).strip().splitlines()[0]}); nothing was "
                               "changed") from None
    finally:
        conn.execute("SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
                     saved)
    report = ApplyReport(migration.schema, migration.direction)
    total, done = len(migration.statements), 0
    for section in SECTIONS:
        statements = migration.in_section(section)
        also = in_main_transaction if section is Section.MAIN else None
        if not statements and also is None:
            continue
        if section is Section.POST:
            for statement in statements:
                done = _run(conn, statement, section, timeouts, progress, done, total, report, local=False)
        else:
            try:
                with conn.transaction():
                    for statement in statements:
                        done = _run(conn, statement, section, timeouts, progress, done, total,
                                    report, local=True)
                    if also is not None:
                        also(conn)
            except BaseException:
                report.applied.pop(section, None)   # rolled back
                raise
    report.seconds = time.monotonic() - started
    return report


def _run(conn, statement: Statement, section: Section, timeouts: Timeouts, progress, done: int,
         total: int, report: ApplyReport, local: bool) -> int:
    if progress is not None:
        progress(done, total, statement)
    try:
        conn.execute("SELECT set_config('lock_timeout', %s, %s), set_config('statement_timeout', %s, %s)",
                     (timeouts.lock_timeout, local, timeouts.statement_timeout, local))
        conn.execute(statement.sql)
    except psycopg.Error as exc:
        cause = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise MigrationFailed(f"{section} section failed at `{statement.first_line[:160]}`: {cause}; "
                              f"{_left_behind(section, report)}", statement, section, cause) from None
    report.applied[section] = report.applied.get(section, 0) + 1
    return done + 1


def _left_behind(section: Section, report: ApplyReport) -> str:
    if section is Section.POST:
        ran = report.applied.get(Section.POST, 0)
        return (f"the transactional sections are committed and {ran} statement(s) of the "
                "non-transactional section ran before it; the ones after it did not run")
    if report.applied.get(Section.PRE):
        return ("its transaction was rolled back; the new enum values of the first section stay "
                "(committed before, PostgreSQL cannot take them back)")
    return "its transaction was rolled back: the database is as it was"
