"""The example Momentry source repository (`momrel demo source --path DIR`): a real git
repository to build system packages from, so builds, restarts and smoke tests run for real.

It holds a std-only Rust crate (binaries `momentry` and `momentry_playground`, a small HTTP
server answering `GET /health`), the pipeline scripts, `test/api_test.sh`, `deploy/restart.sh`,
the schema-neutral `sql/momentry.sql` and a CI workflow; the files are under
`source_template/tree/`. Three releases are committed and tagged in order, each with its own
schema and Cargo version:

- v1.3.0        the demo's older schema (schema_v1.sql)
- v1.4.0-dev.1  v1.3.0 plus one nullable column that v1.4.0 also has: a migration without hazards
- v1.4.0        the representative schema of the content repository (a copy, so the demo does
                not follow params.yaml); its migrations from both earlier tags carry hazards,
                which its tag message acknowledges (`allow-hazards: ...`), as a hook build needs

Identity and dates are fixed, so every run makes the same commits and tags (same shas).
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from momrel.bundle.publish import StagedFolder
from momrel.errors import MomrelError
from momrel.gitrepo import Identity, Version, init_repository

TEMPLATE = Path(__file__).with_name("source_template")
TREE = TEMPLATE / "tree"
SCHEMAS = TEMPLATE / "schemas"
SCHEMA_FILE = "sql/momentry.sql"
# Cargo.toml and Cargo.lock carry the release's version in place of this.
VERSION_PLACEHOLDER = "@VERSION@"
# Build output and caches that may appear beside the template files; never part of the tree.
_NOT_TEMPLATE = {"target", "__pycache__"}
# Files git records as executable: run directly on a host (`deploy/restart.sh ...`).
_EXECUTABLE_SUFFIXES = {".sh", ".py"}

IDENTITY = Identity("Momentry release", "release@momentry.invalid")

# The hazard kinds of v1.4.0's migrations for schema public, from v1.3.0 and from v1.4.0-dev.1
# alike (`momrel schema diff A.sql B.sql --schema public`); tests/test_demo_source.py checks it.
V1_4_0_HAZARDS = ("access-exclusive-lock", "backward-incompatible", "data-dependent",
                  "index-build", "table-rewrite")


@dataclass(frozen=True)
class Release:
    tag: str
    schema: Path
    date: str           # commit and tag date
    message: str        # commit message and annotated tag message


RELEASES = (
    Release("v1.3.0", Path(__file__).with_name("schema_v1.sql"), "2025-01-15T12:00:00+00:00",
            "Momentry 1.3.0\n"),
    Release("v1.4.0-dev.1", SCHEMAS / "v1.4.0-dev.1.sql", "2025-02-03T12:00:00+00:00",
            "Momentry 1.4.0-dev.1 (playground)\n\n"
            "Schema: tkg_nodes.props (nullable jsonb), ahead of 1.4.0.\n"),
    Release("v1.4.0", SCHEMAS / "v1.4.0.sql", "2025-02-20T12:00:00+00:00",
            "Momentry 1.4.0\n\n"
            "Schema: files.size_bytes becomes bigint, files.status also takes 'failed',\n"
            "identities.name is renamed display_name, tkg_nodes.props, indexes on the\n"
            "foreign keys of face_detections and tkg_edges.\n\n"
            f"allow-hazards: {','.join(V1_4_0_HAZARDS)}\n"),
)


@dataclass
class SourceDemo:
    path: Path
    tags: list[str]             # the tags created, oldest first
    last_tag: str               # the newest release (not created with tag_last=False)
    last_tag_message: str       # its annotated tag's message

    def build_commands(self) -> list[str]:
        """`momrel system build` of each release: pre-releases make dev packages, final
        versions prod ones."""
        releases = [*self.tags, *([self.last_tag] if self.last_tag not in self.tags else [])]
        return [shlex.join(["momrel", "system", "build", "--env",
                            "dev" if Version.parse(tag).is_prerelease else "prod",
                            "--ref", tag, "--source", str(self.path)]) for tag in releases]


def create_source_repository(path: Path, tag_last: bool = True) -> SourceDemo:
    """The example repository at `path` (a new or empty folder), every release committed and
    tagged; with `tag_last` False the last release is committed but not tagged, for the caller
    to `git tag -a` it with `last_tag_message` (so a hook sees the tag being made)."""
    path = Path(path).absolute()
    _refuse_occupied(path)
    tags = []
    # Built beside `path` and renamed into place: a failure leaves nothing half made.
    with StagedFolder(path) as staging:
        repository = init_repository(staging.path, branch="main")
        for release in RELEASES:
            _write_tree(staging.path, release)
            identity = replace(IDENTITY, date=release.date)
            repository.commit_all(release.message, identity)
            if tag_last or release is not RELEASES[-1]:
                repository.tag(release.tag, release.message, identity=identity)
                tags.append(release.tag)
        staging.publish()
    return SourceDemo(path, tags, RELEASES[-1].tag, RELEASES[-1].message)


def _refuse_occupied(path: Path) -> None:
    if path.is_symlink() or (path.exists() and (not path.is_dir() or any(path.iterdir()))):
        raise MomrelError(f"{path} exists and is not an empty folder: give a new path for the "
                          "example source repository")


def _write_tree(root: Path, release: Release) -> None:
    """The release's files: the template tree with its version, and its schema."""
    version = str(Version.parse(release.tag))
    for source in sorted(TREE.rglob("*")):
        relative = source.relative_to(TREE)
        if not source.is_file() or _NOT_TEMPLATE & set(relative.parts) or source.suffix == ".pyc":
            continue
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes().replace(VERSION_PLACEHOLDER.encode(), version.encode())
        target.write_bytes(data)
        # Modes set here, not copied: an installed package may not keep them, and the
        # commits must be the same everywhere.
        target.chmod(0o755 if source.suffix in _EXECUTABLE_SUFFIXES else 0o644)
    schema = root / SCHEMA_FILE
    schema.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(release.schema, schema)
    schema.chmod(0o644)
