"""What a system package says about itself: release.json for machines, RELEASE_INFO.txt for
people, both rendered from one `ReleaseFacts`.

release.json is format `momrel-system-release` version 1 (docs/system-package.md). Every fact
comes from the source repository at the tag and from params.yaml, never from the clock or the
machine: building the same tag twice gives the same bytes (the time shown is the commit's).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from momrel import __version__
from momrel.bundle import strictjson
from momrel.bundle.fields import Field
from momrel.bundle.formats import DocumentFormat
from momrel.errors import ReleaseFileError

RELEASE_FORMAT = DocumentFormat("momrel-system-release", 1, "momrel system package (release.json)")
RELEASE_JSON = "release.json"
RELEASE_INFO = "RELEASE_INFO.txt"
MIGRATION_DIR = "migration"
SCRIPTS_DIR = "scripts"
# The version a first release migrates from: nothing (an empty schema).
NO_RELEASE = "none"


@dataclass(frozen=True)
class Previous:
    version: str
    tag: str
    commit: str


@dataclass(frozen=True)
class HazardNote:
    kind: str
    statement: str          # the statement's first line


@dataclass(frozen=True)
class MigrationFacts:
    up: str                 # migration/{prev}_to_{version}.sql, relative to the package
    down: str
    up_json: str            # the model `momrel schema apply` and upgrades run
    down_json: str
    statements: int
    down_statements: int
    hazards: list[HazardNote]
    acknowledged: list[str]         # hazard kinds allowed, sorted
    acknowledged_by: str | None     # "tag message", "--allow-hazards", both, or None
    server_version: str             # PostgreSQL that verified it


@dataclass(frozen=True)
class ReleaseFacts:
    environment: str
    version: str
    ref: str
    tag: str | None
    commit: str
    commit_time: str                # ISO 8601, the commit's own offset
    previous: Previous | None
    schema: str                     # the database schema: dev, public
    schema_file: str                # schema_dev.sql
    schema_source: str              # the schema file in the source repository
    schema_sha256: str              # of the schema-neutral file at the tag
    port: int
    env_file: str
    build: str
    restart: str
    scripts: list[str]              # scripts/NAME
    smoke_test: str
    source_tar_sha256: str
    source_files: int
    migration: MigrationFacts
    momrel_version: str = __version__
    files: list[str] = field(default_factory=list)   # every file of the package but SHA256SUMS

    @property
    def previous_version(self) -> str:
        return self.previous.version if self.previous else NO_RELEASE


def migration_names(previous_version: str, version: str) -> tuple[str, str]:
    """(up, down) base names: v1.3.0_to_v1.4.0 and v1.4.0_to_v1.3.0."""
    return f"{previous_version}_to_{version}", f"{version}_to_{previous_version}"


def to_json(facts: ReleaseFacts) -> bytes:
    data = {**RELEASE_FORMAT.stamp(), **asdict(facts)}
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def upgrade_steps(facts: ReleaseFacts) -> list[str]:
    """The upgrade of a host for this environment, as the next issue's `momrel system upgrade`
    runs it; written out so a person can follow it by hand."""
    m = facts.migration
    return [
        "sha256sum -c SHA256SUMS   (every file of this package is intact)",
        f"check the database's release is {facts.previous_version} (schema {facts.schema})",
        f"unpack source.tar.gz into APP_DIR/releases/{facts.version}/, place {facts.env_file}, "
        f"{SCRIPTS_DIR}/ and {facts.smoke_test}",
        f"migrate: {m.up} (one transaction; PostgreSQL's own non-transactional statements after it)",
        f"build in the release folder: {facts.build}",
        f"switch APP_DIR/current to releases/{facts.version}",
        f"restart: {facts.restart}   (port {facts.port})",
        f"smoke test: sh {facts.smoke_test} http://127.0.0.1:{facts.port} {facts.version}",
        f"on failure from the migration on: {m.down}, switch current back, restart the previous release",
    ]


def render_info(facts: ReleaseFacts) -> bytes:
    m = facts.migration
    previous = (f"{facts.previous.version} (commit {facts.previous.commit[:12]})" if facts.previous
                else "none: the first release; its migration creates the whole schema")
    lines = [
        f"Momentry {facts.version} - {facts.environment} system package",
        "",
        f"environment:       {facts.environment} (schema {facts.schema}, port {facts.port}, env file {facts.env_file})",
        f"version:           {facts.version}",
        f"tag:               {facts.tag or '(none: built from ' + facts.ref + ')'}",
        f"commit:            {facts.commit}",
        f"commit time:       {facts.commit_time}",
        f"previous version:  {previous}",
        f"schema:            {facts.schema_file} from {facts.schema_source}, sha256 {facts.schema_sha256}",
        f"source:            source.tar.gz, {facts.source_files} files, tar sha256 {facts.source_tar_sha256}",
        f"migration up:      {m.up} ({m.statements} statements)",
        f"migration down:    {m.down} ({m.down_statements} statements, for rollback)",
        f"verified:          applied to the previous schema in PostgreSQL {m.server_version}, "
        "equal to this release's; the down migration back to the previous one",
    ]
    if m.hazards:
        lines.append(f"hazards:           {len(m.hazards)}, acknowledged ({', '.join(m.acknowledged)}) "
                     f"by {m.acknowledged_by}:")
        lines += [f"  - {h.kind}: {h.statement}" for h in m.hazards]
    else:
        lines.append("hazards:           none")
    lines += ["", f"Upgrade steps ({facts.environment}):"]
    lines += [f"  {i}. {step}" for i, step in enumerate(upgrade_steps(facts), 1)]
    lines += ["", f"built by momrel {facts.momrel_version}; release.json holds these facts for "
              "programs, SHA256SUMS the checksum of every file"]
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------- reading back
def _field(data, label: str) -> Field:
    return Field(data, "$", lambda message: ReleaseFileError(f"{label}: {message}"))


def read_facts(data: bytes, label: str) -> ReleaseFacts:
    """release.json, checked field by field (types, required keys)."""
    document = strictjson.loads(data, label)
    problem = RELEASE_FORMAT.problem(document)
    if problem:
        raise ReleaseFileError(f"{label}: {problem}")
    doc = _field(document, label)
    previous = doc.get("previous")
    m = doc.get("migration")
    acknowledged_by = m.get("acknowledged_by").text(optional=True)
    return ReleaseFacts(
        environment=doc.get("environment").text(), version=doc.get("version").text(),
        ref=doc.get("ref").text(), tag=doc.get("tag").text(optional=True),
        commit=doc.get("commit").text(), commit_time=doc.get("commit_time").text(),
        previous=None if previous.value is None else Previous(
            previous.get("version").text(), previous.get("tag").text(), previous.get("commit").text()),
        schema=doc.get("schema").text(), schema_file=doc.get("schema_file").text(),
        schema_source=doc.get("schema_source").text(), schema_sha256=doc.get("schema_sha256").text(),
        port=doc.get("port").integer(), env_file=doc.get("env_file").text(),
        build=doc.get("build").text(), restart=doc.get("restart").text(),
        scripts=[s.text() for s in doc.get("scripts").items()],
        smoke_test=doc.get("smoke_test").text(),
        source_tar_sha256=doc.get("source_tar_sha256").text(),
        source_files=doc.get("source_files").integer(),
        migration=MigrationFacts(
            up=m.get("up").text(), down=m.get("down").text(), up_json=m.get("up_json").text(),
            down_json=m.get("down_json").text(), statements=m.get("statements").integer(),
            down_statements=m.get("down_statements").integer(),
            hazards=[HazardNote(h.get("kind").text(), h.get("statement").text())
                     for h in m.get("hazards").items()],
            acknowledged=[k.text() for k in m.get("acknowledged").items()],
            acknowledged_by=acknowledged_by, server_version=m.get("server_version").text()),
        momrel_version=doc.get("momrel_version").text(),
        files=[f.text() for f in doc.get("files").items()],
    )
