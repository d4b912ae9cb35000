"""What the `momrel schema` commands do, minus click: resolve inputs, run, choose the output."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from momrel.errors import UsageError
from momrel.schema.diff import diff
from momrel.schema.hazards import allowed_hazards, refuse_unallowed_hazards
from momrel.schema.migration import Migration
from momrel.schema.migration_json import render_json
from momrel.schema.render import hazard_summary, render_markdown, render_sql
from momrel.schema.scratch import ScratchServer
from momrel.schema.source import resolve

SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
def _repository_config():
    """The content repository's configuration, or None outside one."""
    from momrel.config import ConfigError, find_root, load

    try:
        root = find_root()
    except ConfigError:
        return None
    return load(root)


def _repository():
    """(root, schema file) of the content repository, or (None, None) outside one."""
    config = _repository_config()
    if config is None:
        return None, None
    return config.root, config.schema_file.relative_to(config.root).as_posix()


def schema_diff(from_spec: str, to_spec: str, target: str, output_format: str, down: bool,
                allow_hazards: str | None, scratch_url: str | None, verify: bool) -> str:
    if not SCHEMA_NAME.fullmatch(target):
        raise UsageError(f"--schema {target!r}: expected a lower-case schema name such as dev or public")
    allowed = allowed_hazards(allow_hazards)
    root, schema_file = _repository()
    old = resolve(from_spec, root, schema_file)
    new = resolve(to_spec, root, schema_file)
    with ScratchServer(scratch_url, root) as scratch:
        migration = diff(old, new, target, scratch, down=down, verify=verify)
    refuse_unallowed_hazards(migration, allowed)
    render = {"sql": render_sql, "md": render_markdown, "json": render_json}[output_format]
    return render(migration)


def schema_normalize(path: Path) -> str:
    from momrel.schema.normalize import normalize

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc})") from None
    try:
        return normalize(text)
    except Exception as exc:  # a diff driver must show the file even when it does not parse
        print(f"momrel schema normalize: {path}: printed as is ({exc})", file=sys.stderr)
        return text


def schema_apply(path: Path, database_url: str | None, schema: str | None,
                 lock_timeout: str | None, statement_timeout: str | None,
                 allow_unverified: bool, progress=None):
    """Read a `--format json` migration and run it through the executor; an ApplyReport."""
    import dataclasses

    from momrel import database, pg
    from momrel.schema.apply import Timeouts, apply_migration, duration_problem
    from momrel.schema.migration_json import read_migration

    migration = read_migration(path)
    if schema is not None and schema != migration.schema:
        raise UsageError(f"--schema {schema}: {path.name} is a migration for schema "
                         f"{migration.schema}; make one for {schema} with "
                         f"`momrel schema diff --schema {schema} --format json`")
    if not migration.verified and not allow_unverified:
        raise UsageError(f"{path.name} was made with --no-verify: nothing checked it; verify it "
                         "(make it again without --no-verify) or pass --allow-unverified")
    config = _repository_config()
    timeouts = config.migration_timeouts if config is not None else Timeouts()
    overrides = {name: value for name, value in (("lock_timeout", lock_timeout),
                                                  ("statement_timeout", statement_timeout))
                 if value is not None}
    for name, value in overrides.items():
        problem = duration_problem(value)
        if problem:
            raise UsageError(f"--{name.replace('_', '-')}: {problem}")
    timeouts = dataclasses.replace(timeouts, **overrides)
    url = database_url or database.database_url(config.root if config is not None else None)
    with pg.connect(url, autocommit=True) as conn:
        return migration, apply_migration(conn, migration, timeouts, progress)


# ---------------------------------------------------------------- check-staged (pre-commit)
DEFAULT_SCHEMA_FILE = "sql/momentry.sql"


@dataclass(frozen=True)
class StagedSchemaCheck:
    path: str                       # the schema file, relative to the source repository
    migration: Migration | None     # HEAD → staged, verified; None when the file is staged as deleted


def schema_check_staged(source: Path | None, schema_file: str | None,
                        target: str = "public") -> StagedSchemaCheck | None:
    """The staged schema file of the source repository (default: the current folder) must
    parse, and its migration from HEAD's version (from an empty schema before the first
    commit, or when HEAD has no such file) must verify. None when the file is not staged.
    Hazards are reported, not refused: they are acknowledged when the release is tagged."""
    from momrel.errors import MissingPath, UnknownRef
    from momrel.gitrepo import open_repository
    from momrel.schema.source import SchemaSource

    if not SCHEMA_NAME.fullmatch(target):
        raise UsageError(f"--schema {target!r}: expected a lower-case schema name such as dev or public")
    config = _repository_config()
    if schema_file is None:
        system = getattr(config, "system", None)
        schema_file = system.schema_file if system is not None else DEFAULT_SCHEMA_FILE
    repo = open_repository(Path(source) if source is not None else Path.cwd())
    if schema_file not in repo.staged_paths():
        return None
    staged = repo.read_staged(schema_file)
    if staged is None:
        return StagedSchemaCheck(schema_file, None)
    try:
        new = SchemaSource("staged", f"staged:{schema_file}", staged.decode("utf-8"), None, schema_file)
    except UnicodeDecodeError:
        raise UsageError(f"staged:{schema_file} is not UTF-8 text") from None
    try:
        commit = repo.resolve("HEAD")
        head_text = repo.read_file(commit, schema_file).decode("utf-8")
        old = SchemaSource("HEAD", f"HEAD:{schema_file}", head_text, commit, schema_file)
    except (UnknownRef, MissingPath):
        old = SchemaSource("empty", "(no schema at HEAD)", "", None, schema_file)
    except UnicodeDecodeError:
        raise UsageError(f"HEAD:{schema_file} is not UTF-8 text") from None
    with ScratchServer(None, config.root if config is not None else None) as scratch:
        migration = diff(old, new, target, scratch)
    return StagedSchemaCheck(schema_file, migration)


def staged_check_summary(check: StagedSchemaCheck) -> str:
    """What the pre-commit hook prints: the verified migration's size, hazards and statements."""
    if check.migration is None:
        return f"{check.path}: staged as deleted; nothing to check\n"
    migration = check.migration
    statements = migration.statements
    lines = [f"{check.path}: the staged schema parses; its migration from "
             f"{migration.source.spec} verified for schema {migration.schema}: "
             f"{hazard_summary(statements)}"]
    for statement in statements:
        kinds = ",".join(sorted({h.kind.value for h in statement.hazards}))
        lines.append(f"  {statement.first_line}" + (f"   -- hazards: {kinds}" if kinds else ""))
    if migration.hazardous:
        kinds = ",".join(sorted({h.kind.value for s in migration.hazardous for h in s.hazards}))
        lines.append(f"hazards are acknowledged when the release is tagged: a line "
                     f"`allow-hazards: {kinds}` in the annotated tag's message")
    return "\n".join(lines) + "\n"
