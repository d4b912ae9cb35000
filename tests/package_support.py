"""Helpers shared by the package tests (export, verify, import): the prod target's state,
packages exported from the demo seed (copied per test, free to damage), re-sealing a tampered
package so that verify passes and the importer's own checks are the ones under test, and the
expectations on a refused verify or import.

Qdrant local mode locks its folder to one client, so the helpers open it only between momrel
runs and close it before the next one.
"""

from __future__ import annotations

import csv
import io
import json
import uuid as uuidlib
from pathlib import Path

import numpy as np
from psycopg import sql

from momrel import vectors
from momrel.demo import seed
from momrel.bundle import sha256sums
from momrel.filepkg import layout, manifest
from support import FILES, VERSION, assert_mentions, one_line_error

U = FILES[0]
SCHEMA = "public"
TABLES = ("files", "identities", "face_detections", "tkg_nodes", "tkg_edges")
FILE_TABLES = ("face_detections", "tkg_nodes", "tkg_edges")
SEQUENCED = ("identities", "face_detections", "tkg_nodes", "tkg_edges")
# Foreign keys between the packaged tables (sql/momentry.sql): column -> referenced table.
REFERENCES = {"face_detections": {"identity_id": "identities"},
              "tkg_edges": {"src_node_id": "tkg_nodes", "dst_node_id": "tkg_nodes"}}
PROD_COLLECTIONS = {"frames": "momentry_v1", "sentence_story": "sentence_story"}
PROCESSORS = ("asr", "asrx", "asr-1", "yolo", "face", "pose", "ocr", "cut", "scene")

# vectors.UPSERT_BATCH points per upsert, and the importer's "during-points" checkpoint follows
# each batch. The demo video has 200 frame points at scale 1, one batch, so a kill there would
# land after all of them: the kill tests add EXTRA_FRAME_POINTS points to video 0 before
# exporting it, so that its frames snapshot holds one full batch and a partial one.
EXTRA_FRAME_POINTS = 100

# ---------------------------------------------------------------- target state
def table_columns(repo, table: str) -> list[str]:
    return [r[0] for r in repo.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = %s ORDER BY ordinal_position", (SCHEMA, table))]


def pg_rows(repo, schema: str = SCHEMA) -> dict[str, list[tuple]]:
    """Every row of every target table, ordered by the first column (the key)."""
    return {table: repo.sql(sql.SQL("SELECT * FROM {} ORDER BY 1").format(
        sql.Identifier(schema, table))) for table in TABLES}


def sequences_used(repo) -> dict[str, int]:
    """How many values each id sequence has handed out.

    Kept apart from the rows on purpose: sequences are not transactional in PostgreSQL, so a
    rolled-back (or killed) import legitimately advances them although it changed no row.
    """
    used = {}
    for table in SEQUENCED:
        last_value, is_called = repo.sql(sql.SQL("SELECT last_value, is_called FROM {}").format(
            sql.Identifier(SCHEMA, f"{table}_id_seq")))[0]
        used[table] = last_value if is_called else last_value - 1
    return used


def qdrant_points(repo, file_uuid: str = U) -> dict[str, int | None]:
    """Points of the file per prod collection; None where the collection does not exist."""
    counts = {}
    with repo.qdrant() as client:
        for logical, name in PROD_COLLECTIONS.items():
            counts[logical] = (vectors.count_file_points(client, name, "file_uuid", file_uuid)
                               if client.collection_exists(name) else None)
    return counts


def output_dir(repo) -> Path:
    return repo.config().env("prod").output_dir


def processor_files(repo, file_uuid: str = U) -> dict[str, bytes]:
    """The file's processor JSON in the prod output dir, temporary files (.name.xxx) included."""
    folder = output_dir(repo)
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if file_uuid in p.name}


def status_of(repo, file_uuid: str = U):
    rows = repo.sql("SELECT status FROM public.files WHERE file_uuid = %s", (file_uuid,))
    return rows[0][0] if rows else None


# ---------------------------------------------------------------- packages
def change_middle_byte(path: Path) -> None:
    """One byte in the middle of the file becomes another digit (the file stays as long)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = ord("7") if data[middle] != ord("7") else ord("8")
    path.write_bytes(bytes(data))


def checksums_of(pkg: Path) -> dict[str, str]:
    """SHA256SUMS as listed: relative path -> hash."""
    sums_path = pkg / layout.CHECKSUMS
    return sha256sums.parse(sums_path.read_text(encoding="utf-8"), str(sums_path))


def write_checksums(pkg: Path, sums: dict[str, str]) -> None:
    (pkg / layout.CHECKSUMS).write_bytes(sha256sums.render(sums))


def fix_checksum(pkg: Path, relative: str) -> None:
    """Record the current hash of `relative` in SHA256SUMS, as a careless re-packer would."""
    sums = checksums_of(pkg)
    assert relative in sums
    sums[relative] = sha256sums.sha256_file(pkg / relative)
    write_checksums(pkg, sums)


def hashes_now(pkg: Path) -> dict[str, str]:
    """The current hash of every file SHA256SUMS lists."""
    return {relative: sha256sums.sha256_file(pkg / relative) for relative in checksums_of(pkg)}


def reseal_checksums(pkg: Path) -> None:
    """Every listed file's hash recomputed, metadata.json left as it is."""
    write_checksums(pkg, hashes_now(pkg))


def metadata_of(pkg: Path) -> dict:
    return json.loads((pkg / layout.METADATA).read_text(encoding="utf-8"))


def rewrite_metadata(pkg: Path, change) -> None:
    """Change metadata.json and fix its checksum only (content_sha256 is left as it was)."""
    metadata = metadata_of(pkg)
    change(metadata)
    (pkg / layout.METADATA).write_bytes(manifest.render_metadata(metadata))
    fix_checksum(pkg, layout.METADATA)


def reseal(pkg: Path, change_metadata=None) -> None:
    """Re-pack carefully: every checksum and metadata.json's content_sha256 recomputed, so that
    `verify` passes and the check under test (the importer's) is the one that fires.

    Fixing one file's checksum is not enough for that: content_sha256 covers the data files'
    checksums, and verify compares it last.
    """
    sums = hashes_now(pkg)
    metadata = metadata_of(pkg)
    if change_metadata:
        change_metadata(metadata)
    metadata["content_sha256"] = manifest.content_sha256(manifest.data_checksums(sums),
                                                         metadata.get("registration"))
    (pkg / layout.METADATA).write_bytes(manifest.render_metadata(metadata))
    sums[layout.METADATA] = sha256sums.sha256_file(pkg / layout.METADATA)
    write_checksums(pkg, sums)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    # Python writes an empty field unquoted, as PostgreSQL writes NULL; the demo data has no
    # empty strings (asserted where it matters), so nothing changes meaning.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def add_frame_points(repo, count: int) -> None:
    """More frame points for video 0 in dev, so its snapshot spans more than one upsert batch."""
    from qdrant_client import models

    rng = np.random.default_rng(7)
    collection = repo.config().env("dev").collections["frames"]
    points = [models.PointStruct(
        id=str(uuidlib.uuid5(uuidlib.UUID(U), f"extra-frame-{k}")),
        vector=rng.standard_normal(512).astype("float32").tolist(),
        payload={"file_uuid": U, "frame": 100000 + k, "extra": True}) for k in range(count)]
    with repo.qdrant() as client:
        client.upsert(collection, points=points, wait=True)


def import_args(pkg: Path, *extra: str) -> tuple[str, ...]:
    return ("file", "import", "--package", str(pkg), "--env", "prod", *extra)


def assert_complete_import(repo, pkg: Path) -> None:
    """Qdrant and processor JSON hold exactly the package's content for the file."""
    metadata = metadata_of(pkg)
    assert qdrant_points(repo) == {logical: c["points"] for logical, c in metadata["collections"].items()}
    assert processor_files(repo) == {
        f"{U}.{name}.json": (pkg / relative).read_bytes() for name, relative in metadata["processors"].items()}
    assert status_of(repo) == "registered_processed"


def expect_nothing_imported(repo) -> None:
    assert all(rows == [] for rows in pg_rows(repo).values())
    assert processor_files(repo) == {}  # temporary names (.{uuid}.{name}.json.xxx) included
    with repo.qdrant() as client:  # not even created
        assert not any(client.collection_exists(name) for name in PROD_COLLECTIONS.values())



# ---------------------------------------------------------------- whole-target state
def all_points(repo) -> dict[str, dict | None]:
    """Every point of every prod collection (any file): id -> (payload, vectors as bytes);
    None where the collection does not exist."""
    found = {}
    with repo.qdrant() as client:
        for name in PROD_COLLECTIONS.values():
            if not client.collection_exists(name):
                found[name] = None
                continue
            points, _ = client.scroll(name, limit=10**6, with_payload=True, with_vectors=True)
            found[name] = {p.id: (json.dumps(p.payload, sort_keys=True),
                                  np.asarray(p.vector, dtype="<f4").tobytes()) for p in points}
    return found


def output_files(repo) -> dict[str, bytes] | None:
    """Every file in the prod output dir (temporary names included); None if it does not exist."""
    folder = output_dir(repo)
    if not folder.is_dir():
        return None
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def full_state(repo) -> dict:
    """The whole prod target: every row, every point, every output file."""
    return {"rows": pg_rows(repo), "points": all_points(repo), "files": output_files(repo)}


def expect_refused(repo, pkg: Path, *fragments: str, extra: tuple[str, ...] = (),
                   exit_code: int = 1) -> str:
    """The import fails with one error line naming every fragment (a refused package: exit 1)
    and the whole target, other files included, is exactly as it was."""
    before = full_state(repo)
    line = one_line_error(repo.momrel(*import_args(pkg, *extra)), exit_code)
    assert_mentions(line, *fragments)
    assert full_state(repo) == before
    return line


def verify_refuses(repo, pkg: Path, *fragments: str) -> str:
    """`momrel file verify` refuses the package in one line (exit 1) naming every fragment."""
    line = one_line_error(repo.momrel("file", "verify", str(pkg)), 1)
    assert_mentions(line, *fragments)
    return line


# ---------------------------------------------------------------- tampering
def export_video(repo, folder: Path, index: int) -> Path:
    out = folder / f"video{index}"
    repo.ok("file", "export", "--uuid", seed.file_uuid(index), "--version", VERSION, "--out", str(out))
    return out


def drop_column(pkg: Path, table: str, column: str) -> None:
    """Remove a column from a table's CSV and from metadata.json (its keys too), re-sealed."""
    path = pkg / f"{table}.csv"
    rows = read_csv(path)
    index = rows[0].index(column)
    write_csv(path, [row[:index] + row[index + 1:] for row in rows])

    def change(metadata):
        entry = metadata["tables"][table]
        entry["columns"] = [c for c in entry["columns"] if c["name"] != column]
        entry["primary_key"] = [c for c in entry["primary_key"] if c != column]
        entry["order_by"] = [c for c in entry["order_by"] if c != column] or [entry["columns"][0]["name"]]
    reseal(pkg, change)


def snapshot_points(pkg: Path, logical: str):
    from momrel.filepkg.snapshot import SnapshotReader

    path = pkg / layout.snapshot_path(logical)
    with path.open("rb") as f:
        reader = SnapshotReader(f, str(path))
        return reader.header, list(reader.points())


def rewrite_snapshot(pkg: Path, logical: str, change_points=None, change_header=None) -> None:
    """Rewrite a snapshot through momrel's own writer (the format stays valid), then re-seal."""
    import dataclasses

    from momrel.filepkg import snapshot

    header, points = snapshot_points(pkg, logical)
    if change_points:
        points = change_points(points)
    header = dataclasses.replace(header, point_count=len(points))
    if change_header:
        header = change_header(header)
    with (pkg / layout.snapshot_path(logical)).open("wb") as out:
        snapshot.write(out, header, points)  # checks vector sizes, not values or payloads
    reseal(pkg)
