"""`momrel schema diff` and `momrel schema normalize` through the command line, on real git
repositories (refs, tags, WORKTREE), with the documented exit codes."""

from __future__ import annotations

import dataclasses
import json
import re

import psycopg
import pytest

from momrel.schema.diff import diff, verify_migration
from momrel.schema.normalize import normalize
from momrel.schema.parse import parse_schema
from momrel.schema.scratch import ScratchServer
from momrel.schema.source import SchemaSource
from support import PROJECT, git, one_line_error, raises_momrel_error, run_momrel

SCHEMA = "sql/momentry.sql"


def _commit_schema(repo, text: str, tag: str) -> None:
    (repo.root / SCHEMA).write_text(text, encoding="utf-8")
    repo.git("add", SCHEMA)
    repo.git("commit", "-qm", f"schema {tag}")
    repo.git("tag", "-a", tag, "-m", tag)


@pytest.fixture
def tagged_repo(content_repo):
    """A content repository whose schema file changed between tags v1 and v2."""
    base = (content_repo.root / SCHEMA).read_text(encoding="utf-8")
    content_repo.git("tag", "-a", "v1", "-m", "v1")  # the schema as first committed
    changed = base.replace("    display_name   text,",
                           "    display_name   text,\n    nickname       varchar(40),")
    changed += ("\nCREATE VIEW named_identities AS\n"
                "    SELECT identity_uuid, display_name FROM identities WHERE display_name IS NOT NULL;\n"
                "CREATE INDEX identities_nickname_idx ON identities (nickname);\n")
    _commit_schema(content_repo, changed, "v2")
    return content_repo


def test_diff_between_two_tags_is_verified(tagged_repo):
    result = tagged_repo.ok("schema", "diff", "v1", "v2", "--schema", "dev", "--allow-hazards")
    v1 = tagged_repo.git("rev-parse", "v1^{commit}").strip()
    assert f"-- from: v1 (commit {v1[:12]}, {SCHEMA}, sha256" in result.stdout
    assert "-- verified in a scratch database" in result.stdout
    assert 'SET search_path TO "dev";' in result.stdout
    assert 'ALTER TABLE "identities" ADD COLUMN "nickname" character varying(40);' in result.stdout
    assert "CREATE INDEX CONCURRENTLY identities_nickname_idx" in result.stdout
    assert result.stdout.index("BEGIN;") < result.stdout.index("CREATE INDEX CONCURRENTLY")
    assert result.stderr == ""


def test_hazards_without_allow_exit_3_with_nothing_on_stdout(tagged_repo):
    result = tagged_repo.momrel("schema", "diff", "v1", "v2")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "--allow-hazards" in result.stderr and "index-build: CREATE INDEX CONCURRENTLY" in result.stderr


def test_markdown_summary_groups_by_object_with_lines(tagged_repo):
    md = tagged_repo.ok("schema", "diff", "v1", "v2", "--format", "md", "--allow-hazards").stdout
    assert md.startswith("## Schema migration: `v1` → `v2`")
    assert "### Added" in md and "view `public.named_identities` — v2:sql/momentry.sql:" in md
    assert "### Changed" in md and "table `public.identities` — v2:sql/momentry.sql:" in md
    assert "### Hazards" in md and "| index-build |" in md
    assert "```sql" in md


def test_json_plan_for_machines(tagged_repo):
    data = json.loads(tagged_repo.ok("schema", "diff", "v1", "v2", "--format", "json",
                                     "--allow-hazards").stdout)
    assert data["verified"] and data["direction"] == "up" and data["schema"] == "public"
    assert data["from"]["commit"] == tagged_repo.git("rev-parse", "v1^{commit}").strip()
    sections = {s["object"]: s["section"] for s in data["statements"]}
    assert sections["index public.identities_nickname_idx"] == "post"
    assert sections["view public.named_identities"] == "main"
    assert data["hazardous"] == sum(1 for s in data["statements"] if s["hazards"])
    assert data["hazard_count"] == sum(len(s["hazards"]) for s in data["statements"])


def test_hazard_counts_agree_with_the_hazards_listed(content_repo):
    """The demo's v1 → v2 has a statement with two hazards (a type change locks and rewrites):
    the summaries count statements and hazards, and list one line per hazard."""
    paths = [str(PROJECT / "momrel/demo/schema_v1.sql"), str(PROJECT / SCHEMA)]
    counts = re.compile(r"(\d+) of (\d+) statements carry (\d+) hazards")

    refused = content_repo.momrel("schema", "diff", *paths)
    assert refused.returncode == 3
    first, *listed = refused.stderr.splitlines()
    hazardous, statements, hazards = map(int, counts.search(first).groups())
    assert hazards == len(listed) > hazardous

    md = content_repo.ok("schema", "diff", *paths, "--format", "md", "--allow-hazards").stdout
    assert f"**{hazardous} of {statements} statements carry {hazards} hazards.**" in md
    table = md.split("### Hazards")[1].split("<details>")[0]
    assert len([line for line in table.splitlines() if line.startswith("| ")]) == 1 + hazards
    assert f"-- {hazardous} of {statements} statements carry {hazards} hazards\n" in md
    assert md.count("\n-- hazard ") == hazards


def test_down_migration_reverses_it(tagged_repo):
    down = tagged_repo.ok("schema", "diff", "v1", "v2", "--down", "--allow-hazards").stdout
    assert "-- momrel schema migration (down)" in down
    assert 'DROP VIEW "named_identities";' in down
    assert 'ALTER TABLE "identities" DROP COLUMN "nickname";' in down
    assert down.index('DROP VIEW "named_identities"') < down.index('DROP COLUMN "nickname"')


def test_worktree_head_and_paths(tagged_repo):
    same = tagged_repo.ok("schema", "diff", "HEAD", "WORKTREE")
    assert "-- no changes" in same.stdout
    (tagged_repo.root / SCHEMA).write_text((tagged_repo.root / SCHEMA).read_text()
                                           + "\nCOMMENT ON TABLE files IS 'one row per video';\n")
    changed = tagged_repo.ok("schema", "diff", "HEAD", "WORKTREE")
    assert "COMMENT ON TABLE \"files\" IS 'one row per video';" in changed.stdout
    itself = tagged_repo.ok("schema", "diff", SCHEMA, SCHEMA, "--format", "json")
    assert json.loads(itself.stdout)["statements"] == []


def test_unverified_only_when_asked(tagged_repo):
    result = tagged_repo.ok("schema", "diff", "v1", "v2", "--no-verify", "--allow-hazards")
    assert "UNVERIFIED" in result.stdout


@pytest.mark.parametrize("args, message, exit_code", [
    (["v1", "no-such-ref"], "no-such-ref: not a git ref", 2),
    (["v1", "missing.sql"], "missing.sql: no such file", 2),
    (["v1", "v2", "--schema", "Dev;drop"], "--schema 'Dev;drop'", 2),
    (["v1", "v2", "--scratch-url", "postgresql://nobody@127.0.0.1:1/x"], "cannot connect to PostgreSQL", 1),
])
def test_bad_input_is_one_line_with_its_exit_code(tagged_repo, args, message, exit_code):
    result = tagged_repo.momrel("schema", "diff", *args)
    assert message in one_line_error(result, exit_code)
    assert result.stdout == ""


def test_unsupported_statement_names_file_and_line(tagged_repo):
    text = (tagged_repo.root / SCHEMA).read_text()
    (tagged_repo.root / SCHEMA).write_text(text + "\nALTER TABLE files ALTER COLUMN path SET STATISTICS 500;\n")
    line = len(text.splitlines()) + 2
    error = one_line_error(tagged_repo.momrel("schema", "diff", "v2", "WORKTREE"), 2)
    assert f"{SCHEMA}:{line}: ALTER TABLE … SET STATISTICS is not supported" in error


def test_sql_error_in_schema_names_file_and_line(tagged_repo):
    text = (tagged_repo.root / SCHEMA).read_text()
    (tagged_repo.root / SCHEMA).write_text(text + "\nCREATE INDEX broken_idx ON files (no_such_column);\n")
    error = one_line_error(tagged_repo.momrel("schema", "diff", "v2", "WORKTREE"), 2)
    assert f"{SCHEMA}:{len(text.splitlines()) + 2}: PostgreSQL refused it" in error
    assert "no_such_column" in error


def test_scratch_databases_are_dropped(tagged_repo, pg_server):
    tagged_repo.ok("schema", "diff", "v1", "v2", "--down", "--allow-hazards")
    with psycopg.connect(pg_server.url("postgres")) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'momrel_scratch_%'").fetchall()
    assert left == []


def test_throwaway_scratch_server_without_url(tmp_path):
    """Outside a repository and without a URL, a throwaway cluster is started and removed."""
    a, b = tmp_path / "a.sql", tmp_path / "b.sql"
    a.write_text("CREATE TABLE t (id integer PRIMARY KEY);\n")
    b.write_text("CREATE TABLE t (id integer PRIMARY KEY, note text);\n")
    with ScratchServer(None, None) as scratch:
        assert scratch._throwaway is not None
        home = scratch._throwaway.home
        migration = diff(SchemaSource("a", "a.sql", a.read_text(), None, "a.sql"),
                         SchemaSource("b", "b.sql", b.read_text(), None, "b.sql"), "public", scratch)
    assert [s.sql for s in migration.statements] == ['ALTER TABLE "t" ADD COLUMN "note" text']
    assert not home.exists()


def test_verification_names_the_objects_that_differ(pg_server):
    """A plan that does not reach the new schema is caught (exit code 4), objects named."""
    old = SchemaSource("a", "a.sql", "CREATE TABLE t (id integer);\n", None, "a.sql")
    new = SchemaSource("b", "b.sql", "CREATE TABLE t (id bigint, note text);\n", None, "b.sql")
    with ScratchServer(pg_server.url("postgres")) as scratch:
        correct = diff(old, new, "public", scratch)
        incomplete = dataclasses.replace(correct, statements=correct.statements[:1])
        expected = _expected_catalog(scratch, new)
        with raises_momrel_error(4) as failure:
            verify_migration(incomplete, old, expected, scratch)
    message = str(failure.value)
    assert "column public.t.id differs (data_type)" in message or "missing column public.t.note" in message


def _expected_catalog(scratch, source):
    from momrel.schema.catalog import read_catalog
    from momrel.schema.scratch import connect_in_schema, load_schema

    with scratch.database() as url:
        load_schema(url, source.text, source.where, "public")
        with connect_in_schema(url, "public", autocommit=True) as conn:
            return read_catalog(conn)


def test_git_diff_shows_the_normalized_schema(tagged_repo):
    tagged_repo.ok("hooks", "install")
    assert tagged_repo.git("config", "--get", "include.path").strip() == "../hooks/gitconfig"
    path = tagged_repo.root / SCHEMA
    path.write_text(path.read_text().replace("    nickname       varchar(40),",
                                             "    nickname       VARCHAR(40)   NOT NULL,"))
    # git runs the driver from hooks/gitconfig, which finds momrel on PATH (as `make` sets it).
    diff_text = git(tagged_repo.root / "sql", "diff", "--", "momentry.sql", env=tagged_repo.env())
    assert "+  , nickname varchar(40) NOT NULL" in diff_text
    assert "-  , nickname varchar(40)\n" in diff_text
    raw = tagged_repo.git("diff", "--no-textconv", "--", SCHEMA)
    assert "VARCHAR(40)   NOT NULL" in raw


def test_normalize_keeps_rename_annotations_and_survives_bad_sql(tagged_repo, tmp_path):
    good = tmp_path / "good.sql"
    good.write_text("-- a comment that goes\n-- @renamed from=people\nCREATE   TABLE persons (id int);\n")
    out = tagged_repo.ok("schema", "normalize", str(good)).stdout
    assert "-- @renamed from=people\nCREATE TABLE persons (\n  id integer\n);" in out
    assert "a comment that goes" not in out
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABL oops;\n")
    result = tagged_repo.momrel("schema", "normalize", str(bad))
    assert result.returncode == 0 and result.stdout == "CREATE TABL oops;\n"
    assert "printed as is" in result.stderr


def test_normalize_keeps_each_rename_annotation_with_its_table_or_column(tmp_path):
    schema = tmp_path / "annotated.sql"
    schema.write_text("-- @renamed from=people\n"
                      "CREATE   TABLE persons (\n"
                      "    id   bigserial PRIMARY KEY,\n"
                      "    -- @renamed from=name\n"
                      "    full_name text NOT NULL,\n"
                      "    note text\n"
                      ");\n"
                      "ALTER TABLE persons ADD COLUMN age int,\n"
                      "    -- @renamed from=\"Town\"\n"
                      "    ADD COLUMN city text;\n")
    result = run_momrel("schema", "normalize", str(schema))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "-- @renamed from=people\nCREATE TABLE persons (\n" in out
    assert "    id bigserial PRIMARY KEY\n  -- @renamed from=name\n  , full_name text NOT NULL\n" in out
    assert "    ADD COLUMN age integer\n  -- @renamed from=\"Town\"\n  , ADD COLUMN city text;" in out
    # The normalized text says the same renames as the file (parse.py reads it alike), and
    # normalizing it again changes nothing.
    renames = [(r.kind, r.table, r.old, r.new) for r in parse_schema(schema.read_text(), "a", "public").renames]
    assert renames == [(r.kind, r.table, r.old, r.new) for r in parse_schema(out, "b", "public").renames]
    assert len(renames) == 3
    assert normalize(out) == out


# A side is loaded in one round trip; only a failure runs it again statement by statement, so
# the error still names the file and line of the statement PostgreSQL refused.
LOAD_ERRORS = [
    # No position from the server: the line is that of the refused statement.
    ("CREATE TABLE a (id integer);\n\n-- again\nCREATE TABLE a (id integer);\n"
     "CREATE TABLE b (id integer);\n", 'f.sql:4: PostgreSQL refused it: relation "a" already exists'),
    # A position inside a statement of several lines: the line of that position.
    ("CREATE TABLE a (id integer);\nCREATE VIEW v AS\n    SELECT id,\n           missing\n    FROM a;\n",
     'f.sql:4: PostgreSQL refused it: column "missing" does not exist'),
]


@pytest.mark.parametrize("text, message", LOAD_ERRORS)
def test_load_error_names_the_line_of_the_refused_statement(pg_server, text, message):
    from momrel.schema.scratch import connect_in_schema, load_schema

    with ScratchServer(pg_server.url("postgres")) as scratch, scratch.database() as url:
        with raises_momrel_error(2) as failure:
            load_schema(url, text, "f.sql", "public")
        assert str(failure.value) == message
        with connect_in_schema(url, "public") as conn:  # one transaction: nothing was left behind
            assert conn.execute("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b', 'v')"
                                ).fetchone()[0] == 0

