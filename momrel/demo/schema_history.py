"""The demo's schema history: a small content repository whose git history holds two releases
of the Momentry schema, tagged v1 (momrel/demo/schema_v1.sql) and v2 (sql/momentry.sql as it is
now), and the migration between them as `momrel schema diff v1 v2` computes it.

The repository is rebuilt on every run under .momrel/demo-schema-repo, so the project's own
history and tags are never touched.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from momrel.config import Config
from momrel.gitrepo import Identity, init_repository
from momrel.schema.diff import Migration, diff
from momrel.schema.render import render_markdown, render_sql
from momrel.schema.scratch import ScratchServer
from momrel.schema.source import resolve

V1_SCHEMA = Path(__file__).with_name("schema_v1.sql")
REPO_DIR = ".momrel/demo-schema-repo"
# Commits of the demo repository have a fixed author: the machine may have no git identity.
IDENTITY = Identity("momrel demo", "demo@momrel.invalid")


@dataclass
class SchemaDemo:
    repo: Path
    migration: Migration
    sql_path: Path
    markdown_path: Path


def build_repository(config: Config) -> Path:
    """A fresh repository with the schema file at v1 and at v2 (one commit and tag each)."""
    repo = config.root / REPO_DIR
    shutil.rmtree(repo, ignore_errors=True)
    schema_path = repo / config.schema_file.relative_to(config.root)
    schema_path.parent.mkdir(parents=True)
    shutil.copy2(config.params_path, repo / "params.yaml")
    history = init_repository(repo, branch="main")
    for tag, source in (("v1", V1_SCHEMA), ("v2", config.schema_file)):
        shutil.copyfile(source, schema_path)
        history.commit_all(f"schema {tag}", IDENTITY)
        history.tag(tag, f"release {tag}", identity=IDENTITY)
    return repo


def run_schema_demo(config: Config, scratch_url: str | None = None, schema: str = "dev") -> SchemaDemo:
    """`momrel schema diff v1 v2` in the demo repository; the SQL and the review summary are
    written next to it (.momrel/demo-schema-repo/migration/v1_to_v2.{sql,md})."""
    repo = build_repository(config)
    schema_file = str(config.schema_file.relative_to(config.root))
    old, new = resolve("v1", repo, schema_file), resolve("v2", repo, schema_file)
    # Scratch server: MOMREL_SCRATCH_URL, else the project's running embedded server, else a
    # throwaway one (never the server of MOMREL_DATABASE_URL: it may not be ours to use).
    with ScratchServer(scratch_url, config.root) as scratch:
        migration = diff(old, new, schema, scratch)
    out = repo / "migration"
    out.mkdir()
    sql_path, markdown_path = out / "v1_to_v2.sql", out / "v1_to_v2.md"
    sql_path.write_text(render_sql(migration), encoding="utf-8")
    markdown_path.write_text(render_markdown(migration), encoding="utf-8")
    return SchemaDemo(repo, migration, sql_path, markdown_path)
