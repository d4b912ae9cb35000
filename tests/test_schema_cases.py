"""Schema diff cases: tests/schema_cases/NAME/{a.sql, b.sql, expected.yaml, expected.sql}.

For each case: momrel plans and verifies the migrations a → b and b → a (from one loading of the
two sides, as a system package is built); the up migration's text must equal
expected.sql (run with MOMREL_UPDATE_CASES=1 to rewrite it after reviewing a change), its
hazards must be the expected ones, and, independently of momrel, psql must apply it to a
database holding a.sql and pg_dump must then show exactly b.sql's schema. The down migration is
checked the same way (b → a). A file diffed with itself gives no statements.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg import sql

from momrel.schema.diff import diff, diff_pair
from momrel.schema.render import script_body
from momrel.schema.scratch import ScratchServer, concurrently
from momrel.schema.source import SchemaSource
from schema_support import load_with_psql, psql, schema_dump
from support import raises_momrel_error

CASES = Path(__file__).parent / "schema_cases"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "expected.yaml").is_file())
UPDATE = os.environ.get("MOMREL_UPDATE_CASES") == "1"
EXPECTED_KEYS = {"description", "schema", "hazards", "refused", "down", "down_hazards",
                 "down_refused", "contains", "not_contains", "notes"}


def _source(folder: Path, name: str) -> SchemaSource:
    return SchemaSource(name, name, (folder / name).read_text(encoding="utf-8"), None, name)


# Roles the cases GRANT to. Roles are the server's, not a schema file's: they must exist.
CASE_ROLES = ("momentry_reader", "momentry_app")


@pytest.fixture(scope="module")
def scratch(pg_server):
    with psycopg.connect(pg_server.url("postgres"), autocommit=True) as conn:
        for role in CASE_ROLES:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    with ScratchServer(pg_server.url("postgres")) as server:
        yield server


def _independent_check(scratch, start: str, migration_sql: str, end: str, schema: str) -> None:
    """psql applies the migration to `start`; pg_dump must then equal `end`'s. The loads and
    dumps run side by side (psql and pg_dump are processes of their own: both cores work)."""
    with scratch.database() as migrated, scratch.database() as expected:
        concurrently(lambda: load_with_psql(migrated, start, schema),
                     lambda: load_with_psql(expected, end, schema))
        result = psql(migrated, migration_sql, schema)
        assert result.returncode == 0, f"psql failed on the migration:\n{result.stderr}"
        after, wanted = concurrently(lambda: schema_dump(migrated, schema),
                                     lambda: schema_dump(expected, schema))
        assert after == wanted


def _hazard_kinds(migration) -> list[str]:
    return sorted({h.kind for s in migration.statements for h in s.hazards})


def test_at_least_thirty_cases():
    assert len(CASE_NAMES) >= 30, CASE_NAMES


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case(name, scratch):
    folder = CASES / name
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    assert set(expected) <= EXPECTED_KEYS, f"unknown keys in expected.yaml: {set(expected) - EXPECTED_KEYS}"
    schema = expected.get("schema", "public")
    old, new = _source(folder, "a.sql"), _source(folder, "b.sql")

    if "refused" in expected:  # unsupported input: exit 2
        with raises_momrel_error(2) as refusal:
            diff(old, new, schema, scratch)
        assert expected["refused"] in str(refusal.value)
        return

    # Up and down from one loading of the two sides, each verified on its own (as a system
    # package is built); a case whose down direction is refused or not wanted plans up alone.
    pair = "down_refused" not in expected and expected.get("down", True)
    migration, down = diff_pair(old, new, schema, scratch) if pair else (diff(old, new, schema, scratch), None)
    assert migration.verified
    body = script_body(migration.statements, schema)
    golden = folder / "expected.sql"
    if UPDATE:
        golden.write_text(body, encoding="utf-8")
    assert golden.is_file(), f"{golden} missing: run with MOMREL_UPDATE_CASES=1 and review it"
    assert body == golden.read_text(encoding="utf-8")
    assert _hazard_kinds(migration) == sorted(expected.get("hazards", []))
    for text in expected.get("contains", []):
        assert text in body, text
    for text in expected.get("not_contains", []):
        assert text not in body, text
    assert migration.notes == expected.get("notes", [])
    checks = [lambda: _independent_check(scratch, old.text, body, new.text, schema)]

    if "down_refused" in expected:
        with raises_momrel_error(2) as refusal:
            diff(old, new, schema, scratch, down=True)
        assert expected["down_refused"] in str(refusal.value)
    elif down is not None:
        assert down.verified and down.direction == "down"
        if "down_hazards" in expected:
            assert _hazard_kinds(down) == sorted(expected["down_hazards"])
        down_body = script_body(down.statements, schema)
        checks.append(lambda: _independent_check(scratch, new.text, down_body, old.text, schema))
    concurrently(*checks)  # up and down side by side; the first failure (up's) is raised


@pytest.mark.parametrize("name", CASE_NAMES)
def test_file_diffed_with_itself_is_empty(name, scratch):
    folder = CASES / name
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    if "refused" in expected:
        pytest.skip("refused case")
    schema = expected.get("schema", "public")
    # Nothing to verify in an empty migration: what matters is that two loadings of one file
    # read the same (no name or order PostgreSQL chooses differently each time).
    a, b = (_source(folder, side) for side in ("a.sql", "b.sql"))
    plans = concurrently(lambda: diff(a, a, schema, scratch, verify=False),
                         lambda: diff(b, b, schema, scratch, verify=False))
    assert [plan.statements for plan in plans] == [[], []]
