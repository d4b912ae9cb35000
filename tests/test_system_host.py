"""A host's app dir (momrel/syspkg/host.py) and its service (momrel/syspkg/service.py), with real
processes: a child holding the upgrade lock, hostile tar files built here, a real cargo build of
the demo source's `momentry_playground` (once per module), the service restarted, answering
/health and smoke-tested, then stopped. Every process a test starts is stopped in a `finally`.
"""

from __future__ import annotations

import gzip
import io
import os
import signal
import socket
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest

from momrel.demo.source_repo import TREE, VERSION_PLACEHOLDER
from momrel.errors import MomrelError
from momrel.syspkg import service
from momrel.syspkg.host import AppDir
from momrel.syspkg.release import MigrationFacts, ReleaseFacts
from support import assert_mentions, raises_momrel_error

ENV_FILE = ".env.development"
SMOKE_TEST = "test/api_test.sh"
SCRIPTS = ["scripts/pipeline_status.py"]
BUILD = "cargo build --bin momentry_playground"
RESTART = f"deploy/restart.sh target/debug/momentry_playground {ENV_FILE}"


# ---------------------------------------------------------------- packages made here
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def source_files(version: str) -> dict[str, tuple[bytes, int]]:
    """The demo source template with its Cargo version: relative path -> (bytes, mode)."""
    files = {}
    for path in sorted(TREE.rglob("*")):
        relative = path.relative_to(TREE)
        if not path.is_file() or {"target", "__pycache__"} & set(relative.parts) or path.suffix == ".pyc":
            continue
        data = path.read_bytes().replace(VERSION_PLACEHOLDER.encode(), version.encode())
        files[relative.as_posix()] = (data, 0o755 if path.suffix in (".sh", ".py") else 0o644)
    return files


def tar_gz(members: list[tarfile.TarInfo | tuple[str, bytes, int]]) -> bytes:
    """A .tar.gz of files (name, bytes, mode) and hand-made TarInfo entries (links, devices)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, data, mode = member
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), mode
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue())


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, 0o644
    return info


def make_package(folder: Path, version: str, source_tar: bytes, port: int = 3003) -> tuple[Path, ReleaseFacts]:
    """A package folder as `momrel system build` lays out what unpacking reads, and its facts."""
    package = folder / version
    package.mkdir(parents=True)
    (package / "source.tar.gz").write_bytes(source_tar)
    (package / ENV_FILE).write_text(f"# Momentry {version}\nDATABASE_SCHEMA=dev\nPORT={port}\n"
                                    "DATABASE_URL=${DATABASE_URL}\n")
    tree = source_files("0.0.0")
    for relative in [*SCRIPTS, SMOKE_TEST]:
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_bytes(tree[relative][0])
    migration = MigrationFacts("migration/up.sql", "migration/down.sql", "migration/up.json",
                               "migration/down.json", 0, 0, [], [], None, "16")
    facts = ReleaseFacts(
        environment="dev", version=version, ref=version, tag=version, commit="0" * 40,
        commit_time="2025-01-01T00:00:00+00:00", previous=None, schema="dev",
        schema_file="schema_dev.sql", schema_source="sql/momentry.sql", schema_sha256="0" * 64,
        port=port, env_file=ENV_FILE, build=BUILD, restart=RESTART, scripts=SCRIPTS,
        smoke_test=SMOKE_TEST, source_tar_sha256="0" * 64, source_files=0, migration=migration)
    return package, facts


def demo_tar(version: str) -> bytes:
    return tar_gz([(name, data, mode) for name, (data, mode) in source_files(version.lstrip("v")).items()])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An app dir whose releases/v1.4.0 is unpacked (shared/env choosing a free port) and
    built with cargo: the module's one build."""
    root = tmp_path_factory.mktemp("host")
    app = AppDir(root / "app")
    port = free_port()
    app.shared_env.parent.mkdir(parents=True)
    app.shared_env.write_text(f"PORT={port}\n")
    package, facts = make_package(root / "packages", "v1.4.0", demo_tar("v1.4.0"))
    folder = app.unpack(package, facts)
    service.run_build(folder, BUILD, app.log("build", "v1.4.0"))
    return app, facts, port


# ---------------------------------------------------------------- the lock and the environment
HOLD_LOCK = """
import sys, time
from momrel.syspkg.host import AppDir
with AppDir(sys.argv[1]).lock():
    print("locked", flush=True)
    time.sleep(120)
"""


def test_lock_refuses_a_second_upgrade_and_is_taken_from_a_dead_holder(tmp_path):
    app = AppDir(tmp_path / "app")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(app.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with raises_momrel_error(1, match=rf"an upgrade is already running \(pid {holder.pid}\)"):
            with app.lock():
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        # The killed holder's file is still there, with its pid: the kernel released the lock.
        assert (app.path / ".momrel-upgrade.lock").read_text().strip() == str(holder.pid)
        with app.lock():
            assert (app.path / ".momrel-upgrade.lock").read_text().strip() == str(os.getpid())
        with app.lock():        # released on leaving
            pass
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_environment_is_claimed_once_and_a_mismatch_names_both(tmp_path):
    app = AppDir(tmp_path / "app")
    assert app.environment() is None
    app.claim("dev")
    assert app.environment() == "dev"
    app.claim("dev")
    with raises_momrel_error(2) as info:
        app.claim("prod")
    message = str(info.value)
    assert "\n" not in message
    assert_mentions(message, str(app.path), "dev", "prod")
    assert app.environment() == "dev"


# ---------------------------------------------------------------- unpacking
HOSTILE = {
    "absolute path": [("/momrel-escape/evil", b"x", 0o644)],
    "dot-dot path": [("../evil", b"x", 0o644)],
    "dot-dot inside": [("src/../../evil", b"x", 0o644)],
    "link to an absolute path": [special("etc", tarfile.SYMTYPE, "/etc")],
    "link climbing out": [special("src/up", tarfile.SYMTYPE, "../../evil")],
    "link through a link": [special("here", tarfile.SYMTYPE, "."),
                            special("out", tarfile.SYMTYPE, "here/../evil")],
    # The same, listed the other way round: tarfile's filter sees no link yet; the check of
    # every link after extraction does.
    "link through a later link": [special("out", tarfile.SYMTYPE, "here/../evil"),
                                  special("here", tarfile.SYMTYPE, ".")],
    "file written through a link": [special("sub", tarfile.SYMTYPE, "src"),
                                    ("sub/evil", b"x", 0o644)],
    "hard link": [("README.md", b"x", 0o644), special("copy", tarfile.LNKTYPE, "README.md")],
    "character device": [special("null", tarfile.CHRTYPE)],
    "fifo": [special("pipe", tarfile.FIFOTYPE)],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_unpack_refuses_a_member_that_escapes(tmp_path, case):
    app = AppDir(tmp_path / "app")
    members = [("Cargo.toml", b"[package]\n", 0o644), *HOSTILE[case]]
    package, facts = make_package(tmp_path / "packages", "v1.0.0", tar_gz(members))
    with pytest.raises(MomrelError, match="source.tar.gz"):
        app.unpack(package, facts)
    assert os.listdir(app.releases_dir) == []          # no release, no staging left behind
    assert not (tmp_path / "evil").exists() and not (tmp_path / "app" / "evil").exists()


def test_unpack_places_the_package_files_and_shared_env_wins(tmp_path):
    app = AppDir(tmp_path / "app")
    app.shared_env.parent.mkdir(parents=True)
    app.shared_env.write_text("PORT=4567\nDATABASE_URL=postgresql://momentry:pw@db/momentry\n")
    package, facts = make_package(tmp_path / "packages", "v1.4.0", demo_tar("v1.4.0"), port=3003)
    folder = app.unpack(package, facts)
    assert folder == app.release_dir("v1.4.0")
    placed = (folder / ENV_FILE).read_text()
    assert placed.index("PORT=3003") < placed.index("PORT=4567")
    assert service.port_of(folder / ENV_FILE) == 4567
    assert os.access(folder / SMOKE_TEST, os.X_OK) and os.access(folder / "deploy/restart.sh", os.X_OK)
    assert (folder / SCRIPTS[0]).read_bytes() == (package / SCRIPTS[0]).read_bytes()
    assert app.releases() == ["v1.4.0"]
    # Not current: unpacked again, replaced; current: refused.
    (folder / "stale").write_text("from the first unpack")
    assert not (app.unpack(package, facts) / "stale").exists()
    app.switch("v1.4.0")
    with pytest.raises(MomrelError, match="current release"):
        app.unpack(package, facts)
    with pytest.raises(MomrelError, match="current release"):
        app.remove_release("v1.4.0")


# ---------------------------------------------------------------- switch and prune
def test_switch_is_atomic_and_goes_back(tmp_path):
    app = AppDir(tmp_path / "app")
    for version in ("v1.3.0", "v1.4.0"):
        app.release_dir(version).mkdir(parents=True)
    link = app.path / "current"
    assert app.current() is None
    app.switch("v1.3.0")
    assert os.readlink(link) == "releases/v1.3.0" and app.current() == "v1.3.0"
    missing, done = [], threading.Event()

    def watch():
        while not done.is_set():
            try:
                os.readlink(link)
            except FileNotFoundError:
                missing.append(1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(300):
            app.switch("v1.4.0")
            app.switch("v1.3.0")
    finally:
        done.set()
        watcher.join()
    assert missing == []
    app.switch("v1.4.0")
    assert os.readlink(link) == "releases/v1.4.0"          # relative
    assert (link / ".").resolve() == app.release_dir("v1.4.0").resolve()
    app.switch("v1.3.0")                                    # back
    assert os.readlink(link) == "releases/v1.3.0"
    assert not (app.path / ".current.tmp").exists()
    with pytest.raises(MomrelError, match="no release folder"):
        app.switch("v9.0.0")
    assert app.current() == "v1.3.0"
    app.switch(None)
    assert app.current() is None and not link.is_symlink()


def test_prune_keeps_current_and_previous(tmp_path):
    app = AppDir(tmp_path / "app")
    versions = ["v1.0.0", "v1.1.0", "v1.2.0-dev.1", "v1.2.0", "v1.10.0", "v1.9.0"]
    for version in versions:
        app.release_dir(version).mkdir(parents=True)
    assert app.releases() == ["v1.0.0", "v1.1.0", "v1.2.0-dev.1", "v1.2.0", "v1.9.0", "v1.10.0"]
    app.switch("v1.1.0")                    # an old current (after a rollback)
    assert app.prune(2, protect=["v1.0.0", None]) == ["v1.2.0-dev.1", "v1.2.0", "v1.9.0", "v1.10.0"]
    assert app.releases() == ["v1.0.0", "v1.1.0"]
    for version in ("v1.2.0", "v1.3.0", "v1.4.0"):
        app.release_dir(version).mkdir()
    app.switch("v1.4.0")
    assert app.prune(3, protect=["v1.3.0"]) == ["v1.0.0", "v1.1.0"]
    assert app.releases() == ["v1.2.0", "v1.3.0", "v1.4.0"]
    assert app.prune(0, protect=["v1.3.0"]) == ["v1.2.0"]
    assert app.releases() == ["v1.3.0", "v1.4.0"]


# ---------------------------------------------------------------- the service
def test_build_failure_names_the_step_with_the_output_tail(tmp_path):
    app = AppDir(tmp_path / "app")
    log = app.log("build", "v1.0.0")
    command = "for i in $(seq 1 30); do echo output-line-$i; done; exit 3"
    with raises_momrel_error(1) as info:
        service.run_build(tmp_path, command, log)
    message = str(info.value)
    assert message.startswith("build failed:") and "status 3" in message
    assert "output-line-30" in message and "output-line-11" in message
    assert "output-line-10\n" not in message + "\n"
    assert "output-line-1\n" in log.read_text()


def test_cargo_build_failure_shows_cargo_output(built, tmp_path):
    app, facts, port = built
    with raises_momrel_error(1) as info:
        service.run_build(app.release_dir("v1.4.0"), "cargo build --bin nope", app.log("build", "v1.4.0"))
    assert_mentions(str(info.value), "build failed", "nope")


def test_restart_answers_smoke_tests_and_stops(built):
    app, facts, port = built
    folder = app.release_dir("v1.4.0")
    env_file = folder / ENV_FILE
    assert service.port_of(env_file) == port
    app.switch("v1.4.0")
    try:
        service.restart(folder, RESTART, env_file, app.run_dir, app.log("restart", "v1.4.0"))
        health = service.wait_healthy(port, 30)
        assert health == {"status": "ok", "service": "momentry_playground", "version": "1.4.0", "schema": "dev"}
        pid = int((app.run_dir / "service.pid").read_text())
        assert os.getsid(pid) != os.getsid(0)           # outlives momrel's session
        service.smoke_test(folder, SMOKE_TEST, port, "v1.4.0", app.log("smoke-test", "v1.4.0"))
        with raises_momrel_error(1) as info:
            service.smoke_test(folder, SMOKE_TEST, port, "v1.5.0", app.log("smoke-test", "v1.5.0"))
        assert_mentions(str(info.value), "smoke test failed", "expected '1.5.0'")
        # A second restart replaces the process.
        service.restart(folder, RESTART, env_file, app.run_dir, app.log("restart", "v1.4.0"))
        assert service.wait_healthy(port, 30)["version"] == "1.4.0"
        assert int((app.run_dir / "service.pid").read_text()) != pid
    finally:
        stopped = service.stop(app.run_dir)
    assert stopped
    assert not (app.run_dir / "service.pid").exists()
    assert service.stop(app.run_dir) is False
    with pytest.raises(MomrelError, match="no healthy answer after 0.5 s"):
        service.wait_healthy(port, 0.5)
    assert len(list(app.logs_dir.glob("*-v1.4.0-restart*.log"))) == 2


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, time\n"
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\n"
                                 "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert stubborn.stdout.readline().strip() == "ready"
        (run_dir / "service.pid").write_text(f"{stubborn.pid}\n")
        assert service.stop(run_dir, timeout=0.5) is True
        assert stubborn.wait(timeout=5) == -signal.SIGKILL
    finally:
        stubborn.kill()
        stubborn.wait()
        stubborn.stdout.close()
