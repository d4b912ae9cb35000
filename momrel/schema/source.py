"""Where a side of a diff comes from: the schema file at a git ref, in the work tree, or a path."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from momrel.errors import MissingPath, NotARepository, UnknownRef, UsageError
from momrel.gitrepo import open_repository

WORKTREE = "WORKTREE"


@dataclass(frozen=True)
class SchemaSource:
    spec: str            # what the user typed
    where: str           # the file as messages name it: `v1:sql/momentry.sql`, `a.sql`
    text: str
    commit: str | None   # full commit id for a git ref
    path: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def describe(self) -> str:
        if self.commit:
            return f"{self.spec} (commit {self.commit[:12]}, {self.path}, sha256 {self.sha256[:16]})"
        if self.spec != self.path:
            return f"{self.spec} ({self.path}, sha256 {self.sha256[:16]})"
        return f"{self.path} (sha256 {self.sha256[:16]})"


def _read(path: Path, spec: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{spec}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{spec}: cannot read it ({exc})") from None


def resolve(spec: str, root: Path | None, schema_file: str | None) -> SchemaSource:
    """A `.sql` path, WORKTREE, or a git ref (the configured schema file at that ref)."""
    if not spec or not spec.strip():
        raise UsageError("an empty schema source: give a git ref, WORKTREE or a .sql file")
    candidate = Path(spec)
    if spec.endswith(".sql") or (candidate.is_file() and spec != WORKTREE):
        return SchemaSource(spec, spec, _read(candidate, spec), None, spec)
    if root is None or schema_file is None:
        raise UsageError(f"{spec}: not a .sql file, and there is no content repository "
                         "(params.yaml) to read a git ref from")
    if spec == WORKTREE:
        return SchemaSource(spec, schema_file, _read(root / schema_file, schema_file), None, schema_file)
    try:
        repo = open_repository(root)
    except NotARepository:
        raise UsageError(f"{root} is not a git repository: cannot read {spec}") from None
    try:
        commit = repo.resolve(spec)
        data = repo.read_file(commit, schema_file)
    except UnknownRef:
        raise UsageError(f"{spec}: not a git ref of {root.name}, nor a .sql file") from None
    except MissingPath as missing:
        raise UsageError(f"{schema_file} {missing.reason} at {spec} (commit {commit[:12]})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{spec}:{schema_file} is not UTF-8 text") from None
    return SchemaSource(spec, f"{spec}:{schema_file}", text, commit, schema_file)
