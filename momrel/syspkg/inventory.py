"""The built system packages: `momrel system list` and `momrel system verify`.

Verification treats the folder as input from outside (it may have been pulled from a remote or
copied by hand): regular files only, never through a link; every file listed in SHA256SUMS and
matching it; release.json well-formed and agreeing with the folder's place and contents; the
source archive's tar hash and member paths; the env file free of secrets and naming the
release's schema and port; both migrations readable and made for that schema.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from momrel.bundle import sha256sums
from momrel.bundle.members import PackageFolder, safe_relative
from momrel.config import Config
from momrel.errors import MomrelError
from momrel.gitrepo import Version
from momrel.syspkg import archive, envfile
from momrel.syspkg.release import RELEASE_INFO, RELEASE_JSON, ReleaseFacts, read_facts

MAX_MEMBER_BYTES = 4 * 1024**3


@dataclass
class PackageCheck:
    path: Path
    facts: ReleaseFacts | None
    problems: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        f = self.facts
        return {"path": str(self.path), "ok": self.ok, "problems": self.problems, "files": self.files,
                "environment": f.environment if f else None, "version": f.version if f else None,
                "previous": f.previous_version if f else None, "commit": f.commit if f else None}


def verify_package(path: Path, environments: tuple[str, ...] = ()) -> PackageCheck:
    """Every check above; problems are collected (not raised) so all of them are reported."""
    path = Path(path)
    with PackageFolder(path) as folder:
        on_disk = folder.files()
        check = PackageCheck(path, None, files=len(on_disk))
        contents: dict[str, bytes] = {}

        def read(relative: str) -> bytes | None:
            if relative not in contents:
                if relative not in on_disk:
                    return None
                with folder.open(relative) as member:
                    contents[relative] = member.read()
            return contents[relative]

        sums_data = read(sha256sums.FILE_NAME)
        if sums_data is None:
            check.problems.append(f"{sha256sums.FILE_NAME} is missing")
            return check
        try:
            listed = sha256sums.decode(sums_data, sha256sums.FILE_NAME)
        except MomrelError as exc:
            check.problems.append(str(exc))
            return check
        for relative in sorted(set(on_disk) - {sha256sums.FILE_NAME}):
            if relative not in listed:
                check.problems.append(f"{relative} is not listed in {sha256sums.FILE_NAME}")
        for relative, digest in sorted(listed.items()):
            if relative not in on_disk:
                check.problems.append(f"{relative} is listed in {sha256sums.FILE_NAME} but missing")
            elif hashlib.sha256(read(relative)).hexdigest() != digest:
                check.problems.append(f"{relative}: sha256 differs from {sha256sums.FILE_NAME}")
        release = read(RELEASE_JSON)
        if release is None:
            check.problems.append(f"{RELEASE_JSON} is missing")
            return check
        try:
            facts = check.facts = read_facts(release, RELEASE_JSON)
        except MomrelError as exc:
            check.problems.append(str(exc))
            return check
        check.problems += _facts_problems(facts, path, set(on_disk), environments, read)
    return check


def _facts_problems(facts: ReleaseFacts, path: Path, on_disk: set[str], environments, read) -> list[str]:
    problems = []
    if Version.parse(facts.version) is None:
        problems.append(f"{RELEASE_JSON}: version {facts.version!r} is not a release version")
    if path.name != facts.version:
        problems.append(f"the folder is named {path.name} but holds release {facts.version}")
    if path.parent.name in environments and path.parent.name != facts.environment:
        problems.append(f"a {facts.environment} package in the {path.parent.name} folder")
    required = {archive.FILE_NAME, facts.env_file, facts.schema_file, facts.smoke_test, RELEASE_JSON,
                RELEASE_INFO, facts.migration.up, facts.migration.down, facts.migration.up_json,
                facts.migration.down_json, *facts.scripts}
    for name in sorted(required - on_disk):
        problems.append(f"{name} is missing (release.json names it)")
    if set(facts.files) != on_disk - {sha256sums.FILE_NAME}:
        extra = sorted(on_disk - {sha256sums.FILE_NAME} - set(facts.files))
        missing = sorted(set(facts.files) - on_disk)
        problems.append(f"files differ from release.json's list (extra: {', '.join(extra) or '-'}; "
                        f"missing: {', '.join(missing) or '-'})")
    problems += _archive_problems(read(archive.FILE_NAME), facts)
    problems += _env_file_problems(read(facts.env_file), facts)
    problems += _migration_problems(facts, read)
    return problems


def _archive_problems(data: bytes | None, facts: ReleaseFacts) -> list[str]:
    if data is None:
        return []
    try:
        tar_bytes = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        return [f"{archive.FILE_NAME}: not a gzip file ({exc})"]
    problems = []
    if hashlib.sha256(tar_bytes).hexdigest() != facts.source_tar_sha256:
        problems.append(f"{archive.FILE_NAME}: the tar's sha256 differs from release.json")
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as tar:
            members = tar.getmembers()
    except tarfile.TarError as exc:
        return problems + [f"{archive.FILE_NAME}: not a tar archive ({exc})"]
    for member in members:
        try:
            safe_relative(member.name, archive.FILE_NAME)
        except MomrelError as exc:
            problems.append(str(exc))
            continue
        if not (member.isfile() or member.issym()):
            problems.append(f"{archive.FILE_NAME}: {member.name} is not a file or a link")
        elif member.issym() and archive.link_escapes(member.name, member.linkname):
            problems.append(f"{archive.FILE_NAME}: link {member.name} points outside ({member.linkname})")
    if len(members) != facts.source_files:
        problems.append(f"{archive.FILE_NAME}: {len(members)} files, release.json says {facts.source_files}")
    return problems


def _env_file_problems(data: bytes | None, facts: ReleaseFacts) -> list[str]:
    if data is None:
        return []
    problems = envfile.env_file_problems(facts.env_file, data)
    values = dict(line.split("=", 1) for line in data.decode("utf-8", "replace").splitlines()
                  if "=" in line and not line.startswith("#"))
    if values.get("DATABASE_SCHEMA") != facts.schema:
        problems.append(f"{facts.env_file}: DATABASE_SCHEMA is not {facts.schema}")
    if values.get("PORT") != str(facts.port):
        problems.append(f"{facts.env_file}: PORT is not {facts.port}")
    return problems


def _migration_problems(facts: ReleaseFacts, read) -> list[str]:
    from momrel.schema.migration_json import migration_from_bytes

    problems = []
    for name in (facts.migration.up_json, facts.migration.down_json):
        data = read(name)
        if data is None:
            continue
        try:
            migration = migration_from_bytes(data, name)
        except MomrelError as exc:
            problems.append(str(exc))
            continue
        if migration.schema != facts.schema:
            problems.append(f"{name}: a migration for schema {migration.schema}, not {facts.schema}")
    return problems


# ---------------------------------------------------------------- listing
@dataclass
class ListedPackage:
    environment: str
    version: str
    path: Path
    state: str                  # present, not pulled (only its .dvc file), unreadable
    previous: str | None = None
    commit: str | None = None
    hazards: int = 0

    def as_json(self) -> dict:
        return {"environment": self.environment, "version": self.version, "path": str(self.path),
                "state": self.state, "previous": self.previous, "commit": self.commit,
                "hazards": self.hazards}


def list_packages(config: Config) -> list[ListedPackage]:
    from momrel.syspkg.build import require_system

    system = require_system(config)
    found = []
    for environment in config.environments:
        folder = system.release_dir / environment
        if not folder.is_dir():
            continue
        versions = {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")}
        versions |= {p.name[:-4] for p in folder.glob("*.dvc")}
        for version in versions:
            if Version.parse(version) is None:
                continue
            found.append(_listed(environment, version, folder / version))
    return sorted(found, key=lambda p: (p.environment, Version.parse(p.version), p.version))


def _listed(environment: str, version: str, path: Path) -> ListedPackage:
    if not path.is_dir():
        return ListedPackage(environment, version, path, "not pulled")
    try:
        facts = read_facts((path / RELEASE_JSON).read_bytes(), f"{path.name}/{RELEASE_JSON}")
    except (OSError, MomrelError):
        return ListedPackage(environment, version, path, "unreadable")
    return ListedPackage(environment, version, path, "present", facts.previous_version, facts.commit,
                         len(facts.migration.hazards))
