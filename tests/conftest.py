"""Shared fixtures: one real PostgreSQL server per test session (started from binaries by
momrel.pg, as `momrel db start` does), a fresh database per test, and throwaway content
repositories (real git + DVC) built from this project's own params.yaml and schema."""

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
from psycopg import sql

from momrel import pg
from momrel.config import load
from momrel.filepkg.pipeline import replace_files_block

PROJECT = Path(__file__).resolve().parents[1]
_database_numbers = itertools.count()


@pytest.fixture(scope="session", autouse=True)
def _git_identity():
    """Commits in test repositories need an author, whatever the machine's git config."""
    saved = {k: os.environ.get(k) for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                                           "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")}
    os.environ.update(GIT_AUTHOR_NAME="momrel tests", GIT_AUTHOR_EMAIL="tests@momrel.invalid",
                      GIT_COMMITTER_NAME="momrel tests", GIT_COMMITTER_EMAIL="tests@momrel.invalid")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    server = pg.EmbeddedPostgres(tmp_path_factory.mktemp("pgserver") / "pg")
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def database_url(pg_server):
    """A new, empty database on the session's server, dropped after the test."""
    name = f"momrel_test_{os.getpid()}_{next(_database_numbers)}"
    admin_url = pg_server.url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield pg_server.url(name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class ContentRepo:
    """A content repository in a temp folder: git + DVC, params.yaml, the schema, a DVC remote."""

    root: Path
    remote: Path
    database_url: str

    def config(self):
        return load(self.root)

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

    def momrel(self, *args: str, cwd: Path | None = None, **extra_env) -> CliResult:
        result = subprocess.run([sys.executable, "-m", "momrel", *args], cwd=cwd or self.root,
                                env=self.env(**extra_env), capture_output=True, text=True,
                                stdin=subprocess.DEVNULL)
        return CliResult(result.returncode, result.stdout, result.stderr)

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

    def git(self, *args: str) -> str:
        return git(self.root, *args)

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


@pytest.fixture
def content_repo(tmp_path, database_url) -> ContentRepo:
    return make_content_repo(tmp_path, database_url)


@pytest.fixture(scope="session")
def seed_template(pg_server, tmp_path_factory):
    """Seeded once per session through the CLI (db init + demo seed --files 3): a template
    database, plus the Qdrant local storage and processor outputs that go with it."""
    name = f"momrel_seed_template_{os.getpid()}"
    with psycopg.connect(pg_server.url("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    repo = make_content_repo(tmp_path_factory.mktemp("seed-template"), pg_server.url(name))
    repo.ok("db", "init")
    repo.ok("demo", "seed", "--files", "3")
    yield name, repo.root / ".momrel"
    with psycopg.connect(pg_server.url("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def seeded_repo(content_repo, seed_template, pg_server) -> ContentRepo:
    """A content repo whose database holds both schemas and three seeded videos in dev
    (a copy of the session's seed template: same database content, points and JSON)."""
    template, local_state = seed_template
    name = psycopg.conninfo.conninfo_to_dict(content_repo.database_url)["dbname"]
    with psycopg.connect(pg_server.url("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))
    for folder in ("qdrant", "output_dev"):
        shutil.copytree(local_state / folder, content_repo.root / ".momrel" / folder)
    return content_repo


def one_line_error(result: CliResult) -> str:
    """The single error line of a failed command (and assert that it is a single line)."""
    assert result.returncode != 0, "expected a failure"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line, got:\n{result.stderr}"
    assert re.match(r"^momrel: error: ", lines[0]) or lines[0].startswith("Error: "), lines[0]
    return lines[0]


# ---------------------------------------------------------------- exported packages
@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Module cache of exported packages of demo video 0: kind -> folder. Exports are
    deterministic (every `seeded_repo` is a copy of the same seed template), so one export per
    module and kind serves every test, each getting a copy it may damage."""
    return {"folder": tmp_path_factory.mktemp("exported")}


def _package(seeded_repo, tmp_path, exported, kind: str) -> Path:
    from package_support import EXTRA_FRAME_POINTS, U, VERSION, add_frame_points

    if kind not in exported:
        if kind == "big":
            add_frame_points(seeded_repo, EXTRA_FRAME_POINTS)
        out = exported["folder"] / kind
        seeded_repo.ok("file", "export", "--uuid", U, "--version", VERSION, "--out", str(out))
        exported[kind] = out
    copy = tmp_path / ("pkg" if kind == "plain" else f"pkg-{kind}")
    shutil.copytree(exported[kind], copy, symlinks=True)
    return copy


@pytest.fixture
def package(seeded_repo, tmp_path, exported) -> Path:
    """A fresh copy of the exported package of demo video 0 (free to damage)."""
    return _package(seeded_repo, tmp_path, exported, "plain")


@pytest.fixture
def big_package(seeded_repo, tmp_path, exported) -> Path:
    """Demo video 0 with EXTRA_FRAME_POINTS more frame points (two upsert batches)."""
    from package_support import metadata_of

    pkg = _package(seeded_repo, tmp_path, exported, "big")
    assert metadata_of(pkg)["collections"]["frames"]["points"] > 256
    return pkg
