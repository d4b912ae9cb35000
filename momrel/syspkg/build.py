"""`momrel system build`: one system package from a release tag of the source repository.

Everything is read from git at the tag (never the work tree), checked, diffed and verified
before anything is written; the package is built in a hidden folder beside its destination and
renamed into place last, so a failure leaves no package behind. The same tag built twice gives
the same bytes: an existing identical package is left as it is, a different one is replaced only
with `force`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from momrel.bundle import sha256sums
from momrel.bundle.publish import StagedFolder, refuse_non_folder
from momrel.config import Config, SystemConfig
from momrel.database import schema_script
from momrel.errors import ConfigError, HazardsRefused, MomrelError, SecretRefused, UsageError
from momrel.gitrepo import Version
from momrel.schema.migration import HazardKind, Migration
from momrel.schema.migration_json import render_json
from momrel.schema.render import render_sql
from momrel.schema.source import SchemaSource
from momrel.syspkg import archive, envfile, release as release_doc
from momrel.syspkg.release import (MIGRATION_DIR, NO_RELEASE, RELEASE_INFO, RELEASE_JSON, SCRIPTS_DIR,
                                   HazardNote, MigrationFacts, Previous, ReleaseFacts)
from momrel.syspkg.source import (FINAL_ONLY_ENVIRONMENT, Release, SourceRepository, empty_schema,
                                  open_source, tag_allowance)

Progress = Callable[[str], None]
EXECUTABLE_MODES = ("100755",)
# Names at the top of a package that the build writes itself.
GENERATED_NAMES = frozenset({archive.FILE_NAME, sha256sums.FILE_NAME, RELEASE_JSON, RELEASE_INFO,
                             MIGRATION_DIR})


@dataclass
class BuiltPackage:
    environment: str
    version: str
    path: Path
    tag: str | None
    commit: str
    previous: str | None
    state: str                      # new, unchanged (identical package already there), replaced
    statements: int
    hazards: list[str]              # hazard kinds the up migration carries (acknowledged)
    migration_up: str
    migration_down: str
    tracked: str | None = None      # the .dvc file, when the content repository uses DVC
    files: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["path"] = str(self.path)
        return data


def require_system(config: Config) -> SystemConfig:
    if config.system is None:
        raise ConfigError("params.yaml has no system: section: name the Momentry source "
                          "repository and what its packages hold (docs/system-package.md)")
    return config.system


def build_package(config: Config, env_name: str, ref: str, *, version: str | None = None,
                  prev: str | None = None, allow_hazards: frozenset[HazardKind] = frozenset(),
                  source: Path | None = None, force: bool = False, track: bool = True,
                  scratch_url: str | None = None, progress: Progress | None = None) -> BuiltPackage:
    say = progress or (lambda message: None)
    system = require_system(config)
    environment = config.env(env_name)
    env_file = envfile.env_file_for(environment, system.environment(env_name))
    repo = open_source(system, source)
    release = repo.release(ref, version)
    if env_name == FINAL_ONLY_ENVIRONMENT and Version.parse(release.version).is_prerelease:
        raise UsageError(f"{release.version} is a pre-release: {env_name} packages are built from "
                         "final release tags (vX.Y.Z); build it with --env dev")
    previous = repo.previous(release, env_name, prev)
    tag_allowed = tag_allowance(release)     # a malformed allow-hazards: line fails before the work
    destination = system.release_dir / env_name / release.version
    refuse_non_folder(destination, "package folder")
    new_schema = repo.schema(release)
    say(f"{env_name} {release.version}: commit {release.commit[:12]}, previous release "
        f"{previous.version if previous else 'none (first release)'}")

    _refuse_secrets_in_tree(repo, release)
    payload = _files_at_tag(repo, release)
    up, down = _migrations(config, repo, new_schema, previous, environment.schema, scratch_url, say)
    _refuse_unacknowledged(up, allow_hazards | tag_allowed, release)
    say("source.tar.gz from the tree at the tag")
    source_archive = archive.build_archive(repo.repo, release.commit, release.epoch)

    up_name, down_name = release_doc.migration_names(previous.version if previous else NO_RELEASE,
                                                     release.version)
    schema_name = f"schema_{environment.schema}.sql"
    files: dict[str, tuple[bytes, int]] = {
        **payload,
        archive.FILE_NAME: (source_archive.data, 0o644),
        env_file.name: (env_file.render(f"Momentry {release.version}, {env_name} environment "
                                        f"(momrel system package). No secrets: values such as "
                                        f"${{DATABASE_URL}} come from the host's environment."), 0o644),
        schema_name: (schema_script(new_schema.text, environment.schema).encode("utf-8"), 0o644),
        f"{MIGRATION_DIR}/{up_name}.sql": (render_sql(up).encode("utf-8"), 0o644),
        f"{MIGRATION_DIR}/{down_name}.sql": (render_sql(down).encode("utf-8"), 0o644),
        # The build's duration is not a fact of the release (and would break reproducibility).
        f"{MIGRATION_DIR}/{up_name}.json": (render_json(dataclasses.replace(up, seconds=0.0)).encode(), 0o644),
        f"{MIGRATION_DIR}/{down_name}.json": (render_json(dataclasses.replace(down, seconds=0.0)).encode(), 0o644),
    }
    facts = ReleaseFacts(
        environment=env_name, version=release.version, ref=release.ref, tag=release.tag,
        commit=release.commit, commit_time=release.commit_time,
        previous=Previous(previous.version, previous.tag, previous.commit) if previous else None,
        schema=environment.schema, schema_file=schema_name, schema_source=system.schema_file,
        schema_sha256=new_schema.sha256, port=environment.port, env_file=env_file.name,
        build=system.environment(env_name).build, restart=system.environment(env_name).restart,
        scripts=sorted(p for p in payload if p.startswith(f"{SCRIPTS_DIR}/")),
        smoke_test=system.smoke_test, source_tar_sha256=source_archive.tar_sha256,
        source_files=source_archive.files,
        migration=_migration_facts(up, down, up_name, down_name, allow_hazards, tag_allowed),
        files=sorted([*files, RELEASE_JSON, RELEASE_INFO]),
    )
    files[RELEASE_JSON] = (release_doc.to_json(facts), 0o644)
    files[RELEASE_INFO] = (release_doc.render_info(facts), 0o644)
    state = _publish(destination, files, force)
    say(f"{destination}: {state}")
    tracked = _track(config, destination) if track and state != "unchanged" else _dvc_file(config, destination)
    return BuiltPackage(env_name, release.version, destination, release.tag, release.commit,
                        previous.version if previous else None, state, len(up.statements),
                        facts.migration.acknowledged, facts.migration.up, facts.migration.down,
                        tracked, facts.files)


# ---------------------------------------------------------------- steps
def _refuse_secrets_in_tree(repo: SourceRepository, release: Release) -> None:
    found = []
    for entry in repo.repo.tree_entries(release.commit):
        if entry.kind == "blob" and entry.mode != "120000" and envfile.is_env_file(entry.path):
            found += envfile.env_file_problems(entry.path, repo.repo.read_blob(entry.sha))
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise SecretRefused(f"{release.ref}: {found[0]}{more}: source.tar.gz would carry it; "
                                    "secrets never enter a package")


def _files_at_tag(repo: SourceRepository, release: Release) -> dict[str, tuple[bytes, int]]:
    """The scripts and the smoke test, with git's executable bit."""
    modes = {e.path: e.mode for e in repo.repo.tree_entries(release.commit)}
    files = {}
    for path in repo.system.scripts:
        files[f"{SCRIPTS_DIR}/{Path(path).name}"] = (repo.read(release, path), _mode(modes.get(path)))
    smoke_test = repo.system.smoke_test
    if smoke_test in files or smoke_test.split("/")[0] in GENERATED_NAMES or smoke_test.startswith((".env", "schema_")):
        raise ConfigError(f"params.yaml: system.smoke_test: {smoke_test} would take the place of a "
                          "file the package makes itself; use another path (test/api_test.sh)")
    files[smoke_test] = (repo.read(release, smoke_test), 0o755)
    return files


def _mode(git_mode: str | None) -> int:
    return 0o755 if git_mode in EXECUTABLE_MODES else 0o644


def _migrations(config: Config, repo: SourceRepository, new: SchemaSource, previous: Release | None,
                schema: str, scratch_url: str | None, say: Progress) -> tuple[Migration, Migration]:
    from momrel.schema.diff import diff_pair
    from momrel.schema.scratch import ScratchServer

    old = repo.schema(previous) if previous else empty_schema()
    say(f"migration {old.spec} → {new.spec} for schema {schema}: diff and verify, up and down")
    with ScratchServer(scratch_url, config.root) as scratch:
        return diff_pair(old, new, schema, scratch)


def _refuse_unacknowledged(up: Migration, allowed: frozenset[HazardKind], release: Release) -> None:
    from momrel.schema.hazards import refuse_unallowed_hazards

    try:
        refuse_unallowed_hazards(up, allowed)
    except HazardsRefused as refused:
        first, _, listing = str(refused).partition("\n")
        kinds = ",".join(sorted({h.kind.value for s in up.hazardous for h in s.hazards
                                 if h.kind not in allowed}))
        raise HazardsRefused(f"{release.version}: the migration from the previous release carries "
                             f"hazards not acknowledged; acknowledge them with --allow-hazards {kinds} "
                             f"or a line `allow-hazards: {kinds}` in the annotated tag's message "
                             f"({first.split(' (one per line')[0]}):\n{listing}") from None


def _migration_facts(up: Migration, down: Migration, up_name: str, down_name: str,
                     flag: frozenset[HazardKind], tag: frozenset[HazardKind]) -> MigrationFacts:
    hazards = [HazardNote(h.kind.value, s.first_line) for s in up.hazardous for h in s.hazards]
    return MigrationFacts(
        up=f"{MIGRATION_DIR}/{up_name}.sql", down=f"{MIGRATION_DIR}/{down_name}.sql",
        up_json=f"{MIGRATION_DIR}/{up_name}.json", down_json=f"{MIGRATION_DIR}/{down_name}.json",
        statements=len(up.statements), down_statements=len(down.statements), hazards=hazards,
        acknowledged=sorted({h.kind for h in hazards}), acknowledged_by=_acknowledged_by(up, flag, tag),
        server_version=up.server_version)


def _acknowledged_by(up: Migration, flag: frozenset, tag: frozenset) -> str | None:
    kinds = {h.kind for s in up.hazardous for h in s.hazards}
    if not kinds:
        return None
    by = [name for name, allowed in (("tag message", tag), ("--allow-hazards", flag)) if kinds & allowed]
    return " and ".join(by)


def _publish(destination: Path, files: dict[str, tuple[bytes, int]], force: bool) -> str:
    with StagedFolder(destination) as staged:
        for relative, (data, mode) in sorted(files.items()):
            staged.write(relative, data)
            (staged.path / relative).chmod(mode)
        for folder in sorted({p.parent for p in staged.path.rglob("*") if p.is_file()}):
            folder.chmod(0o755)
        staged.write_checksums()
        if not destination.exists():
            staged.publish()
            return "new"
        if _same_checksums(destination, staged.path):
            return "unchanged"
        if not force:
            raise MomrelError(f"{destination} exists and differs from what this build makes "
                              "(was the tag moved?); --force replaces it")
        staged.publish()
        return "replaced"


def _same_checksums(existing: Path, built: Path) -> bool:
    """Same files, same bytes, same modes (an executable bit is part of a package)."""
    def modes(folder: Path) -> dict[str, int]:
        return {p.relative_to(folder).as_posix(): p.lstat().st_mode
                for p in folder.rglob("*") if p.is_file()}
    try:
        return (sha256sums.of_folder(existing) == sha256sums.of_folder(built)
                and modes(existing) == modes(built))
    except OSError:
        return False


def _dvc_file(config: Config, destination: Path) -> str | None:
    path = destination.with_name(destination.name + ".dvc")
    return str(path.relative_to(config.root)) if path.is_file() else None


def _track(config: Config, destination: Path) -> str | None:
    """`dvc add` the package (a .dvc file to commit; `dvc push` uploads it, `dvc pull
    release/system/prod/v1.4.0` fetches this one package). Not a DVC repository: untracked."""
    from momrel.dvcrepo import run_dvc

    if not (config.root / ".dvc").is_dir():
        return None
    relative = destination.relative_to(config.root).as_posix()
    try:
        # A hook's build may meet the user's own `dvc repro`: wait for DVC's lock, never fail on it.
        run_dvc(config.root, "--wait-for-lock", "add", "--quiet", relative)
    except MomrelError as exc:
        raise MomrelError(f"{exc}; the package itself is complete at {relative}: track it with "
                          f"`dvc add {relative}`") from None
    return relative + ".dvc"

