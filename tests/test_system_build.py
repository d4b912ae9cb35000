"""System packages (`momrel system build|list|verify`) end to end: a source repository made
here with real git (release tags whose dates disagree with their semantic order), the session's
real PostgreSQL for the migrations, psql from the same installation, real DVC.

Each package is built once per module (a build takes seconds) and shared; tests that damage a
package work on a copy. A failed build must leave neither the package folder nor the hidden
folder it is built in (`.{version}.tmp-*`).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from momrel import pg
from momrel.bundle import sha256sums
from momrel.database import init_database
from momrel.schema.catalog import read_catalog
from momrel.schema.scratch import ScratchServer, connect_in_schema
from momrel.schema.verify import compare
from support import (CliResult, ContentRepo, assert_mentions, edit_params, git, make_content_repo,
                     one_line_error, tree_bytes)

# ---------------------------------------------------------------- the source repository
SCHEMA_FILE = "sql/momentry.sql"
SCRIPTS = ("pipeline_status.py", "generate_asr1.py", "apply_asr_corrections.py",
           "clean_sentence_text.py", "import_file_package.py")

SCHEMA_V1_3 = """\
CREATE TABLE files (
    file_uuid uuid PRIMARY KEY,
    name      text NOT NULL,
    status    text NOT NULL DEFAULT 'new'
);
COMMENT ON TABLE files IS 'one row per video';
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
"""
# v1.4.0-dev.1: one nullable column, no hazards from v1.3.0.
SCHEMA_V1_4_DEV = SCHEMA_V1_3.replace("'new'\n", "'new',\n    size_bytes integer\n")
# v1.4.0: the column widened (a rewrite from dev.1), an index, a new table. The migration from
# v1.3.0 alters files and leaves settings alone.
SCHEMA_V1_4 = SCHEMA_V1_4_DEV.replace("size_bytes integer", "size_bytes bigint") + """\
CREATE INDEX files_status ON files (status);
CREATE TABLE notes (
    id        bigserial PRIMARY KEY,
    file_uuid uuid NOT NULL REFERENCES files (file_uuid),
    body      text NOT NULL
);
"""
# v1.5.0 drops a column: hazards its lightweight tag cannot acknowledge.
SCHEMA_V1_5 = (SCHEMA_V1_4.replace("    status    text NOT NULL DEFAULT 'new',\n", "")
               .replace("CREATE INDEX files_status ON files (status);\n", ""))
SCHEMA_BROKEN = "CREATE TABLE files (file_uuid uuid PRIMARY KEY,, name text);\n"
# Both of v1.4.0's migrations (from v1.3.0: index-build; from v1.4.0-dev.1: the rest).
V1_4_ACKNOWLEDGED = "access-exclusive-lock,index-build,table-rewrite"
V1_5_HAZARDS = "backward-incompatible,deletes-data"


def _at(date: str) -> dict[str, str]:
    return {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}


def _write(src: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = src / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _commit(src: Path, date: str, message: str, files: dict[str, str]) -> None:
    _write(src, files)
    git(src, "add", "-A")
    git(src, "commit", "-qm", message, env=_at(date))


def _annotated_tag(src: Path, tag: str, date: str, message: str) -> None:
    git(src, "tag", "-a", tag, "-m", message, env=_at(date))


def make_source_repository(src: Path) -> Path:
    """Momentry's source in miniature, tagged v1.3.0 < v1.4.0-dev.1 < v1.4.0 < v1.4.1 < v1.5.0
    < v1.6.0-rc.1. Dates run against semantic order (v1.3.0's commit and tag are the newest of
    the first three), so a previous release found by date would be wrong."""
    src.mkdir(parents=True)
    git(src, "init", "-q", "-b", "main")
    files = {
        "README.md": "Momentry\n",
        "Cargo.toml": '[package]\nname = "momentry"\nversion = "1.3.0"\nedition = "2021"\n',
        "src/main.rs": 'fn main() { println!("momentry"); }\n',
        # Committed without the executable bit: the package makes it executable anyway.
        "test/api_test.sh": '#!/bin/sh\ncurl -fsS "$1/health" | grep -q "$2"\n',
        # References to the host's environment are not secrets.
        ".env.example": "DATABASE_URL=${DATABASE_URL}\nAPI_TOKEN=${API_TOKEN}\n",
        SCHEMA_FILE: SCHEMA_V1_3,
        **{f"scripts/{name}": f"#!/usr/bin/env python3\nprint({name!r})\n" for name in SCRIPTS},
    }
    _write(src, files)
    for name in SCRIPTS:
        (src / "scripts" / name).chmod(0o755)
    (src / "sql" / "current.sql").symlink_to("momentry.sql")
    # A relative link that climbs (`..`) yet stays inside the tree: verify must accept it.
    (src / "docs").mkdir()
    (src / "docs" / "README.md").symlink_to("../README.md")
    _commit(src, "2025-03-01T12:00:00+00:00", "Momentry 1.3.0", {})
    _annotated_tag(src, "v1.3.0", "2025-06-01T12:00:00+00:00", "Momentry 1.3.0\n")
    _commit(src, "2025-02-01T12:00:00+00:00", "Momentry 1.4.0-dev.1", {SCHEMA_FILE: SCHEMA_V1_4_DEV})
    _annotated_tag(src, "v1.4.0-dev.1", "2025-05-01T12:00:00+00:00", "Momentry 1.4.0-dev.1\n")
    _commit(src, "2025-01-01T12:00:00+00:00", "Momentry 1.4.0", {SCHEMA_FILE: SCHEMA_V1_4})
    _annotated_tag(src, "v1.4.0", "2025-04-01T12:00:00+00:00",
                   f"Momentry 1.4.0\n\nallow-hazards: {V1_4_ACKNOWLEDGED}\n")
    # v1.4.1, on a branch: a committed .env with a literal password.
    git(src, "checkout", "-q", "-b", "leak")
    _commit(src, "2025-01-02T12:00:00+00:00", "local settings", {"config/.env": "PASSWORD=x\n"})
    git(src, "tag", "v1.4.1")
    git(src, "checkout", "-q", "main")
    _commit(src, "2025-01-03T12:00:00+00:00", "Momentry 1.5.0", {SCHEMA_FILE: SCHEMA_V1_5})
    git(src, "tag", "v1.5.0")    # lightweight: no allow-hazards line possible
    _commit(src, "2025-01-04T12:00:00+00:00", "half-written schema", {SCHEMA_FILE: SCHEMA_BROKEN})
    _annotated_tag(src, "v1.6.0-rc.1", "2025-01-04T12:00:00+00:00", "Momentry 1.6.0-rc.1\n")
    return src


# ---------------------------------------------------------------- content repositories
def make_system_repo(folder: Path, database_url: str) -> ContentRepo:
    """A content repository whose prod variables also hold a secret-looking name that only
    references the host's environment (accepted)."""
    repo = make_content_repo(folder, database_url)
    edit_params(repo.root, lambda p: p["system"]["environments"]["prod"]["variables"].update(
        API_TOKEN="${API_TOKEN}"))
    repo.git("commit", "-qam", "prod reads API_TOKEN from the host")
    return repo



def variant(repo: ContentRepo, folder: Path, change) -> Path:
    """A copy of the content repository (no packages, no DVC cache) with params.yaml changed."""
    root = folder / "variant"
    shutil.copytree(repo.root, root, symlinks=True, ignore=shutil.ignore_patterns("release", "cache"))
    edit_params(root, change)
    return root


def package_dir(root: Path, env: str, version: str) -> Path:
    return root / "release" / "system" / env / version


def assert_no_package(root: Path, env: str, version: str) -> None:
    """Neither the package nor the hidden folder it was being built in (nor one moved aside)."""
    destination = package_dir(root, env, version)
    assert not destination.exists(), destination
    assert not list(destination.parent.glob(f".{version}.*")), list(destination.parent.iterdir())
    assert not destination.with_name(f"{version}.dvc").exists()


def build(repo: ContentRepo, source: Path, env: str, ref: str, *args: str,
          cwd: Path | None = None) -> CliResult:
    return repo.momrel("system", "build", "--env", env, "--ref", ref, "--source", str(source),
                       *args, cwd=cwd)


def build_error(result: CliResult, exit_code: int) -> str:
    """The one error line of a failed build; the progress lines before it (`-> ...`) are not
    part of the error."""
    rest = "".join(f"{line}\n" for line in result.stderr.splitlines() if not line.startswith("-> "))
    return one_line_error(dataclasses.replace(result, stderr=rest), exit_code)


@dataclass
class Built:
    path: Path
    facts: dict        # `system build --json`


def build_json(repo: ContentRepo, source: Path, env: str, ref: str, *args: str) -> Built:
    result = build(repo, source, env, ref, "--json", *args)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    return Built(Path(facts["path"]), facts)


# ---------------------------------------------------------------- databases
def psql(url: str, script: Path, *, single_transaction: bool) -> None:
    command = [str(pg.find_binaries() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
               *(["-1"] if single_transaction else []), "-f", str(script), "-d", url]
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"psql -f {script.name}: {result.stderr}"


def catalog(url: str, schema: str = "public"):
    with connect_in_schema(url, schema, autocommit=True) as conn:
        return read_catalog(conn)


def rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query).fetchall()


# ---------------------------------------------------------------- module fixtures
@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return make_source_repository(tmp_path_factory.mktemp("source") / "momentry")


@pytest.fixture(scope="module")
def scratch(pg_server):
    with ScratchServer(pg_server.url("postgres")) as server:
        yield server


@pytest.fixture(scope="module")
def repo(tmp_path_factory, scratch) -> ContentRepo:
    with scratch.database() as url:
        yield make_system_repo(tmp_path_factory.mktemp("content"), url)


@pytest.fixture(scope="module")
def prod_v140(repo, source) -> CliResult:
    """`momrel system build --env prod --ref v1.4.0` as a user types it."""
    return build(repo, source, "prod", "v1.4.0")


@pytest.fixture(scope="module")
def prod_package(repo, prod_v140) -> Path:
    assert prod_v140.returncode == 0, prod_v140.stderr
    return package_dir(repo.root, "prod", "v1.4.0")


@pytest.fixture(scope="module")
def prod_v130(repo, source) -> Built:
    return build_json(repo, source, "prod", "v1.3.0")


@pytest.fixture(scope="module")
def dev_pre(repo, source) -> Built:
    return build_json(repo, source, "dev", "v1.4.0-dev.1")


@pytest.fixture(scope="module")
def dev_v140(repo, source) -> Built:
    return build_json(repo, source, "dev", "v1.4.0")


# ---------------------------------------------------------------- 1. the prod package
PROD_V140_FILES = {
    "RELEASE_INFO.txt", "release.json", "SHA256SUMS", "source.tar.gz", ".env", "schema_public.sql",
    *(f"scripts/{name}" for name in SCRIPTS), "test/api_test.sh",
    "migration/v1.3.0_to_v1.4.0.sql", "migration/v1.4.0_to_v1.3.0.sql",
    "migration/v1.3.0_to_v1.4.0.json", "migration/v1.4.0_to_v1.3.0.json",
}


def test_a_final_tag_makes_a_complete_prod_package(repo, source, prod_v140, prod_package):
    assert prod_v140.stdout.startswith(f"new: {prod_package} (prod v1.4.0, previous v1.3.0, ")
    assert_mentions(prod_v140.stdout, "hazards acknowledged: index-build",
                    "tracked by DVC: release/system/prod/v1.4.0.dvc")
    assert set(tree_bytes(prod_package)) == PROD_V140_FILES
    checked = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=prod_package,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK\n") == len(PROD_V140_FILES) - 1
    for runnable in ("test/api_test.sh", *(f"scripts/{name}" for name in SCRIPTS)):
        assert os.access(prod_package / runnable, os.X_OK), runnable

    with tarfile.open(prod_package / "source.tar.gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == git(source, "ls-tree", "-r", "--name-only", "v1.4.0").splitlines()
    link = next(m for m in members if m.name == "sql/current.sql")
    assert link.issym() and link.linkname == "momentry.sql"
    assert {m.uname for m in members} == {""} and {m.mtime for m in members} == {
        int(git(source, "log", "-1", "--format=%ct", "v1.4.0"))}

    commit = git(source, "rev-parse", "v1.4.0^{commit}").strip()
    schema_sha = hashlib.sha256(git(source, "show", f"v1.4.0:{SCHEMA_FILE}").encode()).hexdigest()
    info = (prod_package / "RELEASE_INFO.txt").read_text()
    assert_mentions(info, "version:           v1.4.0\n", "tag:               v1.4.0\n",
                    f"commit:            {commit}\n", "previous version:  v1.3.0 (commit ",
                    f"sha256 {schema_sha}", "acknowledged (index-build) by tag message",
                    "commit time:       2025-01-01T12:00:00+00:00")
    facts = json.loads((prod_package / "release.json").read_text())
    assert (facts["environment"], facts["schema"], facts["port"]) == ("prod", "public", 3002)
    assert facts["previous"]["version"] == "v1.3.0" and facts["schema_sha256"] == schema_sha
    assert facts["migration"]["acknowledged_by"] == "tag message"

    env = (prod_package / ".env").read_text().splitlines()
    assert {"DATABASE_SCHEMA=public", "PORT=3002", "DATABASE_URL=${DATABASE_URL}",
            "API_TOKEN=${API_TOKEN}", "RUST_LOG=info"} <= set(env)

    verified = repo.momrel("system", "verify", str(prod_package))
    assert verified.returncode == 0 and verified.stdout.startswith("ok: "), verified.stderr
    as_json = repo.momrel("system", "verify", str(prod_package), "--json")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert (report["ok"], report["problems"], report["previous"]) == (True, [], "v1.3.0")


def test_the_demo_source_builds_a_verified_prod_package(repo, tmp_path):
    """`momrel demo source`'s repository: v1.4.0's tag message acknowledges its hazards."""
    from momrel.demo.source_repo import V1_4_0_HAZARDS, create_source_repository

    demo = create_source_repository(tmp_path / "momentry").path
    other = dataclasses.replace(repo, root=tmp_path / "content")
    shutil.copytree(repo.root, other.root, symlinks=True,
                    ignore=shutil.ignore_patterns("release", "cache"))
    built = build_json(other, demo, "prod", "v1.4.0")
    assert (built.facts["previous"], built.facts["hazards"]) == ("v1.3.0", list(V1_4_0_HAZARDS))
    package = built.path
    assert set(tree_bytes(package)) == PROD_V140_FILES
    checked = subprocess.run(["sha256sum", "--strict", "--quiet", "-c", "SHA256SUMS"], cwd=package,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with tarfile.open(package / "source.tar.gz") as tar:
        names = tar.getnames()
    assert names == git(demo, "ls-tree", "-r", "--name-only", "v1.4.0").splitlines()
    assert "by tag message" in (package / "RELEASE_INFO.txt").read_text()
    assert other.momrel("system", "verify", str(package)).returncode == 0


# ---------------------------------------------------------------- 2. the migration on a real database
def test_the_migration_upgrades_a_v1_3_0_database_and_rolls_it_back(repo, prod_package, prod_v130,
                                                                     scratch):
    old_schema = prod_v130.path / "schema_public.sql"
    up = prod_package / "migration" / "v1.3.0_to_v1.4.0.json"
    down = prod_package / "migration" / "v1.4.0_to_v1.3.0.json"
    with scratch.database() as live, scratch.database() as v130, scratch.database() as v140, \
            scratch.database() as by_psql:
        for url in (live, v130, by_psql):
            psql(url, old_schema, single_transaction=True)
        psql(v140, prod_package / "schema_public.sql", single_transaction=True)
        with psycopg.connect(live, autocommit=True) as conn:
            conn.execute("INSERT INTO files (file_uuid, name) VALUES "
                         "('00000000-0000-0000-0000-000000000001', 'a.mp4'), "
                         "('00000000-0000-0000-0000-000000000002', 'b.mp4')")
            conn.execute("INSERT INTO settings VALUES ('theme', 'dark')")
        assert compare(catalog(live), catalog(v140)) != []

        applied = repo.momrel("schema", "apply", str(up), "--database-url", live)
        assert applied.returncode == 0, applied.stderr
        assert compare(catalog(live), catalog(v140)) == []
        assert rows(live, "SELECT name, status, size_bytes FROM files ORDER BY name") == [
            ("a.mp4", "new", None), ("b.mp4", "new", None)]
        assert rows(live, "SELECT key, value FROM settings") == [("theme", "dark")]

        rolled_back = repo.momrel("schema", "apply", str(down), "--database-url", live)
        assert rolled_back.returncode == 0, rolled_back.stderr
        assert compare(catalog(live), catalog(v130)) == []
        assert rows(live, "SELECT name, status FROM files ORDER BY name") == [
            ("a.mp4", "new"), ("b.mp4", "new")]
        assert rows(live, "SELECT key, value FROM settings") == [("theme", "dark")]

        # The .sql for people: psql runs it as it is (its own BEGIN/COMMIT, then CONCURRENTLY).
        psql(by_psql, up.parent / "v1.3.0_to_v1.4.0.sql", single_transaction=False)
        assert compare(catalog(by_psql), catalog(v140)) == []


# ---------------------------------------------------------------- 3. schema files = db init
def test_the_schema_files_create_what_db_init_creates(repo, source, prod_package, dev_v140, scratch,
                                                      tmp_path):
    schema_file = tmp_path / "momentry.sql"
    schema_file.write_bytes(subprocess.run(["git", "show", f"v1.4.0:{SCHEMA_FILE}"], cwd=source,
                                           capture_output=True, check=True).stdout)
    config = dataclasses.replace(repo.config(), schema_file=schema_file)
    with scratch.database() as by_psql, scratch.database() as by_init:
        psql(by_psql, prod_package / "schema_public.sql", single_transaction=True)
        psql(by_psql, dev_v140.path / "schema_dev.sql", single_transaction=True)
        assert sorted(init_database(config, by_init).created) == ["dev", "public"]
        for schema in ("dev", "public"):
            assert rows(by_psql, f"SELECT to_regclass('{schema}.notes') IS NOT NULL") == [(True,)]
            assert compare(catalog(by_psql, schema), catalog(by_init, schema)) == [], schema


# ---------------------------------------------------------------- 4. previous releases
def test_previous_releases_go_by_semantic_version_not_date(repo, source, dev_pre, dev_v140, prod_package):
    def epoch(tag):
        return int(git(source, "log", "-1", "--format=%ct", tag))

    # The point of the fixture: by date, v1.3.0 is the newest and v1.4.0 the oldest.
    assert epoch("v1.3.0") > epoch("v1.4.0-dev.1") > epoch("v1.4.0")

    assert (dev_pre.facts["previous"], dev_pre.facts["environment"]) == ("v1.3.0", "dev")
    assert dev_pre.path == package_dir(repo.root, "dev", "v1.4.0-dev.1")
    assert dev_pre.facts["migration_up"] == "migration/v1.3.0_to_v1.4.0-dev.1.sql"
    assert dev_pre.facts["hazards"] == []
    assert {".env.development", "schema_dev.sql"} <= set(dev_pre.facts["files"])
    assert "RELEASE_INFO.txt" in dev_pre.facts["files"] and ".env" not in dev_pre.facts["files"]

    assert dev_v140.facts["previous"] == "v1.4.0-dev.1"
    assert dev_v140.facts["migration_down"] == "migration/v1.4.0_to_v1.4.0-dev.1.sql"
    assert dev_v140.facts["hazards"] == V1_4_ACKNOWLEDGED.split(",")
    env = (dev_v140.path / ".env.development").read_text().splitlines()
    assert {"DATABASE_SCHEMA=dev", "PORT=3003", "RUST_LOG=debug"} <= set(env)
    assert "API_TOKEN=${API_TOKEN}" not in env

    assert json.loads((prod_package / "release.json").read_text())["previous"]["version"] == "v1.3.0"


def test_a_pre_release_is_not_a_prod_package(repo, source):
    line = build_error(build(repo, source, "prod", "v1.4.0-dev.1"), 2)
    assert_mentions(line, "v1.4.0-dev.1 is a pre-release", "--env dev")
    assert_no_package(repo.root, "prod", "v1.4.0-dev.1")


def test_the_first_release_migrates_from_an_empty_schema(prod_v130, scratch):
    assert prod_v130.facts["previous"] is None
    assert (prod_v130.facts["migration_up"], prod_v130.facts["migration_down"]) == (
        "migration/none_to_v1.3.0.sql", "migration/v1.3.0_to_none.sql")
    assert "previous version:  none: the first release" in (prod_v130.path / "RELEASE_INFO.txt").read_text()
    assert json.loads((prod_v130.path / "release.json").read_text())["previous"] is None
    with scratch.database() as migrated, scratch.database() as created:
        psql(migrated, prod_v130.path / "migration" / "none_to_v1.3.0.sql", single_transaction=False)
        psql(created, prod_v130.path / "schema_public.sql", single_transaction=True)
        assert rows(migrated, "SELECT to_regclass('public.settings') IS NOT NULL") == [(True,)]
        assert compare(catalog(migrated), catalog(created)) == []


# ---------------------------------------------------------------- 5. reproducible
def test_the_same_tag_builds_the_same_bytes(repo, source, prod_package, scratch, tmp_path):
    with scratch.database() as url:
        other = make_system_repo(tmp_path, url)
    again = package_dir(other.root, "prod", "v1.4.0")
    first = build(other, source, "prod", "v1.4.0")
    assert first.returncode == 0 and first.stdout.startswith("new: "), first.stderr
    expected = tree_bytes(prod_package)
    assert tree_bytes(again) == expected
    assert ({p: (again / p).stat().st_mode for p in expected}
            == {p: (prod_package / p).stat().st_mode for p in expected})

    second = build(other, source, "prod", "v1.4.0")
    assert second.returncode == 0 and second.stdout.startswith(f"unchanged: {again} "), second.stderr

    script = again / "scripts" / SCRIPTS[0]
    script.write_bytes(script.read_bytes() + b"# edited by hand\n")
    tampered = tree_bytes(again)
    line = build_error(build(other, source, "prod", "v1.4.0"), 1)
    assert_mentions(line, str(again), "differs", "--force")
    assert tree_bytes(again) == tampered
    assert not list(again.parent.glob(".v1.4.0.*"))

    forced = build(other, source, "prod", "v1.4.0", "--force")
    assert forced.returncode == 0 and forced.stdout.startswith(f"replaced: {again} "), forced.stderr
    assert tree_bytes(again) == expected
    assert not list(again.parent.glob(".v1.4.0.*"))

    # The executable bit is part of the package: a script made non-executable differs too.
    (again / "scripts" / SCRIPTS[0]).chmod(0o644)
    assert_mentions(build_error(build(other, source, "prod", "v1.4.0"), 1), "differs", "--force")


# ---------------------------------------------------------------- 6. refusals
@pytest.mark.parametrize("name, value, says", [
    ("API_TOKEN", "abc", "API_TOKEN looks secret and has a literal value"),
    ("DATABASE_URL", "postgres://u:pw@h/db", "DATABASE_URL holds a URL with a password"),
])
def test_a_secret_in_the_variables_is_refused_naming_the_key(repo, source, tmp_path, name, value, says):
    root = variant(repo, tmp_path, lambda p: p["system"]["environments"]["prod"]["variables"].update(
        {name: value}))
    result = build(repo, source, "prod", "v1.4.0", cwd=root)
    assert_mentions(build_error(result, 2), "system.environments.prod.variables", says)
    assert value not in result.stderr and "pw" not in result.stderr
    assert_no_package(root, "prod", "v1.4.0")


def test_a_password_in_the_restart_command_is_refused(repo, source, tmp_path):
    root = variant(repo, tmp_path, lambda p: p["system"]["environments"]["prod"].update(
        restart="deploy/restart.sh --db postgres://u:s3cret@h/db"))
    result = build(repo, source, "prod", "v1.4.0", cwd=root)
    assert_mentions(build_error(result, 2), "system.environments.prod.restart", "a URL with a password")
    assert "s3cret" not in result.stderr
    assert_no_package(root, "prod", "v1.4.0")


def test_a_secret_env_file_in_the_source_tree_is_refused_naming_it(repo, source):
    result = build(repo, source, "prod", "v1.4.1")
    assert_mentions(build_error(result, 2), "v1.4.1: config/.env:1: PASSWORD looks secret",
                    "secrets never enter a package")
    assert_no_package(repo.root, "prod", "v1.4.1")


def test_a_schema_file_that_does_not_parse_is_refused(repo, source):
    line = build_error(build(repo, source, "dev", "v1.6.0-rc.1"), 2)
    assert_mentions(line, f"v1.6.0-rc.1:{SCHEMA_FILE}")
    assert_no_package(repo.root, "dev", "v1.6.0-rc.1")


def test_hazards_must_be_acknowledged(repo, source):
    refused = build(repo, source, "prod", "v1.5.0")
    assert refused.returncode == 3, refused.stderr
    first = next(line for line in refused.stderr.splitlines() if not line.startswith("-> "))
    assert_mentions(first, "momrel: error: v1.5.0: ", "hazards not acknowledged",
                    f"--allow-hazards {V1_5_HAZARDS}", f"allow-hazards: {V1_5_HAZARDS}")
    assert_mentions(refused.stderr, 'deletes-data: ALTER TABLE "files" DROP COLUMN "status"')
    assert refused.stdout == ""
    assert_no_package(repo.root, "prod", "v1.5.0")

    # Bare --allow-hazards acknowledges every kind; --prev overrides the previous release
    # (by default v1.4.1, the highest final tag below).
    built = build_json(repo, source, "prod", "v1.5.0", "--prev", "v1.4.0", "--allow-hazards")
    assert (built.facts["previous"], built.facts["hazards"]) == ("v1.4.0", V1_5_HAZARDS.split(","))
    assert built.facts["migration_up"] == "migration/v1.4.0_to_v1.5.0.sql"
    info = (built.path / "RELEASE_INFO.txt").read_text()
    assert_mentions(info, f"acknowledged ({V1_5_HAZARDS.replace(',', ', ')}) by --allow-hazards",
                    'deletes-data: ALTER TABLE "files" DROP COLUMN "status"')


def test_an_unknown_ref_is_refused(repo, source):
    assert_mentions(build_error(build(repo, source, "prod", "v9.9.9"), 1), "v9.9.9")
    assert_no_package(repo.root, "prod", "v9.9.9")


def test_without_a_system_section_nothing_is_built(repo, source, tmp_path):
    root = variant(repo, tmp_path, lambda p: p.pop("system"))
    assert_mentions(build_error(build(repo, source, "prod", "v1.4.0", cwd=root), 2),
                    "params.yaml has no system: section")
    assert_no_package(root, "prod", "v1.4.0")


# ---------------------------------------------------------------- 7. verify catches tampering
def _fix_checksums(package: Path) -> None:
    listed = sha256sums.of_folder(package)
    listed.pop(sha256sums.FILE_NAME)
    (package / sha256sums.FILE_NAME).write_bytes(sha256sums.render(listed))


def _change_a_script(package: Path) -> None:
    script = package / "scripts" / SCRIPTS[0]
    data = bytearray(script.read_bytes())
    data[-2] ^= 1
    script.write_bytes(bytes(data))


def _wrong_type_in_release_json(package: Path) -> None:
    facts = json.loads((package / "release.json").read_text())
    facts["port"] = "3002"
    (package / "release.json").write_text(json.dumps(facts, indent=2, sort_keys=True) + "\n")
    _fix_checksums(package)


def _member_escaping_the_folder(package: Path) -> None:
    """The same tar with one member renamed ../x; release.json and SHA256SUMS made to agree,
    so only the member check can catch it."""
    with tarfile.open(package / "source.tar.gz") as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in members:
            if member.name == "README.md":
                member.name = "../x"
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    (package / "source.tar.gz").write_bytes(gzip.compress(raw.getvalue(), mtime=0))
    facts = json.loads((package / "release.json").read_text())
    facts["source_tar_sha256"] = hashlib.sha256(raw.getvalue()).hexdigest()
    (package / "release.json").write_text(json.dumps(facts, indent=2, sort_keys=True) + "\n")
    _fix_checksums(package)


def _secret_in_env_file(package: Path) -> None:
    with (package / ".env").open("a") as env:
        env.write("API_TOKEN=abc\n")
    _fix_checksums(package)


TAMPERINGS = {
    "changed byte": (_change_a_script, f"scripts/{SCRIPTS[0]}: sha256 differs from SHA256SUMS"),
    "extra file": (lambda p: (p / "notes.txt").write_text("hi\n"), "notes.txt is not listed in SHA256SUMS"),
    "removed file": (lambda p: (p / "test" / "api_test.sh").unlink(),
                     "test/api_test.sh is listed in SHA256SUMS but missing"),
    "wrong type": (_wrong_type_in_release_json, "release.json: "),
    "other environment": (None, "a prod package in the dev folder"),
    "member ../x": (_member_escaping_the_folder, "../x"),
    "secret in .env": (_secret_in_env_file, ".env:"),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_verify_catches_tampering(repo, prod_package, tmp_path, tampering):
    change, says = TAMPERINGS[tampering]
    copy = tmp_path / ("dev" if tampering == "other environment" else "prod") / "v1.4.0"
    shutil.copytree(prod_package, copy, symlinks=True)
    if change is not None:
        change(copy)
    result = repo.momrel("system", "verify", str(copy))
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"momrel: error: {copy}: ")
    assert says in result.stderr, result.stderr
    report = repo.momrel("system", "verify", str(copy), "--json")
    assert report.returncode == 1 and json.loads(report.stdout)["ok"] is False


def test_verify_names_the_only_problem_of_a_member_escaping_the_folder(prod_package, tmp_path):
    from momrel.syspkg.inventory import verify_package

    copy = tmp_path / "prod" / "v1.4.0"
    shutil.copytree(prod_package, copy, symlinks=True)
    _member_escaping_the_folder(copy)
    problems = verify_package(copy, ("dev", "prod")).problems
    assert len(problems) == 1 and "../x" in problems[0], problems


# ---------------------------------------------------------------- 8. DVC
def test_dvc_pulls_one_package_into_a_fresh_clone(repo, prod_package, dev_pre, tmp_path):
    assert (repo.root / "release/system/prod/v1.4.0.dvc").is_file()
    assert (repo.root / "release/system/dev/v1.4.0-dev.1.dvc").is_file()
    repo.git("add", "release/system")
    repo.git("commit", "-qm", "system packages")
    repo.dvc("push", "-q")

    listed = {(p["environment"], p["version"]): p
              for p in json.loads(repo.ok("system", "list", "--json").stdout)}
    assert listed[("prod", "v1.4.0")]["state"] == "present"
    assert listed[("prod", "v1.4.0")]["previous"] == "v1.3.0"
    assert listed[("dev", "v1.4.0-dev.1")]["state"] == "present"

    clone = tmp_path / "host"
    git(tmp_path, "clone", "-q", str(repo.root), str(clone))
    repo.dvc("pull", "-q", "release/system/prod/v1.4.0", cwd=clone)
    pulled = package_dir(clone, "prod", "v1.4.0")
    assert tree_bytes(pulled) == tree_bytes(prod_package)
    assert not package_dir(clone, "dev", "v1.4.0-dev.1").exists()
    assert [p for p in (clone / "release/system").glob("*/*") if p.is_dir()] == [pulled]
    assert git(clone, "status", "--porcelain") == ""

    verified = repo.momrel("system", "verify", str(pulled), cwd=clone)
    assert verified.returncode == 0, verified.stderr
    on_host = {(p["environment"], p["version"]): p["state"]
               for p in json.loads(repo.momrel("system", "list", "--json", cwd=clone).stdout)}
    assert on_host[("prod", "v1.4.0")] == "present"
    assert on_host[("dev", "v1.4.0-dev.1")] == "not pulled"
    assert set(on_host.values()) == {"present", "not pulled"}
    assert list(on_host.values()).count("present") == 1
