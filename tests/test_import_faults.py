"""`momrel file import` under real crashes and with bad packages.

Atomicity: the import is killed for real (SIGKILL through MOMREL_KILL_AT, momrel/faults.py) at
each of its checkpoints, on an empty target and on a target that already holds the file; the
PostgreSQL target must be as it was, and the same import run again must finish the job with
the state of a clean import. Bad packages: one error line, a non-zero exit, target unchanged
(PostgreSQL rows, processor JSON, Qdrant points).

Everything is real: the session's PostgreSQL server, Qdrant local mode under the content
repository, `python -m momrel` subprocesses. Qdrant local mode locks its folder to one client,
so the tests open it only between momrel runs and close it before the next one.

The package of demo video 0 is exported once per test module and copied for each test (it is
deterministic: every `seeded_repo` is a copy of the same seed template); exporting it in every
test would only add seconds.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import uuid as uuidlib
from pathlib import Path

import numpy as np
import pytest
from psycopg import sql

from conftest import ContentRepo, one_line_error
from momrel import vectors
from momrel.demo import seed
from momrel.filepkg import layout, manifest
from momrel.filepkg.snapshot import SnapshotHeader, SnapshotPoint, SnapshotReader, write as write_snapshot

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

# importer.py: UPSERT_BATCH points per upsert, and the "during-points" checkpoint follows a full
# batch only. The demo video has 200 frame points at scale 1, fewer than one batch, so the
# checkpoint would never fire: the kill tests add EXTRA_FRAME_POINTS points to video 0 before
# exporting it, so that its frames snapshot holds one full batch and a partial one.
EXTRA_FRAME_POINTS = 100

KILL_POINTS = ["after-copy-face_detections", "after-copy-tkg_edges", "after-tables",
               "after-insert-tkg_nodes", "during-points", "after-points", "before-commit"]
# Kills before the id maps are built: no sequence value has been drawn yet.
BEFORE_ID_MAPS = {"after-copy-face_detections", "after-copy-tkg_edges"}
# Kills before the first Qdrant write.
BEFORE_QDRANT = BEFORE_ID_MAPS | {"after-tables", "after-insert-tkg_nodes"}


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


def shift_ids(repo, rows: dict[str, list[tuple]], offsets: dict[str, int]) -> dict[str, list[tuple]]:
    """`rows` with every surrogate id (and every foreign key to one) moved by the table's offset."""
    shifted = {}
    for table, table_rows in rows.items():
        columns = table_columns(repo, table)
        moves = {}
        if table in offsets:
            moves[columns.index("id")] = offsets[table]
        for column, parent in REFERENCES.get(table, {}).items():
            moves[columns.index(column)] = offsets[parent]
        shifted[table] = [tuple(value + moves[i] if i in moves and value is not None else value
                                for i, value in enumerate(row)) for row in table_rows]
    return shifted


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
                                                         metadata["registration"])
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


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Module cache of exported packages: kind -> folder."""
    return {"folder": tmp_path_factory.mktemp("exported")}


def _package(seeded_repo, tmp_path, exported, kind: str) -> Path:
    if kind not in exported:
        if kind == "big":
            add_frame_points(seeded_repo, EXTRA_FRAME_POINTS)
        out = exported["folder"] / kind
        seeded_repo.ok("file", "export", "--uuid", U, "--version", VERSION, "--out", str(out))
        exported[kind] = out
    copy = tmp_path / "pkg"
    shutil.copytree(exported[kind], copy, symlinks=True)
    return copy


@pytest.fixture
def package(seeded_repo, tmp_path, exported) -> Path:
    """A fresh copy of the exported package of demo video 0 (free to damage)."""
    return _package(seeded_repo, tmp_path, exported, "plain")


@pytest.fixture
def big_package(seeded_repo, tmp_path, exported) -> Path:
    """Demo video 0 with EXTRA_FRAME_POINTS more frame points (two upsert batches)."""
    pkg = _package(seeded_repo, tmp_path, exported, "big")
    assert metadata_of(pkg)["collections"]["frames"]["points"] > 256
    return pkg


def import_args(pkg: Path, *extra: str) -> tuple[str, ...]:
    return ("file", "import", "--package", str(pkg), "--env", "prod", *extra)


def assert_complete_import(repo, pkg: Path) -> None:
    """Qdrant and processor JSON hold exactly the package's content for the file."""
    metadata = metadata_of(pkg)
    assert qdrant_points(repo) == {logical: c["points"] for logical, c in metadata["collections"].items()}
    assert processor_files(repo) == {
        f"{U}.{name}.json": (pkg / relative).read_bytes() for name, relative in metadata["processors"].items()}
    assert status_of(repo) == "registered_processed"


# ---------------------------------------------------------------- 1. atomicity under SIGKILL
@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_first_import_then_rerun(seeded_repo, big_package, point):
    """(a) Empty target: a killed import leaves PostgreSQL exactly as it was; the rerun
    finishes with the rows of a clean import."""
    pkg = big_package
    metadata = metadata_of(pkg)
    total = {logical: c["points"] for logical, c in metadata["collections"].items()}
    before_rows = pg_rows(seeded_repo)
    assert all(rows == [] for rows in before_rows.values())  # db init only, nothing imported
    before_used = sequences_used(seeded_repo)

    killed = seeded_repo.momrel(*import_args(pkg), MOMREL_KILL_AT=point)
    assert killed.returncode == -9, f"not killed at {point}: {killed.returncode}\n{killed.stderr}"

    assert pg_rows(seeded_repo) == before_rows
    assert status_of(seeded_repo) is None  # never 'registered_processed' after a killed first import
    # What the rolled-back transaction leaves outside PostgreSQL, by design (importer.py
    # docstring, step 4): Qdrant points are written while the transaction is open, processor
    # JSON just before the status and the commit.
    points = qdrant_points(seeded_repo)
    if point in BEFORE_QDRANT:
        assert points == {"frames": None, "sentence_story": None}
    elif point == "during-points":
        assert 0 < points["frames"] < total["frames"] and points["sentence_story"] is None
    else:
        assert points == total
    json_files = processor_files(seeded_repo)
    if point == "before-commit":
        assert sorted(json_files) == sorted(f"{U}.{name}.json" for name in PROCESSORS)
    else:
        assert json_files == {}
    killed_used = sequences_used(seeded_repo)
    # Sequence values drawn by the killed transaction stay drawn (nextval is not rolled back).
    if point in BEFORE_ID_MAPS:
        assert killed_used == before_used
    else:
        assert all(killed_used[t] > before_used[t] for t in SEQUENCED)

    seeded_repo.ok(*import_args(pkg))
    final_rows = pg_rows(seeded_repo)
    assert_complete_import(seeded_repo, pkg)

    # Reference: a clean import into an empty target (emptied with its sequences restarted).
    seeded_repo.sql(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
        sql.SQL(", ").join(sql.Identifier(SCHEMA, t) for t in TABLES)))
    assert sequences_used(seeded_repo) == before_used
    seeded_repo.ok(*import_args(pkg))
    reference = pg_rows(seeded_repo)
    assert {t: len(r) for t, r in reference.items()} == {
        "files": 1, **{name: t["rows"] for name, t in metadata["tables"].items()}}
    # Same rows; ids differ only by the sequence values the killed run consumed.
    offsets = {t: killed_used[t] - before_used[t] for t in SEQUENCED}
    assert final_rows == shift_ids(seeded_repo, reference, offsets)
    if point in BEFORE_ID_MAPS:
        assert final_rows == reference


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_reimport_then_rerun(seeded_repo, big_package, point):
    """(b) The target already holds this file: a killed re-import leaves every row as it was
    except the status, demoted before the main transaction; the rerun restores the state of the
    first import exactly, ids included (the file's ids are reused in order)."""
    pkg = big_package
    metadata = metadata_of(pkg)
    total = {logical: c["points"] for logical, c in metadata["collections"].items()}
    seeded_repo.ok(*import_args(pkg))
    first = pg_rows(seeded_repo)
    assert_complete_import(seeded_repo, pkg)
    first_json = processor_files(seeded_repo)
    status_column = table_columns(seeded_repo, "files").index("status")

    killed = seeded_repo.momrel(*import_args(pkg), MOMREL_KILL_AT=point)
    assert killed.returncode == -9, f"not killed at {point}: {killed.returncode}\n{killed.stderr}"

    after = pg_rows(seeded_repo)
    for table in TABLES[1:]:
        assert after[table] == first[table], table
    # _demote_if_processed commits `status = DEFAULT` once the package is staged and checked,
    # before the target's rows change: a kill while staging (after-copy-*) leaves the file
    # exactly as it was, processed; any later kill leaves it 'registered' (the column's
    # default), its other columns untouched.
    [before_row], [after_row] = first["files"], after["files"]
    assert before_row[status_column] == "registered_processed"
    if point in BEFORE_ID_MAPS:
        assert after["files"] == first["files"]
    else:
        assert status_of(seeded_repo) == "registered"
    assert after_row[:status_column] + after_row[status_column + 1:] == \
        before_row[:status_column] + before_row[status_column + 1:]
    points = qdrant_points(seeded_repo)
    if point == "during-points":  # the file's points were deleted, one batch written back
        assert 0 < points["frames"] < total["frames"]
    else:
        assert points == total
    assert processor_files(seeded_repo) == first_json

    seeded_repo.ok(*import_args(pkg))
    assert pg_rows(seeded_repo) == first
    assert_complete_import(seeded_repo, pkg)


# ---------------------------------------------------------------- 2. bad packages
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


def test_checksum_mismatch(seeded_repo, package):
    path = package / "face_detections.csv"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = ord("7") if data[middle] != ord("7") else ord("8")
    path.write_bytes(bytes(data))
    expect_rejected(seeded_repo, package, "checksum mismatch for face_detections.csv")
    expect_nothing_imported(seeded_repo)


def test_missing_file(seeded_repo, package):
    (package / "tkg_nodes.csv").unlink()
    expect_rejected(seeded_repo, package, "tkg_nodes.csv is missing")
    expect_nothing_imported(seeded_repo)


def test_truncated_csv(seeded_repo, package):
    path = package / "face_detections.csv"
    path.write_bytes(path.read_bytes()[:-100])
    fix_checksum(package, "face_detections.csv")
    # Caught by verify's CSV check before the database: the last row is cut inside the quoted
    # landmarks field ("face_detections.csv: record 2001 opens a quoted field that never closes").
    line = expect_rejected(seeded_repo, package, "face_detections.csv: record ", "never closes")
    assert "checksum" not in line
    expect_nothing_imported(seeded_repo)


def test_extra_csv_column(seeded_repo, package):
    path = package / "tkg_nodes.csv"
    rows = read_csv(path)
    write_csv(path, [rows[0] + ["mood"]] + [row + ["calm"] for row in rows[1:]])
    reseal(package, lambda m: m["tables"]["tkg_nodes"]["columns"].append({"name": "mood", "type": "text"}))
    seeded_repo.ok("file", "verify", str(package))  # a sound package, from a newer schema
    expect_rejected(seeded_repo, package, "tkg_nodes.mood", "does not exist in the target")
    expect_nothing_imported(seeded_repo)


def test_missing_csv_column_imports_as_null(seeded_repo, package):
    """A package without tkg_nodes.label (an older schema) imports: the importer only requires
    the package's columns to exist in the target, and a target column the package lacks gets
    its default, here NULL (label is nullable, without a default). So this succeeds."""
    path = package / "tkg_nodes.csv"
    rows = read_csv(path)
    label = rows[0].index("label")
    write_csv(path, [row[:label] + row[label + 1:] for row in rows])
    reseal(package, lambda m: m["tables"]["tkg_nodes"].update(
        columns=[c for c in m["tables"]["tkg_nodes"]["columns"] if c["name"] != "label"]))
    seeded_repo.ok("file", "verify", str(package))

    seeded_repo.ok(*import_args(package))
    assert_complete_import(seeded_repo, package)
    imported = seeded_repo.sql("SELECT node_type, label, t_start_ms, t_end_ms, props FROM public.tkg_nodes "
                               "WHERE file_uuid = %s ORDER BY id", (U,))
    source = seeded_repo.sql("SELECT node_type, label, t_start_ms, t_end_ms, props FROM dev.tkg_nodes "
                             "WHERE file_uuid = %s ORDER BY id", (U,))
    assert len(imported) == len(source) == len(rows) - 1
    assert all(row[1] is None for row in imported)
    assert any(row[1] is not None for row in source)
    assert [row[:1] + row[2:] for row in imported] == [row[:1] + row[2:] for row in source]


def test_wrong_type_in_a_cell(seeded_repo, package):
    path = package / "face_detections.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row_id, file_uuid, frame, rest = lines[5].split(",", 3)
    assert frame.isdigit() and lines[0].split(",")[2] == "frame"
    lines[5] = ",".join([row_id, file_uuid, "abc", rest])
    path.write_text("".join(lines), encoding="utf-8")
    fix_checksum(package, "face_detections.csv")
    # With only the CSV's checksum fixed, verify catches it: content_sha256 covers the checksums.
    expect_rejected(seeded_repo, package, "content_sha256 in metadata.json does not match")
    # Re-sealed, verify passes (it checks field counts, not types): PostgreSQL's COPY refuses it.
    reseal(package)
    seeded_repo.ok("file", "verify", str(package))
    line = expect_rejected(seeded_repo, package, "face_detections.csv", "invalid input", '"abc"')
    assert "column frame" in line
    expect_nothing_imported(seeded_repo)


def test_wrong_type_over_processed_file_keeps_it_processed(seeded_repo, package, tmp_path):
    """A bad cell over a target that already holds the processed file: the import fails while
    loading, before touching Qdrant or the JSON, so the target must be left as it was."""
    seeded_repo.ok(*import_args(package))
    bad = tmp_path / "bad"
    shutil.copytree(package, bad)
    path = bad / "face_detections.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row_id, file_uuid, _frame, rest = lines[5].split(",", 3)
    lines[5] = ",".join([row_id, file_uuid, "abc", rest])
    path.write_text("".join(lines), encoding="utf-8")
    reseal(bad)

    before = target_state(seeded_repo)
    line = one_line_error(seeded_repo.momrel(*import_args(bad)))
    assert "face_detections.csv" in line and '"abc"' in line
    after = target_state(seeded_repo)
    assert {k: v for k, v in after.items() if k != "rows"} == {k: v for k, v in before.items() if k != "rows"}
    for table in TABLES[1:]:
        assert after["rows"][table] == before["rows"][table]
    assert status_of(seeded_repo) == "registered_processed"


def test_fit_check_over_processed_file_changes_nothing(seeded_repo, package, tmp_path):
    """The fit checks run before anything is written, status demotion included."""
    seeded_repo.ok(*import_args(package))
    newer = tmp_path / "newer"
    shutil.copytree(package, newer)
    path = newer / "tkg_nodes.csv"
    rows = read_csv(path)
    write_csv(path, [rows[0] + ["mood"]] + [row + ["calm"] for row in rows[1:]])
    reseal(newer, lambda m: m["tables"]["tkg_nodes"]["columns"].append({"name": "mood", "type": "text"}))
    expect_rejected(seeded_repo, newer, "tkg_nodes.mood", "does not exist in the target")
    assert status_of(seeded_repo) == "registered_processed"


def test_malformed_metadata(seeded_repo, package):
    (package / layout.METADATA).write_text('{"format": "momrel-file-package",', encoding="utf-8")
    expect_rejected(seeded_repo, package, layout.METADATA, "not valid JSON")
    expect_nothing_imported(seeded_repo)


def test_wrong_format_version(seeded_repo, package):
    metadata = metadata_of(package)
    metadata["format_version"] = 99
    (package / layout.METADATA).write_bytes(manifest.render_metadata(metadata))
    fix_checksum(package, layout.METADATA)
    expect_rejected(seeded_repo, package, "unsupported format_version 99")
    expect_nothing_imported(seeded_repo)


def test_checksum_line_escaping_the_package(seeded_repo, package):
    with (package / layout.CHECKSUMS).open("a", encoding="utf-8") as f:
        f.write(f"{'a' * 64}  ../x\n")
    expect_rejected(seeded_repo, package, "'../x' escapes the package folder")
    expect_nothing_imported(seeded_repo)


def test_absolute_table_path_in_metadata(seeded_repo, package, tmp_path):
    # A real CSV outside the package, so that only the path itself is wrong.
    outside = tmp_path / "outside" / "tkg_nodes.csv"
    outside.parent.mkdir()
    shutil.copy2(package / "tkg_nodes.csv", outside)
    metadata = metadata_of(package)
    metadata["tables"]["tkg_nodes"]["path"] = str(outside)
    (package / layout.METADATA).write_bytes(manifest.render_metadata(metadata))
    fix_checksum(package, layout.METADATA)
    expect_rejected(seeded_repo, package, f"{str(outside)!r} escapes the package folder")
    expect_nothing_imported(seeded_repo)


def test_symlink_inside_the_package(seeded_repo, package):
    os.symlink("metadata.json", package / "link.json")
    expect_rejected(seeded_repo, package, "link.json is a symlink")
    expect_nothing_imported(seeded_repo)


def test_collection_with_other_vector_size(seeded_repo, package):
    """momentry_v1 exists with 256-d vectors; the package's frames are 512-d."""
    with qdrant(seeded_repo) as client:
        vectors.create_collection(client, "momentry_v1", [vectors.VectorSpec("", 256, "Cosine")])
    line = expect_rejected(seeded_repo, package, "momentry_v1", "refusing to mix")
    assert "256-d" in line and "512-d" in line
    assert all(rows == [] for rows in pg_rows(seeded_repo).values())
    assert processor_files(seeded_repo) == {}
    with qdrant(seeded_repo) as client:
        assert vectors.vector_specs(client, "momentry_v1") == [vectors.VectorSpec("", 256, "Cosine")]
        assert client.count("momentry_v1", exact=True).count == 0
        assert not client.collection_exists("sentence_story")


def test_snapshot_with_other_vector_size_over_imported_file(seeded_repo, package, tmp_path):
    """momentry_v1 exists (512-d, from a first import); a second package's frames snapshot is
    256-d, sound and re-sealed: refused before anything is written, status included."""
    seeded_repo.ok(*import_args(package))
    narrow = tmp_path / "narrow"
    shutil.copytree(package, narrow)
    path = narrow / "qdrant" / "frames.snapshot"
    with path.open("rb") as f:
        reader = SnapshotReader(f, str(path))
        header = reader.header
        points = [SnapshotPoint(p.id, p.payload, {"": p.vectors[""][:256].copy()}) for p in reader.points()]
    narrow_header = SnapshotHeader(header.collection, header.source_collection, header.file_uuid,
                                   header.file_uuid_key, (vectors.VectorSpec("", 256, "Cosine"),),
                                   header.point_count)
    with path.open("wb") as out:
        write_snapshot(out, narrow_header, points)
    reseal(narrow, lambda m: m["collections"]["frames"]["vectors"][0].update(size=256))
    seeded_repo.ok("file", "verify", str(narrow))
    line = expect_rejected(seeded_repo, narrow, "momentry_v1", "refusing to mix")
    assert "512-d" in line and "256-d" in line
    assert status_of(seeded_repo) == "registered_processed"


def test_invalid_uuid(seeded_repo, package):
    expect_rejected(seeded_repo, package, "invalid target uuid", "'nope'", extra=("--uuid", "nope"))
    expect_nothing_imported(seeded_repo)


def test_uuid_and_register_url_exit_2(seeded_repo, package):
    before = target_state(seeded_repo)
    result = seeded_repo.momrel(*import_args(package, "--uuid", U,
                                             "--register-url", "http://127.0.0.1:9"))
    assert result.returncode == 2
    assert "--uuid and --register-url are alternatives" in result.stderr
    assert target_state(seeded_repo) == before
    expect_nothing_imported(seeded_repo)


def test_uuid_and_register_url_one_line(seeded_repo, package):
    result = seeded_repo.momrel(*import_args(package, "--uuid", U,
                                             "--register-url", "http://127.0.0.1:9"))
    line = one_line_error(result)
    assert result.returncode == 2 and "--register-url" in line
