"""The Momentry source repository as system packages see it: release tags, their semantic
order, the previous release of an environment, and files at a tag.

Previous releases go by semantic-version order, never by date: a prod package's previous
release is the highest final tag (vX.Y.Z) below it, a dev package's the highest tag below it,
pre-releases included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from momrel.config import SystemConfig
from momrel.errors import ConfigError, MissingPath, MomrelError, NotARepository, UsageError
from momrel.gitrepo import Repository, Version, open_repository
from momrel.schema.migration import HazardKind
from momrel.schema.source import SchemaSource

# The environment whose packages come from final releases only; other environments (dev) take
# pre-releases too.
FINAL_ONLY_ENVIRONMENT = "prod"
# `allow-hazards: all` or `allow-hazards: index-build,table-rewrite` in an annotated tag's message.
TAG_ALLOWANCE = re.compile(r"^\s*allow-hazards\s*:\s*(.*?)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Release:
    ref: str                # as given
    tag: str | None         # the tag ref names, when it is one
    version: str            # v1.4.0: the tag's name unless --version says otherwise
    commit: str
    commit_time: str        # ISO 8601 with the committer's offset
    epoch: int              # the same instant, for archive mtimes
    message: str | None     # the annotated tag's message


def open_source(system: SystemConfig, override: Path | None = None, allow_bare: bool = True) -> "SourceRepository":
    path = Path(override) if override is not None else system.source
    where = "--source" if override is not None else "params.yaml: system.source"
    try:
        return SourceRepository(open_repository(path, allow_bare=allow_bare), system)
    except NotARepository as exc:
        hint = " (create the example with `momrel demo source --path DIR`)" if not path.exists() else ""
        raise ConfigError(f"{where}: {exc}{hint}") from None


class SourceRepository:
    def __init__(self, repo: Repository, system: SystemConfig):
        self.repo = repo
        self.system = system

    @property
    def path(self) -> Path:
        return self.repo.root

    def release(self, ref: str, version: str | None = None) -> Release:
        commit = self.repo.resolve(ref)
        tag = ref if ref in self.repo.tags() else None
        name = version or tag
        if name is None:
            raise UsageError(f"--ref {ref} is not a tag: give the package a version with --version")
        if Version.parse(name) is None:
            what = "--version" if version else "the tag"
            raise UsageError(f"{what} {name!r} is not a release version such as v1.4.0 or "
                             "v1.4.0-dev.1 (semantic versioning)")
        when = self.repo.commit_time(commit)
        return Release(ref, tag, name, commit, when.isoformat(), int(when.timestamp()),
                       self.repo.tag_message(tag) if tag else None)

    def previous(self, release: Release, environment: str, prev_ref: str | None = None) -> Release | None:
        """The release this one upgrades from (None for the first release)."""
        if prev_ref is not None:
            if prev_ref not in self.repo.tags() or Version.parse(prev_ref) is None:
                raise UsageError(f"--prev {prev_ref}: not a release tag of {self.path.name} "
                                 "(the previous release is a tag such as v1.3.0)")
            previous = self.release(prev_ref)
            if not Version.parse(previous.version) < Version.parse(release.version):
                raise UsageError(f"--prev {prev_ref} is not below {release.version}")
            return previous
        version = Version.parse(release.version)
        include_pre = environment != FINAL_ONLY_ENVIRONMENT
        earlier = [r for r in self.repo.release_tags()
                   if r.version < version and (include_pre or not r.version.is_prerelease)]
        return self.release(earlier[-1].name) if earlier else None

    def read(self, release: Release, path: str) -> bytes:
        try:
            return self.repo.read_file(release.commit, path)
        except MissingPath as missing:
            raise MomrelError(f"{path} {missing.reason} at {release.ref} (commit "
                              f"{release.commit[:12]}) in {self.path.name}; params.yaml system "
                              "names it") from None

    def schema(self, release: Release) -> SchemaSource:
        path = self.system.schema_file
        data = self.read(release, path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{release.ref}:{path} is not UTF-8 text") from None
        return SchemaSource(release.version, f"{release.version}:{path}", text, release.commit, path)


def empty_schema(version: str = "none") -> SchemaSource:
    """Where a first release starts: no objects at all."""
    return SchemaSource(version, f"{version} (empty schema)", "", None, "(none)")


def tag_allowance(release: Release) -> frozenset[HazardKind]:
    """Hazard kinds the annotated tag's message acknowledges (`allow-hazards: …` lines)."""
    from momrel.schema.hazards import allowed_hazards

    if not release.message:
        return frozenset()
    kinds: set[HazardKind] = set()
    for value in TAG_ALLOWANCE.findall(release.message):
        if not value:
            raise UsageError(f"tag {release.tag}: an empty allow-hazards: line in its message "
                             "(write allow-hazards: all, or the kinds)")
        kinds |= allowed_hazards(value, f"tag {release.tag}: its message's allow-hazards: line")
    return frozenset(kinds)



