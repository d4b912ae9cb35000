"""`momrel file list`: each configured file, its package version and whether the package is
missing, up to date or stale (the database now would export different content)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from momrel.config import Config
from momrel.errors import MomrelError
from momrel.filepkg import content, fingerprint, manifest
from momrel.progress import progress_bars


@dataclass
class PackageStatus:
    file_uuid: str
    version: str
    package: Path
    state: str            # missing | up-to-date | stale | invalid | present (not compared)
    detail: str = ""

    def as_json(self) -> dict:
        return {"file_uuid": self.file_uuid, "version": self.version, "package": str(self.package),
                "state": self.state, "detail": self.detail}


def list_packages(config: Config, check_data: bool = True) -> list[PackageStatus]:
    statuses, exported_sha256 = [], {}
    for entry in config.files:
        package = config.package_dir(entry.uuid, entry.version)
        status = PackageStatus(entry.uuid, entry.version, package, "missing")
        if package.is_dir():
            try:
                exported_sha256[entry.uuid] = manifest.read_metadata(package)["content_sha256"]
                status.state = "present"
            except (MomrelError, KeyError) as exc:
                status.state, status.detail = "invalid", str(exc)
        statuses.append(status)
    if not check_data or not statuses:
        return statuses
    env = config.env()
    with content.open_source(config, env) as (conn, client), progress_bars(False) as bars:
        for status in statuses:
            try:
                with conn.transaction():  # a savepoint: one file's error must not end the others
                    current = fingerprint.compute_from(config, env, conn, client, status.file_uuid, bars)
            except MomrelError as exc:
                status.detail = str(exc)
                if status.state == "present":
                    status.state = "stale"
                continue
            if status.state == "present":
                up_to_date = current.content_sha256 == exported_sha256[status.file_uuid]
                status.state = "up-to-date" if up_to_date else "stale"
    return statuses
