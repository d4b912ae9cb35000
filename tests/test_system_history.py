"""The release history of a database (momrel.syspkg.history) and `momrel system baseline`, on
the session's real PostgreSQL, with packages built from the demo source repository.

The history table lives in the target schema yet is not part of it: the starting-point check of
a migration and the baseline's comparison leave it out, and a row written inside the migration's
main transaction commits with it or not at all.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import psycopg
import pytest

from momrel.database import schema_script
from momrel.demo.source_repo import RELEASES, create_source_repository
from momrel.errors import MigrationFailed, MigrationRefused
from momrel.schema.apply import Timeouts, apply_migration, check_start
from momrel.schema.migration import Section
from momrel.schema.migration_json import read_migration
from momrel.syspkg import history
from momrel.syspkg.build import build_package
from momrel.syspkg.release import RELEASE_JSON, read_facts
from support import ContentRepo, assert_mentions, make_content_repo, one_line_error, raises_momrel_error

IGNORED = frozenset({history.HISTORY_TABLE})
V1_3_SCHEMA = RELEASES[0].schema.read_text(encoding="utf-8")


@dataclasses.dataclass
class Setup:
    repo: ContentRepo
    source: Path
    scratch_url: str
    up: Path            # v1.4.0-dev.1's dev migration from v1.3.0 (JSON)
    down: Path


@pytest.fixture(scope="module")
def setup(pg_server, tmp_path_factory) -> Setup:
    """The demo source, and a content repository with dev packages v1.3.0 and v1.4.0-dev.1 (no
    prod package: prod baselines read the schema from the source at the tag)."""
    folder = tmp_path_factory.mktemp("history")
    source = create_source_repository(folder / "source").path
    scratch_url = pg_server.url("postgres")
    # Every command below names its database; the repository's default is never used.
    repo = make_content_repo(folder, pg_server.url("momrel_no_such_database"))
    config = repo.config()
    build_package(config, "dev", "v1.3.0", source=source, track=False, scratch_url=scratch_url)
    built = build_package(config, "dev", "v1.4.0-dev.1", source=source, track=False,
                          scratch_url=scratch_url)
    facts = read_facts((built.path / RELEASE_JSON).read_bytes(), RELEASE_JSON)
    return Setup(repo, source, scratch_url, built.path / facts.migration.up_json,
                 built.path / facts.migration.down_json)


def _at_v1_3(url: str, schema: str = "dev") -> str:
    """The database as `momrel db init` (or psql -1 -f schema_dev.sql) makes it, at v1.3.0."""
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute(schema_script(V1_3_SCHEMA, schema).encode("utf-8"))
    return url


def _history(url: str, schema: str = "dev") -> list[history.HistoryRow]:
    with psycopg.connect(url, autocommit=True) as conn:
        return history.read_history(conn, schema)


def _has_table(url: str, schema: str = "dev") -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return history.has_history_table(conn, schema)


def _baseline(setup: Setup, url: str, env: str, version: str, *args: str):
    return setup.repo.momrel("system", "baseline", "--env", env, "--version", version,
                             "--database-url", url, *args, MOMREL_SCRATCH_URL=setup.scratch_url)


# ---------------------------------------------------------------- the table
def test_the_history_table_keeps_rows_and_the_current_version(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA dev")
        assert history.read_history(conn, "dev") == [] and history.current_version(conn, "dev") is None
        history.ensure_history_table(conn, "dev")
        history.ensure_history_table(conn, "dev")     # idempotent
        assert history.read_history(conn, "dev") == [] and history.current_version(conn, "dev") is None
        first = history.record(conn, "dev", version="v1.3.0", environment="dev", kind="baseline",
                               success=True, post_done=True)
        assert history.current_version(conn, "dev") == "v1.3.0"
        # An attempt on record before its migration runs does not move the current version...
        second = history.record(conn, "dev", version="v1.4.0-dev.1", previous_version="v1.3.0",
                                environment="dev", kind="upgrade", migration_sha256="ab" * 32,
                                success=False)
        assert second > first and history.current_version(conn, "dev") == "v1.3.0"
        # ...its success does; the non-transactional part is marked apart.
        history.mark_success(conn, "dev", second, 42)
        history.mark_post_done(conn, "dev", second)
        assert history.current_version(conn, "dev") == "v1.4.0-dev.1"
        # A rolled-back release is skipped: the one before it is current again.
        history.mark_rolled_back(conn, "dev", second)
        assert history.current_version(conn, "dev") == "v1.3.0"
        with pytest.raises(ValueError, match="no row ranked 99"):
            history.mark_post_done(conn, "dev", 99)
        with pytest.raises(ValueError, match="history kind"):
            history.record(conn, "dev", version="v1", environment="dev", kind="guess", success=True)
        rows = history.read_history(conn, "dev")
        user = conn.execute("SELECT current_user").fetchone()[0]
    assert [(r.rank, r.version, r.kind, r.success, r.post_done) for r in rows] == \
        [(first, "v1.3.0", "baseline", True, True), (second, "v1.4.0-dev.1", "upgrade", True, True)]
    assert rows[0].rolled_back_at is None and rows[1].rolled_back_at is not None
    assert rows[1].execution_ms == 42 and rows[1].migration_sha256 == "ab" * 32
    assert rows[0].applied_by.startswith(f"{user}@") and rows[0].applied_at is not None
    assert json.loads(json.dumps(rows[1].as_json()))["previous_version"] == "v1.3.0"


# ---------------------------------------------------------------- migrations beside the table
def test_the_start_check_leaves_the_history_table_out(setup, database_url):
    url = _at_v1_3(database_url)
    up = read_migration(setup.up)
    with psycopg.connect(url, autocommit=True) as conn:
        history.ensure_history_table(conn, "dev")
        rank = history.record(conn, "dev", version="v1.4.0-dev.1", previous_version="v1.3.0",
                              environment="dev", kind="upgrade", success=False)
        conn.execute("SET search_path TO dev")
        with raises_momrel_error(5, "momrel_release_history", MigrationRefused):
            check_start(conn, up)
        with raises_momrel_error(5, "momrel_release_history", MigrationRefused):
            apply_migration(conn, up)
        check_start(conn, up, ignore_tables=IGNORED)
        report = apply_migration(conn, up, ignore_tables=IGNORED,
                                 in_main_transaction=lambda c: history.mark_success(c, "dev", rank, 1))
        assert report.statements == len(up.statements) > 0
        assert history.current_version(conn, "dev") == "v1.4.0-dev.1"
        # Now at the down migration's start, history table and all.
        conn.execute("SET search_path TO dev")
        check_start(conn, read_migration(setup.down), ignore_tables=IGNORED)


def test_a_failing_main_section_takes_the_history_row_with_it(setup, database_url):
    url = _at_v1_3(database_url)
    up = read_migration(setup.up)
    assert up.in_section(Section.MAIN)
    with psycopg.connect(url, autocommit=True) as conn:
        history.ensure_history_table(conn, "dev")
    with psycopg.connect(url) as holder:
        holder.execute("SELECT count(*) FROM dev.tkg_nodes")     # ACCESS SHARE until rollback
        with psycopg.connect(url, autocommit=True) as conn, \
                raises_momrel_error(1, kind=MigrationFailed) as failed:
            apply_migration(conn, up, Timeouts(lock_timeout="200ms", statement_timeout="1min"),
                            ignore_tables=IGNORED,
                            in_main_transaction=lambda c: history.record(
                                c, "dev", version="v1.4.0-dev.1", environment="dev",
                                kind="upgrade", success=True))
        holder.rollback()
    assert failed.value.section is Section.MAIN and "lock timeout" in failed.value.cause
    assert _history(url) == []


def test_without_main_statements_the_callback_gets_a_transaction_of_its_own(setup, database_url):
    url = _at_v1_3(database_url)
    up = read_migration(setup.up)
    nothing = dataclasses.replace(up, statements=[])
    seen = []

    def write(conn):
        seen.append(conn.info.transaction_status)
        history.ensure_history_table(conn, "dev")
        history.record(conn, "dev", version="v1.3.0", environment="dev", kind="baseline", success=True)

    with psycopg.connect(url, autocommit=True) as conn:
        report = apply_migration(conn, nothing, ignore_tables=IGNORED, in_main_transaction=write)
    assert report.statements == 0 and seen == [psycopg.pq.TransactionStatus.INTRANS]
    assert [r.version for r in _history(url)] == ["v1.3.0"]


# ---------------------------------------------------------------- momrel system baseline
def test_baseline_adopts_a_database_at_the_release(setup, database_url):
    url = _at_v1_3(database_url)
    result = _baseline(setup, url, "dev", "v1.3.0", "--json")
    assert result.returncode == 0, result.stderr
    done = json.loads(result.stdout)
    assert done["schema_from"] == "release/system/dev/v1.3.0/schema_dev.sql"
    assert (done["schema"], done["version"], done["kind"], done["success"], done["post_done"]) == \
        ("dev", "v1.3.0", "baseline", True, True)
    assert done["previous_version"] is None and done["migration_sha256"] is None
    assert [(r.version, r.kind) for r in _history(url)] == [("v1.3.0", "baseline")]
    # A second baseline: the history is there, so it is refused and nothing is added.
    error = one_line_error(_baseline(setup, url, "dev", "v1.3.0"), 5)
    assert_mentions(error, "schema dev already has a release history", "at v1.3.0", "not recorded")
    assert len(_history(url)) == 1


def test_baseline_reads_the_schema_from_the_tag_without_a_package(setup, database_url):
    """No prod package was built: prod's schema (public) comes from the source at the tag."""
    url = _at_v1_3(database_url, "public")
    result = _baseline(setup, url, "prod", "v1.3.0", "--source", str(setup.source))
    assert result.returncode == 0, result.stderr
    assert_mentions(result.stdout, "baseline: schema public at v1.3.0",
                    "v1.3.0:sql/momentry.sql in source")
    assert [r.environment for r in _history(url, "public")] == ["prod"]
    error = one_line_error(_baseline(setup, url, "prod", "v9.9.9", "--source", str(setup.source)), 2)
    assert_mentions(error, "no tag v9.9.9")


def test_baseline_refuses_a_schema_that_differs_and_writes_nothing(setup, database_url):
    url = _at_v1_3(database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE dev.files ADD COLUMN extra integer")
        conn.execute("DROP INDEX dev.tkg_nodes_file_uuid_idx")
    error = one_line_error(_baseline(setup, url, "dev", "v1.3.0"), 5)
    assert_mentions(error, "schema dev is not v1.3.0's schema (2 difference(s)",
                    "missing index dev.tkg_nodes_file_uuid_idx", "unexpected column dev.files.extra",
                    "nothing was written")
    # At v1.3.0, but not at v1.4.0-dev.1 (its column is missing).
    error = one_line_error(_baseline(setup, url, "dev", "v1.4.0-dev.1"), 5)
    assert_mentions(error, "missing column dev.tkg_nodes.props")
    assert not _has_table(url)
