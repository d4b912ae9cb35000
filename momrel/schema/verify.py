"""Verification: run the migration text on a copy of the old schema and compare catalogs.

The text that is printed is the text that is run (split by pglast, statement by statement, in
autocommit mode so its own BEGIN/COMMIT and its non-transactional section behave as under psql).
"""

from __future__ import annotations

import psycopg

from momrel.errors import MomrelError
from momrel.schema.model import Catalog, describe, differing_fields
from momrel.schema.parse import SourceText


class VerificationFailed(MomrelError):
    exit_code = 4


def run_script(conn: psycopg.Connection, script: str) -> None:
    """Execute a migration script on an autocommit connection; raise on the first failure."""
    for _, statement in SourceText(script).statements():
        statement = statement.strip()
        try:
            conn.execute(statement)
        except psycopg.Error as exc:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            lines = [line for line in statement.splitlines() if not line.lstrip().startswith("--")]
            raise VerificationFailed(f"the migration failed in the scratch database at "
                                     f"`{' '.join(lines)[:160]}`: {first}") from None


def compare(actual: Catalog, expected: Catalog) -> list[str]:
    """What differs between two catalogs, one line per object (empty when equal)."""
    problems = []
    for key in sorted(expected.objects.keys() - actual.objects.keys()):
        problems.append(f"missing {describe(key)}")
    for key in sorted(actual.objects.keys() - expected.objects.keys()):
        problems.append(f"unexpected {describe(key)}")
    for key in sorted(actual.objects.keys() & expected.objects.keys()):
        if actual.objects[key] != expected.objects[key]:
            names = ", ".join(differing_fields(actual.objects[key], expected.objects[key]))
            problems.append(f"{describe(key)} differs ({names})")
    return problems
