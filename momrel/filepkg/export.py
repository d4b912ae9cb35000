"""Write a file content package: release/files/{file_uuid}/{version}/.

The package is built in a hidden sibling folder and renamed into place at the end
(momrel.bundle.publish), so a failure (bad input, database error, Ctrl-C) never leaves a
partial package. A published version is immutable: exporting different content under an
existing version fails unless forced; exporting identical content leaves the existing package
untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from momrel import __version__
from momrel.bundle.publish import StagedFolder, refuse_non_folder
from momrel.config import Config, check_version, normalize_uuid
from momrel.errors import MomrelError
from momrel.filepkg import content, layout, manifest
from momrel.progress import progress_bars


@dataclass
class ExportResult:
    file_uuid: str
    version: str
    package: Path
    status: str                       # created | unchanged | replaced
    content_sha256: str
    rows: dict[str, int] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0

    def as_json(self) -> dict:
        return {"file_uuid": self.file_uuid, "version": self.version, "package": str(self.package),
                "status": self.status, "content_sha256": self.content_sha256, "rows": self.rows,
                "points": self.points, "bytes": self.bytes, "seconds": round(self.seconds, 3)}


def resolve_version(config: Config, file_uuid: str, version: str | None) -> str:
    if version is not None:
        return check_version(version)
    entry = config.file_entry(file_uuid)
    if entry is None:
        raise MomrelError(f"file {file_uuid} is not in params.yaml: pass --version or run "
                          f"`momrel file add {file_uuid} --version 1.0.0`")
    return entry.version


def created_at() -> str:
    """Now in UTC, or SOURCE_DATE_EPOCH when set (reproducible builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except ValueError:
            raise MomrelError(f"SOURCE_DATE_EPOCH={epoch!r} is not an integer") from None
    else:
        moment = dt.datetime.now(dt.timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def export_file(config: Config, file_uuid: str, version: str | None = None, out: Path | None = None,
                env_name: str | None = None, force: bool = False,
                show_progress: bool | None = None) -> ExportResult:
    started = time.monotonic()
    file_uuid = normalize_uuid(file_uuid)
    version = resolve_version(config, file_uuid, version)
    env = config.env(env_name)
    created = created_at()
    package = Path(out) if out is not None else config.package_dir(file_uuid, version)
    refuse_non_folder(package, "package folder")

    with content.open_source(config, env) as (conn, client), progress_bars(show_progress) as bars:
        gathered = content.gather(config, env, conn, client, file_uuid)
        with StagedFolder(package) as staging:
            produced = content.produce_all(gathered, staging.open, bars)
            status = _decide(package, produced.content_sha256, force)
            if status != "unchanged":
                metadata = _metadata(config, env, gathered, produced, version, created)
                staging.write(layout.METADATA, manifest.render_metadata(metadata))
                staging.write(layout.RELEASE_INFO, manifest.render_release_info(metadata))
                staging.write_checksums()
                staging.publish()

    size = sum(p.stat().st_size for p in package.rglob("*") if p.is_file())
    return ExportResult(file_uuid, version, package, status, produced.content_sha256,
                        produced.rows, produced.points, size, time.monotonic() - started)


def _decide(package: Path, new_sha256: str, force: bool) -> str:
    # An empty folder (made by hand for --out, or left by a tool) holds nothing to protect.
    if not package.exists() or not any(package.iterdir()):
        return "created"
    try:
        old_sha256 = manifest.read_metadata(package).get("content_sha256")
    except MomrelError:
        if not force:
            raise MomrelError(f"{package} is not empty and holds no package (no readable "
                              f"{layout.METADATA}): choose another folder or pass --force to "
                              f"replace its content") from None
        return "replaced"
    if old_sha256 == new_sha256:
        return "unchanged"
    if not force:
        raise MomrelError(
            f"{package} already holds a package with different content; a published "
            f"version is immutable: bump the version (momrel file add UUID --version NEW) "
            f"or pass --force")
    return "replaced"


def _metadata(config, env, gathered, produced, version, created) -> dict:
    tables = {}
    for name, info in gathered.tables.items():
        tables[name] = {
            "path": layout.csv_path(name),
            "rows": produced.rows[name],
            "columns": [{"name": c.name, "type": c.data_type} for c in info.columns],
            "primary_key": list(info.primary_key),
            "order_by": list(info.rule.order_by),
            "shared": info.rule.shared,
            "natural_key": list(info.rule.natural_key),
        }
    collections = {}
    for part in gathered.parts:
        if part.kind == "snapshot":
            collections[part.name] = {
                "path": part.path,
                "points": produced.points[part.name],
                "source_collection": env.collections[part.name],
                "file_uuid_key": config.collections[part.name].file_uuid_key,
                "vectors": [{"name": v.name, "size": v.size, "distance": v.distance}
                            for v in part.specs],
            }
    return {
        **layout.PACKAGE_FORMAT.stamp(),
        "file_uuid": gathered.file_uuid,
        "version": version,
        "created_at": created,
        "content_sha256": produced.content_sha256,
        "source": {"environment": env.name, "schema": env.schema,
                   "registration_table": config.registration.table,
                   "registration_key": config.registration.key},
        "registration": gathered.registration,
        "tables": tables,
        "collections": collections,
        "processors": {name: layout.processor_path(name) for name in config.processors},
        "tool": {"name": "momrel", "version": __version__},
    }
