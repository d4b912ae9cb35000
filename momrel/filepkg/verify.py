"""Check a package folder: safe paths, complete, checksums, counts, readable parts.

Stops at the first problem and names it (MomrelError). Works from the package alone
(metadata.json says what must be there), so a target host needs no params.yaml to verify.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from momrel.errors import MomrelError
from momrel.filepkg import layout, manifest, snapshot


@dataclass
class VerifyReport:
    package: Path
    file_uuid: str
    version: str
    files: int = 0
    bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"package": str(self.package), "file_uuid": self.file_uuid, "version": self.version,
                "ok": True, "files": self.files, "bytes": self.bytes, "rows": self.rows,
                "points": self.points}


def safe_relative(path: str, label: str) -> PurePosixPath:
    """A package-relative path that cannot escape the package folder."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or "\\" in path or any(p in ("..", "") for p in path.split("/")):
        raise MomrelError(f"{label}: path {path!r} escapes the package folder")
    return pure


def verify_package(package: Path) -> VerifyReport:
    package = Path(package)
    if package.is_symlink():
        raise MomrelError(f"{package}: is a symlink, not a package folder")
    if not package.is_dir():
        raise MomrelError(f"{package}: no such package folder")
    on_disk = _files_on_disk(package)
    if layout.CHECKSUMS not in on_disk:
        raise MomrelError(f"{package}: {layout.CHECKSUMS} is missing")
    sums_label = f"{package / layout.CHECKSUMS}"
    checksums = manifest.parse_checksums(
        (package / layout.CHECKSUMS).read_text(encoding="utf-8", errors="replace"), sums_label)
    for listed in checksums:
        safe_relative(listed, sums_label)

    metadata = manifest.read_metadata(package)
    report = VerifyReport(package, str(metadata.get("file_uuid")), str(metadata.get("version")))
    required = _required_paths(metadata, package)
    for path in required:
        if path not in on_disk:
            raise MomrelError(f"{package}: {path} is missing")
        if path not in checksums:
            raise MomrelError(f"{package}: {path} is not listed in {layout.CHECKSUMS}")
    for path in sorted(on_disk - {layout.CHECKSUMS}):
        if path not in checksums:
            raise MomrelError(f"{package}: {path} is not listed in {layout.CHECKSUMS}")
    for path in sorted(checksums):
        if path not in on_disk:
            raise MomrelError(f"{package}: {path} is listed in {layout.CHECKSUMS} but missing")
        if manifest.sha256_file(package / path) != checksums[path]:
            raise MomrelError(f"{package}: checksum mismatch for {path}")
        report.files += 1
        report.bytes += (package / path).stat().st_size

    for name, table in metadata["tables"].items():
        report.rows[name] = _check_csv(package, name, table)
    for name, collection in metadata["collections"].items():
        report.points[name] = _check_snapshot(package, name, collection, report.file_uuid)
    for name, path in metadata["processors"].items():
        _check_json(package / path, f"{package}: processor {name}")
    # Last: the parts are each sound, so a mismatch here means they are not the ones exported
    # together (e.g. a file swapped and SHA256SUMS regenerated).
    recomputed = manifest.content_sha256(manifest.data_checksums(checksums),
                                         metadata.get("registration"))
    if recomputed != metadata.get("content_sha256"):
        raise MomrelError(f"{package}: content_sha256 in metadata.json does not match the package's files")
    return report


def _files_on_disk(package: Path) -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(package):
        for entry in dirs + files:
            full = Path(folder) / entry
            if full.is_symlink():
                raise MomrelError(f"{package}: {full.relative_to(package)} is a symlink "
                                  "(packages hold only regular files)")
        for entry in files:
            found.add((Path(folder) / entry).relative_to(package).as_posix())
    return found


def _required_paths(metadata: dict, package: Path) -> list[str]:
    label = f"{package / layout.METADATA}"
    try:
        paths = [layout.METADATA, layout.RELEASE_INFO, layout.DATAPACKAGE]
        paths += [t["path"] for t in metadata["tables"].values()]
        paths += [c["path"] for c in metadata["collections"].values()]
        paths += list(metadata["processors"].values())
    except (KeyError, TypeError, AttributeError) as exc:
        raise MomrelError(f"{label}: malformed ({exc})") from None
    for path in paths:
        if not isinstance(path, str):
            raise MomrelError(f"{label}: malformed path {path!r}")
        safe_relative(path, label)
    return paths


# PostgreSQL writes fields of any size (jsonb, text); Python's csv refuses over 128 KiB by default.
csv.field_size_limit(2**31 - 1)


def _check_csv(package: Path, name: str, table: dict) -> int:
    path = package / table["path"]
    expected_header = [c["name"] for c in table.get("columns", [])]
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise MomrelError(f"{package}: {table['path']} is empty (no header)")
            if expected_header and header != expected_header:
                raise MomrelError(f"{package}: {table['path']} columns {header} differ from "
                                  f"metadata.json {expected_header}")
            rows = 0
            for row in reader:
                rows += 1
                if len(row) != len(header):
                    raise MomrelError(f"{package}: {table['path']} row {rows} has {len(row)} "
                                      f"fields, expected {len(header)}")
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MomrelError(f"{package}: {table['path']} is not valid CSV ({exc})") from None
    if rows != table.get("rows"):
        raise MomrelError(f"{package}: {table['path']} has {rows} rows, metadata.json says {table.get('rows')}")
    return rows


def _check_snapshot(package: Path, name: str, collection: dict, file_uuid: str) -> int:
    label = f"{package}: {collection['path']}"
    with (package / collection["path"]).open("rb", buffering=1 << 20) as f:
        reader = snapshot.SnapshotReader(f, label)
        header = reader.header
        vectors = [{"name": v.name, "size": v.size, "distance": v.distance} for v in header.vectors]
        if vectors != collection.get("vectors"):
            raise MomrelError(f"{label}: vector configuration differs from metadata.json")
        if header.file_uuid != file_uuid:
            raise MomrelError(f"{label}: belongs to file {header.file_uuid}, not {file_uuid}")
        count = sum(1 for _ in reader.points())
    if count != collection.get("points"):
        raise MomrelError(f"{label}: has {count} points, metadata.json says {collection.get('points')}")
    return count


def _check_json(path: Path, label: str) -> None:
    try:
        with path.open("rb") as f:
            json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MomrelError(f"{label}: {path.name} is not valid JSON ({exc})") from None
