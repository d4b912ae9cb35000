"""Check a package folder: only regular files, safe paths, complete, checksums, every part sound.

Works from the package alone (metadata.json says what must be there), so a target host needs
no params.yaml to verify. Stops at the first problem and names it in one line (MomrelError).

Each file is read once: the bytes a check parses are the bytes hashed and compared with
SHA256SUMS, and, with `copy_to`, the bytes copied into a private folder. The importer loads
that copy, so what it loads is exactly what was verified (docs/import.md).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from momrel.bundle import sha256sums, strictjson
from momrel.bundle.members import MemberReader, PackageFolder
from momrel.errors import MomrelError
from momrel.filepkg import csvdialect, layout, manifest, metadata, snapshot
from momrel.filepkg.metadata import CollectionMeta, PackageMetadata, TableMeta

__all__ = ["VerifyReport", "verify_package"]


@dataclass
class VerifyReport:
    package: Path
    file_uuid: str
    version: str
    files: int = 0
    bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)
    metadata: PackageMetadata | None = None

    def as_json(self) -> dict:
        return {"package": str(self.package), "file_uuid": self.file_uuid, "version": self.version,
                "ok": True, "files": self.files, "bytes": self.bytes, "rows": self.rows,
                "points": self.points}


def verify_package(package: Path, copy_to: Path | None = None) -> VerifyReport:
    """Verify `package`; with `copy_to` (an empty private folder), copy every file there as it
    is read, so that the copy holds exactly the verified bytes."""
    package = Path(package)
    try:
        with PackageFolder(package) as folder:
            return _verify(folder, package, copy_to)
    except OSError as exc:
        # Reading the package went through PackageFolder (one-line errors); what is left is
        # writing the private copy.
        raise MomrelError(f"cannot copy {package} to {copy_to}: {exc.strerror or exc}") from None


def _verify(folder: PackageFolder, package: Path, copy_to: Path | None) -> VerifyReport:
    on_disk = folder.files()
    if copy_to is not None:
        copy_to.mkdir(mode=0o700)
        free = shutil.disk_usage(copy_to).free
        if free < sum(on_disk.values()):
            raise MomrelError(f"{copy_to}: {free:,} bytes free, a private copy of {package} "
                              f"needs {sum(on_disk.values()):,}")
    if layout.CHECKSUMS not in on_disk:
        raise MomrelError(f"{package}: {layout.CHECKSUMS} is missing")
    sums_label = f"{package / layout.CHECKSUMS}"
    with folder.open(layout.CHECKSUMS, copy_to) as reader:
        data = strictjson.read_bounded(reader.read, sha256sums.MAX_BYTES, sums_label)
        reader.finish()
    checksums = sha256sums.decode(data, sums_label)  # paths checked: none leaves the folder

    meta_label = f"{package / layout.METADATA}"
    if layout.METADATA not in on_disk:
        raise MomrelError(f"{meta_label}: missing")
    with folder.open(layout.METADATA, copy_to) as reader:
        document = manifest.parse_metadata_bytes(
            strictjson.read_bounded(reader.read, layout.MAX_METADATA_BYTES, meta_label), meta_label)
        metadata_sha256 = reader.finish()
    meta = metadata.parse(document, meta_label)
    report = VerifyReport(package, meta.file_uuid, meta.version, metadata=meta)

    required = meta.paths()
    for path in required:
        if path not in on_disk:
            raise MomrelError(f"{package}: {path} is missing")
        if path not in checksums:
            raise MomrelError(f"{package}: {path} is not listed in {layout.CHECKSUMS}")
    for path in sorted(set(on_disk) - {layout.CHECKSUMS}):
        if path not in checksums:
            raise MomrelError(f"{package}: {path} is not listed in {layout.CHECKSUMS}")
    for path in sorted(checksums):
        if path not in on_disk:
            raise MomrelError(f"{package}: {path} is listed in {layout.CHECKSUMS} but missing")
        if path not in required:
            raise MomrelError(f"{package}: {path} is listed in {layout.CHECKSUMS} but is not a "
                              "part of the package (metadata.json does not name it)")
    if metadata_sha256 != checksums[layout.METADATA]:
        raise MomrelError(f"{package}: checksum mismatch for {layout.METADATA}")

    checks = _checks(meta, report, package)
    for path in sorted(checksums):
        if path == layout.METADATA:
            continue
        with folder.open(path, copy_to) as reader:
            _check_member(reader, checks.get(path), checksums[path], package)
            report.bytes += reader.size
    report.bytes += on_disk[layout.METADATA]
    report.files = len(checksums)

    # Last: the parts are each sound, so a mismatch here means they are not the ones exported
    # together (e.g. a file swapped and SHA256SUMS regenerated).
    recomputed = manifest.content_sha256(manifest.data_checksums(checksums), meta.registration)
    if recomputed != meta.content_sha256:
        raise MomrelError(f"{package}: content_sha256 in metadata.json does not match the package's files")
    return report


def _check_member(reader: MemberReader, check, expected_sha256: str, package: Path) -> None:
    """Run the part's check on the stream, then compare the hash of every byte read.

    A checksum mismatch is reported in preference to what the check found: it is the more
    basic fact (the file is not the one the package lists)."""
    problem = None
    try:
        if check is not None:
            check(reader)
    except MomrelError as exc:
        problem = exc
    if reader.finish() != expected_sha256:
        raise MomrelError(f"{package}: checksum mismatch for {reader.relative}")
    if problem is not None:
        raise problem


def _checks(meta: PackageMetadata, report: VerifyReport, package: Path) -> dict:
    """Package path -> the check that parses it (each consumes a MemberReader)."""
    checks = {layout.DATAPACKAGE: _json_check(f"{package}: {layout.DATAPACKAGE}",
                                              layout.MAX_METADATA_BYTES)}
    for name, table in meta.tables.items():
        checks[table.path] = _table_check(table, report, package)
    for name, collection in meta.collections.items():
        checks[collection.path] = _snapshot_check(collection, meta.file_uuid, report, package)
    for name, path in meta.processors.items():
        checks[path] = _json_check(f"{package}: processor {name} ({path})",
                                   layout.MAX_PROCESSOR_JSON_BYTES)
    return checks


def _table_check(table: TableMeta, report: VerifyReport, package: Path):
    def check(reader: MemberReader) -> None:
        rows = csvdialect.check_csv(reader.readline, f"{package}: {table.path}",
                                    list(table.column_names))
        if rows != table.rows:
            raise MomrelError(f"{package}: {table.path} has {rows} rows, metadata.json says {table.rows}")
        report.rows[table.name] = rows
    return check


def _snapshot_check(collection: CollectionMeta, file_uuid: str, report: VerifyReport, package: Path):
    def check(reader: MemberReader) -> None:
        label = f"{package}: {collection.path}"
        points = snapshot.SnapshotReader(reader, label)
        header = points.header
        if header.vectors != collection.vectors:
            raise MomrelError(f"{label}: vector configuration differs from metadata.json")
        if header.file_uuid != file_uuid:
            raise MomrelError(f"{label}: belongs to file {header.file_uuid}, not {file_uuid}")
        if header.collection != collection.name or header.file_uuid_key != collection.file_uuid_key \
                or header.source_collection != collection.source_collection:
            raise MomrelError(f"{label}: header (collection, file_uuid_key, source_collection) "
                              "differs from metadata.json")
        ids = snapshot.PointIds()
        count = 0
        for point in points.points():
            snapshot.check_point(point, header, label)
            ids.add(point.id)
            count += 1
        duplicate = ids.first_duplicate()
        if duplicate is not None:
            raise MomrelError(f"{label}: point id {duplicate} occurs twice")
        if count != collection.points:
            raise MomrelError(f"{label}: has {count} points, metadata.json says {collection.points}")
        report.points[collection.name] = count
    return check


def _json_check(label: str, limit: int):
    return lambda reader: strictjson.check_document(reader.read, label, limit)

