"""The migration model and its executor: a planned migration goes through `--format json` and
back unchanged, and the executor (the one verification uses) applies it to a live database
only when that database is where the migration starts, section by section, under the
configured lock and statement timeouts; a refusal or a failure leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest
from psycopg import sql

from momrel.errors import (ConfigError, HazardsRefused, MigrationFailed, MigrationFileError,
                           MigrationRefused)
from momrel.schema.apply import Timeouts, apply_migration
from momrel.schema.catalog import read_catalog
from momrel.schema.hazards import allowed_hazards, refuse_unallowed_hazards
from momrel.schema.diff import diff
from momrel.schema.migration import Facet, HazardKind, Section
from momrel.schema.migration_json import from_data, read_migration, render_json, to_data
from momrel.schema.render import render_sql
from momrel.schema.scratch import ScratchServer, connect_in_schema, load_schema
from momrel.schema.source import SchemaSource
from momrel.schema.model import Table, View
from momrel.schema.startpoint import _object_digest, first_difference, starting_point
from support import env_outside_repositories, one_line_error, raises_momrel_error, run_momrel

SCHEMA = "dev"

OLD = """
CREATE TYPE job_state AS ENUM ('queued', 'done');
CREATE TABLE jobs (
    id     bigint PRIMARY KEY,
    state  job_state NOT NULL DEFAULT 'queued',
    size   integer,
    weight integer,
    note   text
);
"""

NEW = """
CREATE TYPE job_state AS ENUM ('queued', 'running', 'done');
CREATE TABLE jobs (
    id     bigint PRIMARY KEY,
    state  job_state NOT NULL DEFAULT 'queued',
    size   bigint,
    weight bigint,
    note   text NOT NULL,
    owner  text
);
CREATE INDEX jobs_owner ON jobs (owner);
COMMENT ON TABLE jobs IS 'work items';
"""


def _source(name: str, text: str) -> SchemaSource:
    return SchemaSource(name, f"{name}.sql", text, None, f"{name}.sql")


@pytest.fixture(scope="module")
def scratch(pg_server):
    with ScratchServer(pg_server.url("postgres")) as server:
        yield server


@pytest.fixture(scope="module")
def planned(scratch):
    """OLD → NEW and back, verified (through the executor) in scratch databases."""
    return diff(_source("old", OLD), _source("new", NEW), SCHEMA, scratch, down=True), \
        diff(_source("old", OLD), _source("new", NEW), SCHEMA, scratch)


@pytest.fixture
def live(scratch):
    """A database standing for a host: OLD in schema dev, something else in public, rows."""
    with scratch.database() as url:
        load_schema(url, OLD, "old.sql", SCHEMA)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE public.unrelated (x int)")
            conn.execute("INSERT INTO dev.jobs (id, size, weight, note) VALUES (1, 10, 2, 'a'), (2, 20, 3, 'b')")
        yield url


def _digest(url: str):
    with connect_in_schema(url, SCHEMA, autocommit=True) as conn:
        return starting_point(read_catalog(conn), SCHEMA)


def test_the_model_is_typed_and_merges_by_facet(planned):
    down, up = planned
    kinds = {h.kind for s in up.statements for h in s.hazards}
    assert kinds <= set(HazardKind) and HazardKind.TABLE_REWRITE in kinds
    sections = [s.section for s in up.statements]
    assert sections[0] is Section.PRE and Section.POST in sections
    assert sections == sorted(sections, key=list(Section).index)
    # Two columns change type: one ALTER TABLE with two clauses, merged on the facet, not text.
    retypes = [s for s in up.statements if s.facet is Facet.TYPE]
    assert len(retypes) == 1 and len(retypes[0].clauses) == 2
    assert retypes[0].sql.count("ALTER COLUMN") == 2
    assert up.start is not None and up.start.server_major >= 13
    assert "table dev.jobs" in up.start.objects and not any("public" in k for k in up.start.objects
                                                             if k != "schema public")


def test_a_migration_round_trips_through_json(planned):
    for migration in planned:
        text = render_json(migration)
        again = from_data(json.loads(text))
        assert again.statements == migration.statements
        assert (again.start, again.source, again.result, again.locations) == \
            (migration.start, migration.source, migration.result, migration.locations)
        assert render_sql(again) == render_sql(migration)
        assert render_json(again).replace('"seconds": 0.0', "") == text.replace(
            f'"seconds": {round(migration.seconds, 3)}', "")


def test_an_edited_migration_file_is_refused(planned):
    _, up = planned
    data = to_data(up)
    data["statements"][1]["sql"] = "DROP TABLE jobs"
    with raises_momrel_error(2, r"statements\[1\]\.sql is not its head", MigrationFileError):
        from_data(data)
    data = to_data(up)
    data["statements"][1].update(head="DROP TABLE jobs", clauses=[], sql="DROP TABLE jobs")
    with raises_momrel_error(2, "script is not what its statements render to", MigrationFileError):
        from_data(data)
    data = to_data(up)
    data["statements"][0]["section"] = "sometime"
    with raises_momrel_error(2, match=r"statements\[0\]\.section: expected one of pre, main, post"):
        from_data(data)
    with raises_momrel_error(2, match="not a migration made by momrel schema diff"):
        from_data({"format": "other"})
    with raises_momrel_error(2, match="unsupported format_version True"):
        from_data({"format": "momrel-migration", "format_version": True})


def test_a_migration_file_is_read_strictly(planned, tmp_path):
    """A duplicate key would let a reviewer read one statement and the executor run another."""
    _, up = planned
    text = render_json(up)
    path = tmp_path / "m.json"
    path.write_text(text)
    assert read_migration(path).statements == up.statements
    path.write_text(text.replace('"direction": "up",', '"direction": "up", "direction": "down",', 1))
    with raises_momrel_error(2, "duplicate key 'direction'", MigrationFileError):
        read_migration(path)
    path.write_bytes(b"\xff" + text.encode())
    with raises_momrel_error(2, "not valid UTF-8", MigrationFileError):
        read_migration(path)


def test_the_executor_applies_a_round_tripped_migration_to_a_live_database(planned, live):
    down, up = planned
    migration = from_data(json.loads(render_json(up)))
    seen = []
    with psycopg.connect(live, autocommit=True) as conn:
        report = apply_migration(conn, migration, Timeouts("2s", "1min"),
                                 progress=lambda done, total, s: seen.append((done, total)))
    assert report.statements == len(up.statements) and seen[-1] == (len(up.statements) - 1,
                                                                      len(up.statements))
    # The database is now exactly where the down migration starts: the new schema.
    assert first_difference(down.start, _digest(live)) is None
    with psycopg.connect(live) as conn:
        assert conn.execute("SELECT sum(size), count(*) FROM dev.jobs").fetchone() == (30, 2)
        assert conn.execute("SELECT count(*) FROM public.unrelated").fetchone() == (0,)
    # Applied twice: the database is no longer at FROM, so it is refused and left alone.
    with psycopg.connect(live, autocommit=True) as conn, \
            raises_momrel_error(5, match="not where the migration starts"):
        apply_migration(conn, migration)
    # And the down migration takes it back.
    with psycopg.connect(live, autocommit=True) as conn:
        apply_migration(conn, down)
    assert first_difference(up.start, _digest(live)) is None


def test_a_database_elsewhere_is_refused_naming_the_first_difference(planned, live):
    _, up = planned
    with psycopg.connect(live, autocommit=True) as conn:
        conn.execute("ALTER TABLE dev.jobs ADD COLUMN extra int")
    before = _digest(live)
    with psycopg.connect(live, autocommit=True) as conn, raises_momrel_error(5, kind=MigrationRefused) as refused:
        apply_migration(conn, up)
    assert "column dev.jobs.extra is not in the migration's starting schema" in str(refused.value)
    assert _digest(live) == before


def test_a_failing_statement_rolls_its_transaction_back(planned, live):
    """`note` becomes NOT NULL: a NULL row makes the main transaction fail, and roll back."""
    _, up = planned
    with psycopg.connect(live, autocommit=True) as conn:
        conn.execute("INSERT INTO dev.jobs (id) VALUES (3)")
    with psycopg.connect(live, autocommit=True) as conn, raises_momrel_error(1, kind=MigrationFailed) as failed:
        apply_migration(conn, up)
    assert failed.value.section is Section.MAIN and "SET NOT NULL" in failed.value.statement.sql
    assert "new enum values of the first section stay" in str(failed.value)
    after = _digest(live)
    # Only the PRE section's enum value (committed before MAIN by design) is new.
    assert first_difference(up.start, after) == "enum dev.job_state differs from the migration's starting schema"
    with psycopg.connect(live) as conn:
        assert conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                            "WHERE attrelid = 'dev.jobs'::regclass AND attname = 'size'").fetchone() == ("integer",)


def test_a_held_lock_makes_the_migration_give_up_after_lock_timeout(planned, live):
    _, up = planned
    with psycopg.connect(live) as holder:
        holder.execute("SELECT * FROM dev.jobs")       # ACCESS SHARE, held until rollback
        with psycopg.connect(live, autocommit=True) as conn, raises_momrel_error(1, kind=MigrationFailed) as failed:
            apply_migration(conn, up, Timeouts(lock_timeout="200ms", statement_timeout="1min"))
        holder.rollback()
    assert "lock timeout" in failed.value.cause
    with psycopg.connect(live) as conn:
        assert conn.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = 'dev.jobs'::regclass "
                            "AND attname = 'owner'").fetchone() == (0,)


def test_the_start_check_gives_up_behind_an_exclusive_lock(planned, live):
    """Reading the catalog waits behind ACCESS EXCLUSIVE too: bounded, refused, nothing run."""
    _, up = planned
    with psycopg.connect(live) as holder:
        holder.execute("LOCK TABLE dev.jobs IN ACCESS EXCLUSIVE MODE")
        with psycopg.connect(live, autocommit=True) as conn, \
                raises_momrel_error(5, match="could not be read within the timeouts", kind=MigrationRefused):
            apply_migration(conn, up, Timeouts(lock_timeout="200ms", statement_timeout="1min"))
        holder.rollback()
    with psycopg.connect(live) as conn:
        assert conn.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = 'dev.jobs'::regclass "
                            "AND attname = 'owner'").fetchone() == (0,)


def test_hazards_can_be_allowed_by_kind(planned):
    _, up = planned
    assert allowed_hazards(None) == frozenset() and allowed_hazards("") == set(HazardKind)
    assert allowed_hazards("all") == set(HazardKind)
    assert allowed_hazards("index-build, table-rewrite") == {HazardKind.INDEX_BUILD,
                                                              HazardKind.TABLE_REWRITE}
    with raises_momrel_error(2, match="unknown hazard kind 'deletes_data'"):
        allowed_hazards("deletes_data")
    refuse_unallowed_hazards(up, allowed_hazards("all"))
    with raises_momrel_error(3, kind=HazardsRefused) as refused:
        refuse_unallowed_hazards(up, allowed_hazards("index-build"))
    message = str(refused.value)
    assert refused.value.exit_code == 3 and "index-build:" not in message.split("\n", 1)[1]
    assert "table-rewrite: ALTER TABLE" in message


@pytest.mark.parametrize("value", ["5 parsecs", "-1s", 5, ""])
def test_timeouts_in_params_are_checked(value, tmp_path):
    import yaml

    from momrel.config import PARAMS_FILE, parse
    from support import PROJECT

    raw = yaml.safe_load((PROJECT / PARAMS_FILE).read_text())
    assert parse(raw, tmp_path).migration_timeouts == Timeouts("5s", "15min")
    raw["migrations"] = {"lock_timeout": value}
    with raises_momrel_error(2, "params.yaml: migrations.lock_timeout: .* is not a duration", ConfigError):
        parse(raw, tmp_path)


def test_the_executor_needs_an_autocommit_connection(planned, live):
    _, up = planned
    with psycopg.connect(live) as conn, pytest.raises(ValueError):
        apply_migration(conn, up)
    with psycopg.connect(live) as conn:
        assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(SCHEMA, "jobs"))).fetchone() == (2,)


def test_diff_to_json_then_apply_through_the_command_line(pg_server, live, tmp_path):
    """The operator's path: `schema diff --format json`, review, `schema apply`."""
    env = {**env_outside_repositories(), "MOMREL_SCRATCH_URL": pg_server.url("postgres")}
    (tmp_path / "old.sql").write_text(OLD)
    (tmp_path / "new.sql").write_text(NEW)

    def momrel(*args):
        return run_momrel(*args, cwd=tmp_path, env=env)

    refused = momrel("schema", "diff", "--allow-hazards", "index-build,data-dependent", "old.sql",
                     "new.sql", "--schema", SCHEMA)
    assert refused.returncode == 3 and "table-rewrite: ALTER TABLE" in refused.stderr
    assert "index-build:" not in refused.stderr and refused.stdout == ""
    assert one_line_error(momrel("schema", "diff", "old.sql", "new.sql", "--allow-hazards=bogus"),
                          2).endswith("(or all)")
    made = momrel("schema", "diff", "--allow-hazards", "old.sql", "new.sql", "--schema", SCHEMA,
                  "--format", "json")
    assert made.returncode == 0, made.stderr
    (tmp_path / "m.json").write_text(made.stdout)

    assert "is a migration for schema dev" in one_line_error(
        momrel("schema", "apply", "m.json", "--database-url", live, "--schema", "public"), 2)
    assert "--lock-timeout" in one_line_error(
        momrel("schema", "apply", "m.json", "--database-url", live, "--lock-timeout", "soon"), 2)
    (tmp_path / "old.json").write_text(OLD)
    assert "not valid JSON" in one_line_error(momrel("schema", "apply", "old.json", "--database-url", live), 2)
    before = _digest(live)

    applied = momrel("schema", "apply", "m.json", "--database-url", live, "--json")
    assert applied.returncode == 0, applied.stderr
    report = json.loads(applied.stdout)
    assert report["statements"] == len(json.loads(made.stdout)["statements"])
    assert report["applied"]["main"] >= 1 and report["schema"] == SCHEMA
    after = _digest(live)
    assert after != before

    again = momrel("schema", "apply", "m.json", "--database-url", live)
    assert "not where the migration starts" in one_line_error(again, 5)
    assert _digest(live) == after


def test_start_digests_of_objects_without_newer_fields_are_those_of_earlier_migrations():
    """Fields added to the model later (view options, table storage parameters …) holding their
    defaults are left out of the digest, so migration files planned before still start."""
    def earlier(kind: str, values: dict) -> str:  # the digest as the first migration format made it
        text = json.dumps(values, sort_keys=True, default=list, ensure_ascii=False)
        return hashlib.sha256(f"{kind}\n{text}".encode("utf-8")).hexdigest()[:16]

    assert _object_digest(Table("dev", "files")) == \
        earlier("Table", {"schema": "dev", "name": "files", "comment": None})
    view = View("dev", "v", False, " SELECT 1;", (("?column?", "integer"),), "a view")
    assert _object_digest(view) == earlier("View", {
        "schema": "dev", "name": "v", "materialized": False, "definition": " SELECT 1;",
        "columns": (("?column?", "integer"),), "comment": "a view"})
    # A newer field that is set is digested: a database that uses it differs.
    assert _object_digest(Table("dev", "files", unlogged=True)) != _object_digest(Table("dev", "files"))
