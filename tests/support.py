"""Helpers shared by the tests (the fixtures are in conftest.py): momrel, git and DVC run as a
user runs them, the one error line and exact exit code of a failed command, content
repositories in a temporary folder, and folders compared by content.

A failure is asserted with its exact exit code (the table in momrel/errors.py), never as merely
non-zero.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg import sql

from momrel.config import PARAMS_FILE, load
from momrel.demo import seed
from momrel.errors import MomrelError
from momrel.filepkg.pipeline import replace_files_block
from momrel.filepkg.verify import verify_package

PROJECT = Path(__file__).resolve().parents[1]
FILES = [seed.file_uuid(i) for i in range(3)]  # the first videos of the demo seed
VERSION = "1.0.0"
MOMREL = (sys.executable, "-m", "momrel")


# ---------------------------------------------------------------- commands and their failures
@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_momrel(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
               timeout: float | None = None, stderr=subprocess.PIPE) -> CliResult:
    """`python -m momrel ARGS` as a user runs it (stdin closed); `stderr` may be a terminal."""
    result = subprocess.run([*MOMREL, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=timeout)
    return CliResult(result.returncode, result.stdout, result.stderr or "")


def env_outside_repositories() -> dict[str, str]:
    """The environment without MOMREL_* settings: no repository, no database."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MOMREL_")}


def one_line_error(result: CliResult, exit_code: int) -> str:
    """The single error line of a command that failed with `exit_code`."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == exit_code, f"exit {result.returncode}, expected {exit_code}:\n{result.stderr}"
    assert len(lines) == 1, f"expected one error line, got:\n{result.stderr}"
    assert re.match(r"^momrel: error: ", lines[0]) or lines[0].startswith("Error: "), lines[0]
    return lines[0]


def assert_mentions(message: str, *fragments: str) -> None:
    """Every fragment appears in the message."""
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


@contextlib.contextmanager
def raises_momrel_error(exit_code: int, match: str | None = None,
                        kind: type[MomrelError] = MomrelError):
    """The block raises a MomrelError (a `kind`, when the class matters) the CLI would report
    with `exit_code`."""
    with pytest.raises(kind, match=match) as info:
        yield info
    assert info.value.exit_code == exit_code, (info.value.exit_code, str(info.value))


def git(folder: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """git ARGS in `folder`, which must succeed; its stdout."""
    result = subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


# ---------------------------------------------------------------- folders
def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def tree_state(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file below `folder` with its modification time: rewritten files show."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- content repositories
@dataclass
class ContentRepo:
    """A content repository in a temp folder: git + DVC, params.yaml, the schema, a DVC remote."""

    root: Path
    remote: Path
    database_url: str

    def config(self):
        return load(self.root)

    def package_dir(self, file_uuid: str, version: str = VERSION) -> Path:
        return self.root / "release" / "files" / file_uuid / version

    def env(self, **extra) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("MOMREL_REPO", None)
        env["MOMREL_DATABASE_URL"] = self.database_url
        # Scratch databases for `momrel schema diff` on the same test server.
        admin = psycopg.conninfo.conninfo_to_dict(self.database_url) | {"dbname": "postgres"}
        env["MOMREL_SCRATCH_URL"] = psycopg.conninfo.make_conninfo(**admin)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env.update(extra)
        return env

    def momrel(self, *args: str, cwd: Path | None = None, timeout: float | None = None,
               **extra_env) -> CliResult:
        return run_momrel(*args, cwd=cwd or self.root, env=self.env(**extra_env), timeout=timeout)

    def ok(self, *args: str, **extra_env) -> CliResult:
        result = self.momrel(*args, **extra_env)
        assert result.returncode == 0, f"momrel {' '.join(args)} failed:\n{result.stderr}\n{result.stdout}"
        return result

    def dvc(self, *args: str, check: bool = True, cwd: Path | None = None) -> CliResult:
        result = subprocess.run([sys.executable, "-m", "dvc", *args], cwd=cwd or self.root,
                                env=self.env(), capture_output=True, text=True,
                                stdin=subprocess.DEVNULL)
        if check:
            assert result.returncode == 0, f"dvc {' '.join(args)} failed:\n{result.stderr}\n{result.stdout}"
        return CliResult(result.returncode, result.stdout, result.stderr)

    def git(self, *args: str, hooks: bool = False) -> str:
        """git in the repository; with `hooks`, in the environment its hooks need (momrel and
        DVC on PATH, the repository's database)."""
        return git(self.root, *args, env=self.env() if hooks else None)

    @contextlib.contextmanager
    def qdrant(self):
        """The repository's Qdrant local storage; only while no momrel process runs (it locks it)."""
        from qdrant_client import QdrantClient

        client = QdrantClient(path=str(self.root / ".momrel" / "qdrant"))
        try:
            yield client
        finally:
            client.close()

    def sql(self, query, params=None):
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else None


def make_content_repo(folder: Path, database_url: str) -> ContentRepo:
    root = folder / "repo"
    remote = folder / "dvc-remote"
    root.mkdir(parents=True)
    remote.mkdir()
    for name in ("sql", "hooks", "dvc.yaml", ".gitignore", ".dvcignore", ".gitattributes"):
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
    params = (PROJECT / "params.yaml").read_text(encoding="utf-8")
    (root / "params.yaml").write_text(replace_files_block(params, []), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    repo = ContentRepo(root, remote, database_url)
    repo.dvc("init", "-q")
    repo.dvc("config", "core.analytics", "false")
    repo.dvc("remote", "add", "-d", "local", str(remote))
    repo.git("add", "-A")
    repo.git("commit", "-qm", "content repository")
    return repo


def clone_and_pull(repo: ContentRepo, clone: Path, file_uuid: str) -> Path:
    """A fresh `git clone` of the repository pulls one package with DVC: it arrives byte for
    byte and verifies, no other package comes along, and the clone stays clean."""
    git(clone.parent, "clone", "-q", str(repo.root), str(clone))
    relative = repo.package_dir(file_uuid).relative_to(repo.root)
    repo.dvc("pull", relative.as_posix(), cwd=clone)
    pulled = clone / relative
    assert tree_bytes(pulled) == tree_bytes(repo.root / relative)
    verify_package(pulled)
    packages = [p for p in (clone / relative.parent.parent).glob("*/*") if p.is_dir()]
    assert packages == [pulled], packages
    assert git(clone, "status", "--porcelain") == ""
    return pulled


# ---------------------------------------------------------------- databases and configuration
_database_numbers = itertools.count()


@contextlib.contextmanager
def empty_database(pg_server):
    """A new, empty database on the session's server, dropped (connections and all) afterwards."""
    name = f"momrel_test_{os.getpid()}_{next(_database_numbers)}"
    admin_url = pg_server.url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield pg_server.url(name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def edit_params(root: Path, change) -> None:
    """params.yaml of the repository at `root`, changed by `change(params: dict)` (comments go)."""
    path = root / PARAMS_FILE
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(params)
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
