"""`momrel system upgrade|status|rollback` end to end: dev packages of the demo source built once
per module, the session's real PostgreSQL, real cargo builds in each release folder, the real
service restarted on a free port (shared/env's PORT) and smoke-tested by its own api_test.sh.

Every test that upgrades starts a service; it is stopped in a `finally` (the `host` fixture).
A refusal must change nothing: the schema's catalog and history, the app dir (names, link
targets, file bytes) and the running service (pid and /health) are compared before and after.
An injected failure must end where it started: schema dev equal to v1.3.0's, `current` on
v1.3.0, the v1.3.0 service answering on the same port, and the history telling what happened.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from momrel.demo.source_repo import create_source_repository
from momrel.schema.catalog import read_catalog
from momrel.schema.scratch import connect_in_schema
from momrel.schema.startpoint import target_schema
from momrel.schema.verify import compare
from momrel.syspkg import history, service
from momrel.syspkg.build import build_package
from momrel.syspkg.host import AppDir
from support import (MOMREL, CliResult, ContentRepo, assert_mentions, edit_params, empty_database, git,
                     make_content_repo, one_line_error)

SCHEMA = "dev"
IGNORED = frozenset({history.HISTORY_TABLE})
V13, V14 = "v1.3.0", "v1.4.0-dev.1"
BROKEN = "v1.4.0-dev.2"          # Rust that does not compile
WRONG_VERSION = "v1.4.0-dev.3"   # Cargo.toml says 1.4.0-dev.9: the service answers the wrong version


# ---------------------------------------------------------------- the module's packages
@dataclass
class Setup:
    repo: ContentRepo        # params.yaml: migrations.lock_timeout 1s
    patient: Path            # a copy of its params.yaml with lock_timeout 60s (the SIGKILL test)
    admin_url: str
    packages: dict[str, Path]     # dev packages by version, and "prod v1.3.0"
    catalogs: dict                # version -> the catalog of schema dev made from its schema_dev.sql

    def package(self, version: str) -> Path:
        return self.packages[version]

    def momrel(self, *args: str, root: Path | None = None) -> CliResult:
        return self.repo.momrel(*args, cwd=root or self.repo.root)



def _tag_variant(source: Path, tag: str, change) -> None:
    """A commit on a branch from v1.4.0-dev.1 (same schema), changed by `change`, tagged `tag`."""
    git(source, "checkout", "-q", "-b", f"branch-{tag}", V14)
    change(source)
    git(source, "commit", "-qam", f"Momentry {tag}")
    git(source, "tag", tag)
    git(source, "checkout", "-q", "main")


def _break_rust(source: Path) -> None:
    lib = source / "src" / "lib.rs"
    lib.write_text(lib.read_text() + '\npub fn broken() -> u32 {\n    "not a number"\n}\n')


def _wrong_cargo_version(source: Path) -> None:
    cargo = source / "Cargo.toml"
    cargo.write_text(cargo.read_text().replace('version = "1.4.0-dev.1"', 'version = "1.4.0-dev.9"'))


@pytest.fixture(scope="module")
def setup(pg_server, tmp_path_factory) -> Setup:
    folder = tmp_path_factory.mktemp("upgrade")
    source = create_source_repository(folder / "source").path
    _tag_variant(source, BROKEN, _break_rust)
    _tag_variant(source, WRONG_VERSION, _wrong_cargo_version)
    admin_url = pg_server.url("postgres")
    # Every command names its database; the repository's default is never used.
    repo = make_content_repo(folder, pg_server.url("momrel_no_such_database"))
    edit_params(repo.root, lambda p: p["migrations"].update(lock_timeout="1s"))
    patient = folder / "patient"
    shutil.copytree(repo.root, patient, symlinks=True, ignore=shutil.ignore_patterns("release", "cache"))
    edit_params(patient, lambda p: p["migrations"].update(lock_timeout="60s"))
    config = repo.config()
    packages = {}
    for version, prev in ((V13, None), (V14, None), (BROKEN, V13), (WRONG_VERSION, V13)):
        packages[version] = build_package(config, "dev", version, prev=prev, source=source,
                                          track=False, scratch_url=admin_url).path
    packages["prod " + V13] = build_package(config, "prod", V13, source=source, track=False,
                                            scratch_url=admin_url).path
    catalogs = {version: _catalog_of_script(pg_server, (packages[version] / "schema_dev.sql").read_text())
                for version in (V13, V14)}
    return Setup(repo, patient, admin_url, packages, catalogs)




def _run_script(url: str, script: str) -> None:
    """A rendered schema_dev.sql, as `psql -1 -f` runs it."""
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute(script.encode("utf-8"))


def _catalog_of_script(pg_server, script: str):
    with empty_database(pg_server) as url:
        _run_script(url, script)
        return _live_catalog(url)


def _live_catalog(url: str):
    """Schema dev as the migrations see it: the history table left out."""
    with connect_in_schema(url, SCHEMA, autocommit=True) as conn:
        return target_schema(read_catalog(conn), SCHEMA, IGNORED)


def assert_schema_is(setup: Setup, url: str, version: str) -> None:
    problems = compare(_live_catalog(url), setup.catalogs[version])
    assert problems == [], f"schema dev is not {version}'s: {problems}"


def history_rows(url: str) -> list[history.HistoryRow]:
    with psycopg.connect(url, autocommit=True) as conn:
        return history.read_history(conn, SCHEMA)


# ---------------------------------------------------------------- hosts
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Host:
    app: AppDir
    port: int
    url: str              # the database

    def health(self) -> dict:
        return service.wait_healthy(self.port, 10)

    def pid(self) -> int:
        return int((self.app.run_dir / service.PID_FILE).read_text())


@pytest.fixture
def host(tmp_path, database_url):
    """A new app dir whose shared/env sets a free port, on an empty database; its service is
    stopped at the end whatever happened."""
    app = AppDir(tmp_path / "app")
    port = free_port()
    app.shared_env.parent.mkdir(parents=True)
    app.shared_env.write_text(f"PORT={port}\n")
    try:
        yield Host(app, port, database_url)
    finally:
        service.stop(app.run_dir)


def upgrade(setup: Setup, host: Host, version: str, *args: str, root: Path | None = None) -> CliResult:
    return setup.momrel("system", "upgrade", str(setup.package(version)), "--app-dir", str(host.app.path),
                        "--database-url", host.url, *args, root=root)


def upgraded(setup: Setup, host: Host, version: str, *args: str) -> CliResult:
    result = upgrade(setup, host, version, *args)
    assert result.returncode == 0, f"upgrade to {version}:\n{result.stderr}\n{result.stdout}"
    return result


def system(setup: Setup, host: Host, command: str, *args: str) -> CliResult:
    return setup.momrel("system", command, "--app-dir", str(host.app.path), "--database-url", host.url, *args)


def assert_at(setup: Setup, host: Host, version: str) -> None:
    """The whole host at `version`: schema, history, current, the service's answer."""
    assert_schema_is(setup, host.url, version)
    with psycopg.connect(host.url, autocommit=True) as conn:
        assert history.current_version(conn, SCHEMA) == version
    assert host.app.current() == version
    assert os.readlink(host.app.path / "current") == f"releases/{version}"
    assert host.health() == {"status": "ok", "service": "momentry_playground",
                             "version": version.lstrip("v"), "schema": SCHEMA}


def failure_line(result: CliResult) -> str:
    """The error of a failed upgrade (its message carries the tail of a step's output)."""
    assert result.returncode == 1, f"exit {result.returncode}:\n{result.stderr}"
    errors = [line for line in result.stderr.splitlines() if line.startswith("momrel: error: ")]
    assert len(errors) == 1, result.stderr
    return result.stderr[result.stderr.index(errors[0]):]


# ---------------------------------------------------------------- snapshots
def _tree(folder: Path) -> dict[str, tuple]:
    """Every entry below `folder`: folders, link targets, file modes and hashes (the service's
    own log grows with each request and is only named)."""
    entries = {}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(top) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                entries[relative] = ("link", os.readlink(path))
            elif path.is_dir():
                entries[relative] = ("dir",)
            elif relative == "run/service.log":
                entries[relative] = ("file",)
            else:
                entries[relative] = ("file", path.stat().st_mode,
                                     hashlib.sha256(path.read_bytes()).hexdigest())
    return entries


@dataclass
class Snapshot:
    catalog: object
    history: list
    tree: dict
    pid: int | None
    health: dict | None


def snapshot(host: Host, url: str | None = None) -> Snapshot:
    url = url or host.url
    pid_file = host.app.run_dir / service.PID_FILE
    return Snapshot(_live_catalog(url), history_rows(url), _tree(host.app.path),
                    int(pid_file.read_text()) if pid_file.exists() else None,
                    host.health() if pid_file.exists() else None)


def assert_unchanged(before: Snapshot, after: Snapshot) -> None:
    assert compare(after.catalog, before.catalog) == []
    assert after.history == before.history
    changed = {name for name in before.tree.keys() | after.tree.keys()
               if before.tree.get(name) != after.tree.get(name)}
    assert not changed, sorted(changed)[:10]
    assert (after.pid, after.health) == (before.pid, before.health)


# ---------------------------------------------------------------- the happy paths
def test_first_release_upgrade_rollback_and_upgrade_again(setup, host):
    # An empty database: the first release creates schema dev.
    result = upgraded(setup, host, V13)
    assert_mentions(result.stdout, f"upgraded {host.app.path} to {V13} (dev)")
    assert_at(setup, host, V13)
    assert host.app.environment() == "dev"

    result = upgraded(setup, host, V14)
    for step in ("unpack", "migrate", "build", "switch", "restart"):
        assert f"-> {step}: done in " in result.stderr, result.stderr
    assert_at(setup, host, V14)
    rows = history_rows(host.url)
    assert [(r.version, r.previous_version, r.kind, r.success, r.post_done, r.rolled_back_at)
            for r in rows] == [(V13, None, "upgrade", True, True, None),
                               (V14, V13, "upgrade", True, True, None)]
    up_json = setup.package(V14) / json.loads((setup.package(V14) / "release.json").read_text())[
        "migration"]["up_json"]
    assert rows[1].migration_sha256 == hashlib.sha256(up_json.read_bytes()).hexdigest()
    # The smoke test ran against the new service and passed; the build's output is logged.
    smoke_logs = sorted(host.app.logs_dir.glob(f"*-{V14}-smoke-test.log"))
    assert len(smoke_logs) == 1 and "api_test: ok" in smoke_logs[0].read_text()
    assert "[exit status 0]" in next(host.app.logs_dir.glob(f"*-{V14}-build.log")).read_text()
    assert (host.app.release_dir(V14) / "target/debug/momentry_playground").is_file()
    assert f"PORT={host.port}" in (host.app.release_dir(V14) / ".env.development").read_text()

    status = json.loads(system(setup, host, "status", "--json").stdout)
    assert (status["environment"], status["current"], status["database"]) == ("dev", V14, V14)
    assert status["releases"] == [V13, V14] and status["problems"] == []
    assert [(h["version"], h["success"], h["post_done"]) for h in status["history"]] == \
        [(V13, True, True), (V14, True, True)]
    assert status["service"]["version"] == "1.4.0-dev.1"

    result = system(setup, host, "rollback")
    assert result.returncode == 0, result.stderr
    assert_mentions(result.stdout, f"rolled back {host.app.path} from {V14} to {V13}")
    assert_at(setup, host, V13)
    rows = history_rows(host.url)
    assert len(rows) == 2 and rows[1].rolled_back_at is not None and rows[1].success

    # Again: a new history row, the release folder unpacked and built afresh.
    upgraded(setup, host, V14)
    assert_at(setup, host, V14)
    assert [(r.version, r.success, r.rolled_back_at is None) for r in history_rows(host.url)] == \
        [(V13, True, True), (V14, True, False), (V14, True, True)]


def test_baseline_then_upgrade_on_an_empty_app_dir(setup, host):
    _run_script(host.url, (setup.package(V13) / "schema_dev.sql").read_text())
    result = setup.momrel("system", "baseline", "--env", "dev", "--version", V13, "--database-url", host.url)
    assert result.returncode == 0, result.stderr
    assert_mentions(result.stdout, f"baseline: schema dev at {V13}")
    upgraded(setup, host, V14)
    assert_at(setup, host, V14)
    assert [(r.version, r.kind, r.success) for r in history_rows(host.url)] == \
        [(V13, "baseline", True), (V14, "upgrade", True)]
    assert host.app.releases() == [V14]
    # No release folder to go back to: the rollback is refused and changes nothing.
    before = snapshot(host)
    error = one_line_error(system(setup, host, "rollback"), 2)
    assert_mentions(error, f"releases/{V13} is gone")
    assert_unchanged(before, snapshot(host))


# ---------------------------------------------------------------- refusals change nothing
def test_refusals_change_nothing(setup, host, tmp_path, pg_server):
    upgraded(setup, host, V13)
    upgraded(setup, host, V14)
    before = snapshot(host)

    def refused(package: Path, exit_code: int, *fragments: str, url: str | None = None) -> None:
        result = setup.momrel("system", "upgrade", str(package), "--app-dir", str(host.app.path),
                              "--database-url", url or host.url)
        assert_mentions(one_line_error(result, exit_code), *fragments)

    # The database is at another version: the same package again, one from another release.
    refused(setup.package(V14), 5, f"schema dev is already at {V14}")
    refused(setup.package(BROKEN), 5, f"schema dev is at {V14}, but {BROKEN} upgrades from {V13}")
    refused(setup.package(V13), 5, f"{V13} is a first release", f"schema dev is at {V14}")
    # A prod package on a dev host.
    refused(setup.package("prod " + V13), 2, "runs the dev environment", "is a prod package")
    # A corrupted package: one byte changed in a copy.
    corrupted = tmp_path / "corrupted" / V14
    shutil.copytree(setup.package(V14), corrupted)
    archive = bytearray((corrupted / "source.tar.gz").read_bytes())
    archive[len(archive) // 2] ^= 0x01
    (corrupted / "source.tar.gz").write_bytes(bytes(archive))
    refused(corrupted, 1, "problem(s)", "source.tar.gz", "nothing was changed")
    # An intact package (checksums recomputed) that proposes its own build command: params.yaml
    # decides what a host runs, so it is refused and the command never runs.
    proposing = tmp_path / "proposing" / V14
    shutil.copytree(setup.package(V14), proposing)
    marker = tmp_path / "ran"
    release = json.loads((proposing / "release.json").read_text())
    release["build"] = f"touch {marker}"
    (proposing / "release.json").write_text(json.dumps(release, indent=2, sort_keys=True) + "\n")
    (proposing / "SHA256SUMS").write_text("".join(
        f"{hashlib.sha256((proposing / name).read_bytes()).hexdigest()}  {name}\n"
        for name in sorted([*release["files"]])))
    refused(proposing, 1, "release.json proposes build", "params.yaml says", "nothing was changed")
    assert not marker.exists()
    # A second upgrade while one holds the lock.
    with host.app.lock():
        refused(setup.package(V14), 1, f"an upgrade is already running (pid {os.getpid()})")
    assert_unchanged(before, snapshot(host))

    # A database with no history, never baselined: refused, naming the baseline.
    with empty_database(pg_server) as other:
        _run_script(other, (setup.package(V13) / "schema_dev.sql").read_text())
        other_before = snapshot(host, other)
        refused(setup.package(V14), 5, "schema dev has no release history", "momrel system baseline",
                url=other)
        assert_unchanged(other_before, snapshot(host, other))
        assert not history_rows(other)
    assert_unchanged(before, snapshot(host))


# ---------------------------------------------------------------- injected failures
def assert_back_at_v13(setup: Setup, host: Host, result: CliResult, step: str) -> str:
    error = failure_line(result)
    assert_mentions(error, "upgrade to", f"failed at step {step}")
    assert_at(setup, host, V13)
    assert host.app.releases() == [V13]
    return error


def test_a_migration_that_fails_leaves_v1_3_0(setup, host):
    upgraded(setup, host, V13)
    pid = host.pid()
    # Another session reads tkg_nodes (ACCESS SHARE until its transaction ends): the catalog
    # check passes, the migration's ALTER TABLE waits, and gives up after lock_timeout (1s).
    with psycopg.connect(host.url) as holder:
        holder.execute("SELECT count(*) FROM dev.tkg_nodes")
        result = upgrade(setup, host, V14)
        holder.rollback()
    error = assert_back_at_v13(setup, host, result, "migrate")
    assert_mentions(error, "lock timeout", "ALTER TABLE \"tkg_nodes\"")
    assert host.pid() == pid                 # never restarted
    attempt = history_rows(host.url)[-1]
    assert attempt.version == V14 and not attempt.success


def test_a_check_behind_an_exclusive_lock_gives_up_and_changes_nothing(setup, host):
    """Reading the catalog waits for an ACCESS EXCLUSIVE lock too: the check is bounded by
    lock_timeout like the migration, and a refusal before the migration changes nothing."""
    upgraded(setup, host, V13)
    before = snapshot(host)
    with psycopg.connect(host.url) as holder:
        holder.execute("LOCK TABLE dev.tkg_nodes IN ACCESS EXCLUSIVE MODE")
        result = upgrade(setup, host, V14)
        holder.rollback()
    assert_mentions(one_line_error(result, 1), "check database", "lock timeout", "nothing was changed")
    assert_unchanged(before, snapshot(host))


def test_a_build_that_fails_leaves_v1_3_0(setup, host):
    upgraded(setup, host, V13)
    pid = host.pid()
    error = assert_back_at_v13(setup, host, upgrade(setup, host, BROKEN), "build")
    assert_mentions(error, "cargo build --bin momentry_playground", "exited with status",
                    "mismatched types", "src/lib.rs")
    assert host.pid() == pid
    attempt = history_rows(host.url)[-1]
    # The migration committed, then the down migration took it back.
    assert (attempt.version, attempt.success) == (BROKEN, True) and attempt.rolled_back_at is not None


def test_a_smoke_test_that_fails_leaves_v1_3_0(setup, host):
    upgraded(setup, host, V13)
    result = upgrade(setup, host, WRONG_VERSION, "--json")
    error = assert_back_at_v13(setup, host, result, "restart")
    assert_mentions(error, "smoke test failed", "version '1.4.0-dev.9', expected '1.4.0-dev.3'")
    # --json still reports every step: what ran, what failed, what was undone.
    report = json.loads(result.stdout)
    assert report["outcome"] == "rolled back"
    assert [(s["step"], s["state"]) for s in report["steps"]] == [
        ("lock", "done"), ("check database", "done"), ("unpack", "done"), ("migrate", "done"),
        ("build", "done"), ("switch", "done"), ("restart", "failed"), ("switch", "undone"),
        ("migrate", "undone"), ("unpack", "undone")]
    attempt = history_rows(host.url)[-1]
    assert (attempt.version, attempt.success) == (WRONG_VERSION, True) and attempt.rolled_back_at is not None


class _Impostor(http.server.BaseHTTPRequestHandler):
    """Another server on the host's port: healthy, but not the release being installed."""

    def do_GET(self):
        body = json.dumps({"status": "ok", "service": "impostor", "version": "0.0.0"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_failed_first_release_leaves_an_empty_schema_and_runs_again(setup, host):
    """The first release's migration commits, then its smoke test fails (an impostor holds the
    port, so the new service cannot listen): the down migration empties schema dev, the row is
    marked rolled back, no release is left; once the port is free, the same upgrade completes."""
    impostor = http.server.HTTPServer(("127.0.0.1", host.port), _Impostor)
    serving = threading.Thread(target=impostor.serve_forever)
    serving.start()
    try:
        result = upgrade(setup, host, V13)
    finally:
        impostor.shutdown()
        serving.join()
        impostor.server_close()
    assert_mentions(failure_line(result), "failed at step restart", "smoke test failed",
                    "version '0.0.0', expected '1.3.0'", "everything before it was undone")
    assert host.app.current() is None and host.app.releases() == []
    assert not (host.app.run_dir / service.PID_FILE).exists()
    assert _live_catalog(host.url).objects.keys() <= {("schema", SCHEMA)}
    rows = history_rows(host.url)
    assert [(r.version, r.success) for r in rows] == [(V13, True)] and rows[0].rolled_back_at is not None

    upgraded(setup, host, V13)
    assert_at(setup, host, V13)
    assert [(r.version, r.success, r.rolled_back_at is None) for r in history_rows(host.url)] == \
        [(V13, True, False), (V13, True, True)]


def _wait_for(condition, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def test_sigkill_during_the_migration_then_the_upgrade_completes(setup, host):
    upgraded(setup, host, V13)
    pid = host.pid()
    command = [*MOMREL, "system", "upgrade", str(setup.package(V14)), "--app-dir", str(host.app.path),
               "--database-url", host.url]
    with psycopg.connect(host.url) as holder, psycopg.connect(host.url, autocommit=True) as watcher:
        holder.execute("SELECT count(*) FROM dev.tkg_nodes")     # ACCESS SHARE until rollback
        upgrading = subprocess.Popen(command, cwd=setup.patient, env=setup.repo.env(),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        try:
            _wait_for(lambda: [r for r in history_rows(host.url) if r.version == V14 and not r.success],
                      "the attempt row")
            blocked = _wait_for(lambda: watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                (holder.info.backend_pid,)).fetchone(), "the migration waiting for the lock")[0]
            upgrading.send_signal(signal.SIGKILL)
            assert upgrading.wait(timeout=30) == -signal.SIGKILL
        finally:
            upgrading.kill()
            upgrading.wait()
        holder.rollback()
        # The killed client's backend notices when it gets the lock, and its transaction ends.
        _wait_for(lambda: not watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s",
                                              (blocked,)).fetchone(), "the killed backend to end")
    assert_at(setup, host, V13)
    assert host.pid() == pid
    rows = history_rows(host.url)
    assert [(r.version, r.success, r.rolled_back_at) for r in rows] == [(V13, True, None), (V14, False, None)]

    # Run again: it completes (the kernel freed the lock, the attempt stays on record).
    result = upgrade(setup, host, V14, root=setup.patient)
    assert result.returncode == 0, result.stderr
    assert_at(setup, host, V14)
    assert [(r.version, r.success) for r in history_rows(host.url)] == [(V13, True), (V14, False), (V14, True)]


# ---------------------------------------------------------------- read-only commands
def test_dry_run_and_status_change_nothing(setup, host):
    upgraded(setup, host, V13)
    before = snapshot(host)
    result = upgraded(setup, host, V14, "--dry-run")
    assert_mentions(result.stdout, f"plan: dev {V13} → {V14}", "dry run: nothing changed",
                    f"migrate schema dev {V13} → {V14}", "cargo build --bin momentry_playground",
                    f"switch current → releases/{V14}")
    planned = json.loads(upgraded(setup, host, V14, "--dry-run", "--json").stdout)
    assert (planned["outcome"], planned["version"], planned["previous"]) == ("planned", V14, V13)
    status = system(setup, host, "status")
    assert status.returncode == 0, status.stderr
    assert_mentions(status.stdout, f"current:   {V13}", f"database:  {V13}", "answers")
    state = json.loads(system(setup, host, "status", "--json").stdout)
    assert (state["current"], state["database"], state["service"]["version"]) == (V13, V13, "1.3.0")
    assert_unchanged(before, snapshot(host))


# ---------------------------------------------------------------- production: v1.3.0 → v1.4.0 → v1.4.1
def _public_catalog(url: str):
    with connect_in_schema(url, "public", autocommit=True) as conn:
        return target_schema(read_catalog(conn), "public", IGNORED)


def test_prod_baseline_then_v1_4_0_then_a_later_release(setup, host, pg_server, tmp_path):
    """The prod packages of the previous issue: a v1.3.0 database adopted by baseline, its code
    on a fresh app dir, then v1.4.0 (hazards acknowledged by its tag; CREATE INDEX CONCURRENTLY
    outside the transaction, recorded as done) and v1.4.1, a later release tagged afterwards."""
    source = tmp_path / "source"
    create_source_repository(source)
    schema = source / "sql" / "momentry.sql"
    schema.write_text(schema.read_text() + "\nCREATE TABLE releases_seen (version text PRIMARY KEY);\n")
    cargo = source / "Cargo.toml"
    cargo.write_text(cargo.read_text().replace('version = "1.4.0"', 'version = "1.4.1"'))
    git(source, "commit", "-qam", "Momentry 1.4.1")
    git(source, "tag", "-a", "v1.4.1", "-m", "Momentry 1.4.1")
    config = setup.repo.config()
    packages = {version: build_package(config, "prod", version, source=source, track=False,
                                       scratch_url=setup.admin_url).path
                for version in ("v1.3.0", "v1.4.0", "v1.4.1")}
    expected = {}
    for version, package in packages.items():
        with empty_database(pg_server) as url:
            _run_script(url, (package / "schema_public.sql").read_text())
            expected[version] = _public_catalog(url)

    _run_script(host.url, (packages["v1.3.0"] / "schema_public.sql").read_text())
    with psycopg.connect(host.url, autocommit=True) as conn:
        conn.execute("INSERT INTO public.files (file_uuid, filename, size_bytes) "
                     "VALUES ('417442fb-4c7f-5c9d-b7c5-41666470718f', 'a.mp4', 42)")
    baseline = setup.momrel("system", "baseline", "--env", "prod", "--version", "v1.3.0",
                            "--database-url", host.url, "--source", str(source))
    assert baseline.returncode == 0, baseline.stderr
    for version in ("v1.3.0", "v1.4.0", "v1.4.1"):
        result = setup.momrel("system", "upgrade", str(packages[version]), "--app-dir",
                              str(host.app.path), "--database-url", host.url)
        assert result.returncode == 0, f"{version}:\n{result.stderr}"
        assert compare(_public_catalog(host.url), expected[version]) == [], version
        assert host.app.current() == version
        assert host.health() == {"status": "ok", "service": "momentry", "version": version[1:],
                                 "schema": "public"}
    assert (host.app.release_dir("v1.4.1") / "target/release/momentry").is_file()
    with psycopg.connect(host.url, autocommit=True) as conn:
        rows = history.read_history(conn, "public")
        # The row of the data survived two upgrades (size_bytes became bigint on the way).
        assert conn.execute("SELECT filename, size_bytes FROM public.files").fetchall() == [("a.mp4", 42)]
    assert [(r.kind, r.version, r.previous_version, r.success, r.post_done) for r in rows] == [
        ("baseline", "v1.3.0", None, True, True),
        ("upgrade", "v1.4.0", "v1.3.0", True, True),
        ("upgrade", "v1.4.1", "v1.4.0", True, True)]
    assert host.app.releases() == ["v1.3.0", "v1.4.0", "v1.4.1"]
