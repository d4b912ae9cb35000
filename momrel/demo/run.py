"""`make demo`: the main job end to end on the embedded defaults.

Start the embedded PostgreSQL, create the Momentry schema in every environment, seed
synthetic videos into the source environment, record them in params.yaml, `dvc repro -P`
(export the packages), `dvc push` to the default remote, commit the resulting lock files on
the branch `momrel-demo` (not on the user's branch) and pull one package from a clone of it;
then the schema history demo and the system packages (the example source repository, a dev
package built by hand, the prod package built by the tag hook, both pushed); and summarise. Running it again seeds nothing new and re-exports nothing that did not change.
"""

from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass, field

from momrel import database, pg
from momrel.config import Config
from momrel.demo import seed as seeding
from momrel.demo import schema_history, system_release, target_host
from momrel.dvcrepo import run_dvc
from momrel.errors import MomrelError
from momrel.filepkg import manifest, pipeline
from momrel.schema.render import hazard_summary

DEMO_VERSION = "1.0.0"


@dataclass
class DemoPackage:
    file_uuid: str
    version: str
    exported: bool
    rows: dict[str, int]
    points: dict[str, int]
    bytes: int


@dataclass
class DemoResult:
    database: str
    seeded: list[str]
    packages: list[DemoPackage] = field(default_factory=list)
    pushed: str = ""
    imported: dict = field(default_factory=dict)
    branch: dict = field(default_factory=dict)
    schema_migration: dict = field(default_factory=dict)
    system: dict = field(default_factory=dict)
    seconds: float = 0.0


def run_demo(config: Config, files: int = 3, scale: float = 1.0, push: bool = True,
             echo=lambda message: None) -> DemoResult:
    started = time.monotonic()
    url = database.ensure_database(config.root, echo)
    database.init_database(config, url)

    echo(f"seeding {files} synthetic videos into schema {config.env().schema}")
    seeded = seeding.seed_environment(config, files=files, scale=scale, url=url,
                                      show_progress=False)

    for index in range(files):
        uuid_ = seeding.file_uuid(index)
        entry = config.file_entry(uuid_)
        config = pipeline.add_file(config, uuid_, entry.version if entry else DEMO_VERSION).config
    pipeline.sync_pipelines(config)

    before = {e.uuid: _created_at(config, e.uuid, e.version) for e in config.files}
    echo("dvc repro -P")
    run_dvc(config.root, "repro", "-P", on_line=_stage_progress(echo))
    result = DemoResult(database=pg.redact(url), seeded=seeded.created)
    for entry in config.files:
        package = config.package_dir(entry.uuid, entry.version)
        metadata = manifest.read_metadata(package)
        size = sum(p.stat().st_size for p in package.rglob("*") if p.is_file())
        result.packages.append(DemoPackage(
            entry.uuid, entry.version,
            exported=before[entry.uuid] != metadata["created_at"],
            rows={n: t["rows"] for n, t in metadata["tables"].items()},
            points={n: c["points"] for n, c in metadata["collections"].items()},
            bytes=size))
    if push:
        echo("dvc push")
        pushed = run_dvc(config.root, "push")
        result.pushed = (pushed.stdout.strip().splitlines() or [""])[-1]
        first = config.files[0]
        echo(f"target host: fresh clone, dvc pull {first.uuid}/{first.version}, import into prod")
        host = target_host.pull_and_import(config, first.uuid, first.version, url)
        result.imported = host.imported.as_json()
        result.imported["clone"] = str(host.clone.relative_to(config.root))
        result.branch = _branch_summary(config, host)
    echo("schema: momrel schema diff v1 v2 in the demo schema repository")
    schema_demo = schema_history.run_schema_demo(config)
    migration = schema_demo.migration
    result.schema_migration = {
        "repository": str(schema_demo.repo.relative_to(config.root)),
        "statements": len(migration.statements),
        "hazardous": len(migration.hazardous),
        "summary": hazard_summary(migration.statements),
        "verified": migration.verified,
        "seconds": round(migration.seconds, 2),
        "sql": str(schema_demo.sql_path.relative_to(config.root)),
        "markdown": str(schema_demo.markdown_path.relative_to(config.root)),
    }
    system = system_release.run_system_demo(config, url, echo)
    result.system = system.as_json()
    if push:
        targets = [p["path"] + ".dvc" for p in system.packages]
        echo(f"dvc push {' '.join(targets)}")
        pushed = run_dvc(config.root, "push", *targets)
        result.system["pushed"] = (pushed.stdout.strip().splitlines() or [""])[-1]
    result.seconds = time.monotonic() - started
    return result


def _branch_summary(config: Config, host: target_host.TargetHost) -> dict:
    """Where the demo's lock files are committed, how to clone and pull them, and how to
    commit them on one's own branch instead (the README's packaging workflow)."""
    paths = target_host.committed_paths(config)
    return {
        "name": target_host.DEMO_BRANCH,
        "commit": host.commit,
        "clone": f"git clone -b {target_host.DEMO_BRANCH} {shlex.quote(str(config.root))} CLONE && "
                 f"cd CLONE && dvc remote modify --local {host.remote} url "
                 f"{shlex.quote(host.remote_url)} && "
                 f"dvc pull {host.package}",
        "commit_yourself": f"git add {paths[0]} {' '.join(p + '/' for p in paths[1:])} "
                           f"&& git commit -m \"momrel demo packages\"",
    }


STAGE_RUNNING = re.compile(r"^Running stage '(.+)':$")
STAGE_SKIPPED = re.compile(r"^Stage '(.+)' didn't change, skipping$")


def _stage_progress(echo):
    """A line per DVC stage (run or skipped) out of `dvc repro`'s output; the rest is dropped
    (the stage commands' own output, DVC's hints on what to `git add`)."""
    def on_line(line: str) -> None:
        if match := STAGE_RUNNING.match(line):
            echo(f"dvc repro -P: running {match.group(1)}")
        elif match := STAGE_SKIPPED.match(line):
            echo(f"dvc repro -P: unchanged {match.group(1)}")
    return on_line


def _created_at(config: Config, file_uuid: str, version: str) -> str | None:
    """The package's created_at before the run: it changes only when export rewrote it."""
    try:
        return manifest.read_metadata(config.package_dir(file_uuid, version))["created_at"]
    except MomrelError:
        return None
