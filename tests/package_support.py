"""Helpers shared by the import tests: the prod target's state, packages exported from the demo
seed (copied per test, free to damage), re-sealing a tampered package so that verify passes and
the importer's own checks are the ones under test, and the expectations on a refused import.

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

from conftest import ContentRepo, one_line_error
from momrel import vectors
from momrel.demo import seed
from momrel.filepkg import layout, manifest

U = seed.file_uuid(0)
VERSION = "1.0.0"
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


def pg_rows(repo) -> dict[str, list[tuple]]:
    """Every row of every target table, ordered by the first column (the key)."""
    return {table: repo.sql(sql.SQL("SELECT * FROM {} ORDER BY 1").format(
        sql.Identifier(SCHEMA, table))) for table in TABLES}


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


qdrant = ContentRepo.qdrant  # qdrant(repo): the repo's local storage, closed after use


def qdrant_points(repo, file_uuid: str = U) -> dict[str, int | None]:
    """Points of the file per prod collection; None where the collection does not exist."""
    counts = {}
    with qdrant(repo) as client:
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


def target_state(repo) -> dict:
    return {"rows": pg_rows(repo), "points": qdrant_points(repo), "json": processor_files(repo)}


def status_of(repo, file_uuid: str = U):
    rows = repo.sql("SELECT status FROM public.files WHERE file_uuid = %s", (file_uuid,))
    return rows[0][0] if rows else None


# ---------------------------------------------------------------- packages
def fix_checksum(pkg: Path, relative: str) -> None:
    """Record the current hash of `relative` in SHA256SUMS, as a careless re-packer would
    (the same method as tests/test_verify.py)."""
    sums_path = pkg / layout.CHECKSUMS
    sums = manifest.parse_checksums(sums_path.read_text(encoding="utf-8"), str(sums_path))
    assert relative in sums
    sums[relative] = manifest.sha256_file(pkg / relative)
    sums_path.write_bytes(manifest.render_checksums(sums))


def metadata_of(pkg: Path) -> dict:
    return json.loads((pkg / layout.METADATA).read_text(encoding="utf-8"))


def reseal(pkg: Path, change_metadata=None) -> None:
    """Re-pack carefully: every checksum and metadata.json's content_sha256 recomputed, so that
    `verify` passes and the check under test (the importer's) is the one that fires.

    Fixing one file's checksum is not enough for that: content_sha256 covers the data files'
    checksums, and verify compares it last.
    """
    sums_path = pkg / layout.CHECKSUMS
    sums = manifest.parse_checksums(sums_path.read_text(encoding="utf-8"), str(sums_path))
    sums = {relative: manifest.sha256_file(pkg / relative) for relative in sums}
    metadata = metadata_of(pkg)
    if change_metadata:
        change_metadata(metadata)
    metadata["content_sha256"] = manifest.content_sha256(manifest.data_checksums(sums),
                                                         metadata.get("registration"))
    (pkg / layout.METADATA).write_bytes(manifest.render_metadata(metadata))
    sums[layout.METADATA] = manifest.sha256_file(pkg / layout.METADATA)
    sums_path.write_bytes(manifest.render_checksums(sums))


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
    with qdrant(repo) as client:
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


def expect_rejected(repo, pkg: Path, *fragments: str, extra: tuple[str, ...] = (),
                    exit_code: int = 1) -> str:
    """The import fails with one error line naming every fragment, and changes nothing."""
    before = target_state(repo)
    result = repo.momrel(*import_args(pkg, *extra))
    line = one_line_error(result)
    assert result.returncode == exit_code, (result.returncode, line)
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert target_state(repo) == before
    return line


def expect_nothing_imported(repo) -> None:
    assert all(rows == [] for rows in pg_rows(repo).values())
    assert processor_files(repo) == {}  # temporary names (.{uuid}.{name}.json.xxx) included
    with qdrant(repo) as client:  # not even created
        assert not any(client.collection_exists(name) for name in PROD_COLLECTIONS.values())




# ---------------------------------------------------------------- whole-target state
def all_points(repo) -> dict[str, dict | None]:
    """Every point of every prod collection (any file): id -> (payload, vectors as bytes);
    None where the collection does not exist."""
    found = {}
    with qdrant(repo) as client:
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


def expect_refused(repo, pkg: Path, *fragments: str, extra: tuple[str, ...] = ()) -> str:
    """The import fails with one error line naming every fragment (exit 1) and the whole target,
    other files included, is exactly as it was."""
    before = full_state(repo)
    result = repo.momrel(*import_args(pkg, *extra))
    line = one_line_error(result)
    assert result.returncode == 1, (result.returncode, line)
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert full_state(repo) == before
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
