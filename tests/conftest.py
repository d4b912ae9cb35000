"""Shared fixtures: one real PostgreSQL server per test session (started from binaries by
momrel.pg, as `momrel db start` does), a fresh database per test, and throwaway content
repositories (real git + DVC) built from this project's own params.yaml and schema.
The helpers they use, and that tests use, are in support.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from momrel import pg
from package_support import EXTRA_FRAME_POINTS, U, add_frame_points, metadata_of
from support import VERSION, ContentRepo, empty_database, make_content_repo


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
    with empty_database(pg_server) as url:
        yield url


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


# ---------------------------------------------------------------- exported packages
@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Module cache of exported packages of demo video 0: kind -> folder. Exports are
    deterministic (every `seeded_repo` is a copy of the same seed template), so one export per
    module and kind serves every test, each getting a copy it may damage."""
    return {"folder": tmp_path_factory.mktemp("exported")}


def _package(seeded_repo, tmp_path, exported, kind: str) -> Path:
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
    pkg = _package(seeded_repo, tmp_path, exported, "big")
    assert metadata_of(pkg)["collections"]["frames"]["points"] > 256
    return pkg
