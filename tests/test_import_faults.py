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

import os
import shutil

import pytest
from psycopg import sql

from momrel import vectors
from momrel.filepkg import layout
from momrel.filepkg.snapshot import SnapshotHeader, SnapshotPoint, SnapshotReader, write as write_snapshot
from package_support import (
    PROCESSORS, REFERENCES, SCHEMA, SEQUENCED, TABLES, U, assert_complete_import, change_middle_byte,
    expect_nothing_imported, expect_refused, fix_checksum, full_state, import_args, metadata_of,
    pg_rows, processor_files, qdrant_points, read_csv, reseal, rewrite_metadata, sequences_used,
    status_of, table_columns, write_csv)
from support import one_line_error

KILL_POINTS = ["after-verify", "after-copy-face_detections", "after-copy-tkg_edges",
               "after-tables", "after-insert-tkg_nodes", "after-keep-aside", "during-points",
               "after-points", "during-processors", "before-commit"]
# Kills before the id maps are built: no sequence value has been drawn yet.
BEFORE_ID_MAPS = {"after-verify", "after-copy-face_detections", "after-copy-tkg_edges"}
# Kills before the first Qdrant write.
BEFORE_QDRANT = BEFORE_ID_MAPS | {"after-tables", "after-insert-tkg_nodes", "after-keep-aside"}
# Kills after the journal was written: the next import puts the file back first.
JOURNALED = {"after-keep-aside", "during-points", "after-points", "during-processors", "before-commit"}


def without_temporary(files: dict[str, bytes]) -> dict[str, bytes]:
    """Processor JSON by name, without the temporary file a kill while writing leaves."""
    return {name: data for name, data in files.items() if not name.startswith(".")}


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
    elif point == "during-processors":  # killed while writing the first one, under a temporary name
        assert len(json_files) == 1 and next(iter(json_files)).startswith(f".{U}.{PROCESSORS[0]}.json.")
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
    assert without_temporary(processor_files(seeded_repo)) == first_json

    # The rerun first puts back what the killed run changed (momrel/filepkg/recovery.py), then
    # imports: temporary files included, nothing of the killed run is left.
    rerun = seeded_repo.ok(*import_args(pkg))
    assert (f"put back {U}" in rerun.stdout) == (point in JOURNALED), rerun.stdout
    assert pg_rows(seeded_repo) == first
    assert_complete_import(seeded_repo, pkg)


# ---------------------------------------------------------------- 1b. the next import puts back
def refused_package(package, tmp_path):
    """A package every import refuses after its recovery step (its natural key disagrees)."""
    refused = tmp_path / "refused"
    shutil.copytree(package, refused)
    reseal(refused, lambda m: m["tables"]["identities"].update(natural_key=["id"]))
    return refused


def imports_left(repo) -> list:
    return list((repo.root / ".momrel" / "imports").iterdir())


@pytest.mark.parametrize("kill", [{"MOMREL_KILL_AT": "during-points"},
                                  {"MOMREL_KILL_AT": "during-processors"},
                                  {"MOMREL_FAIL_AT": "after-points", "MOMREL_KILL_AT": "during-restore"}])
def test_killed_import_is_put_back_by_the_next_one(seeded_repo, package, big_package, tmp_path, kill):
    """A re-import killed after it changed Qdrant or the JSON (or killed while putting them back
    after a failure): the next import on the host, even one that is then refused, puts the
    file back exactly as it was before the killed run, processed status included."""
    seeded_repo.ok(*import_args(package))
    before = full_state(seeded_repo)
    killed = seeded_repo.momrel(*import_args(big_package), **kill)
    assert killed.returncode == -9, killed.stderr
    assert full_state(seeded_repo) != before and status_of(seeded_repo) == "registered"

    line = one_line_error(seeded_repo.momrel(*import_args(refused_package(package, tmp_path))), 1)
    assert "natural_key" in line
    assert full_state(seeded_repo) == before
    assert status_of(seeded_repo) == "registered_processed"
    assert imports_left(seeded_repo) == []


def test_import_killed_after_its_commit_is_kept(seeded_repo, package, big_package, tmp_path):
    """Killed between the commit and the removal of its folder: PostgreSQL says the transaction
    committed, so the next import keeps the completed import and only cleans up."""
    seeded_repo.ok(*import_args(package))
    killed = seeded_repo.momrel(*import_args(big_package), MOMREL_KILL_AT="after-commit")
    assert killed.returncode == -9
    assert len(imports_left(seeded_repo)) == 1
    assert_complete_import(seeded_repo, big_package)
    completed = full_state(seeded_repo)

    one_line_error(seeded_repo.momrel(*import_args(refused_package(package, tmp_path))), 1)
    assert full_state(seeded_repo) == completed
    assert imports_left(seeded_repo) == []


# ---------------------------------------------------------------- 2. bad packages
def test_checksum_mismatch(seeded_repo, package):
    change_middle_byte(package / "face_detections.csv")
    expect_refused(seeded_repo, package, "checksum mismatch for face_detections.csv")
    expect_nothing_imported(seeded_repo)


def test_missing_file(seeded_repo, package):
    (package / "tkg_nodes.csv").unlink()
    expect_refused(seeded_repo, package, "tkg_nodes.csv is missing")
    expect_nothing_imported(seeded_repo)


def test_truncated_csv(seeded_repo, package):
    path = package / "face_detections.csv"
    path.write_bytes(path.read_bytes()[:-100])
    fix_checksum(package, "face_detections.csv")
    # Caught by verify's CSV check before the database: the last row is cut inside the quoted
    # landmarks field ("face_detections.csv: record 2001 opens a quoted field that never closes").
    line = expect_refused(seeded_repo, package, "face_detections.csv: record ", "never closes")
    assert "checksum" not in line
    expect_nothing_imported(seeded_repo)


def test_extra_csv_column(seeded_repo, package):
    path = package / "tkg_nodes.csv"
    rows = read_csv(path)
    write_csv(path, [rows[0] + ["mood"]] + [row + ["calm"] for row in rows[1:]])
    reseal(package, lambda m: m["tables"]["tkg_nodes"]["columns"].append({"name": "mood", "type": "text"}))
    seeded_repo.ok("file", "verify", str(package))  # a sound package, from a newer schema
    expect_refused(seeded_repo, package, "tkg_nodes.mood", "does not exist in the target")
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
    expect_refused(seeded_repo, package, "content_sha256 in metadata.json does not match")
    # Re-sealed, verify passes (it checks field counts, not types): PostgreSQL's COPY refuses it.
    reseal(package)
    seeded_repo.ok("file", "verify", str(package))
    line = expect_refused(seeded_repo, package, "face_detections.csv", "invalid input", '"abc"')
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

    before = full_state(seeded_repo)
    line = one_line_error(seeded_repo.momrel(*import_args(bad)), 1)
    assert "face_detections.csv" in line and '"abc"' in line
    after = full_state(seeded_repo)
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
    expect_refused(seeded_repo, newer, "tkg_nodes.mood", "does not exist in the target")
    assert status_of(seeded_repo) == "registered_processed"


def test_malformed_metadata(seeded_repo, package):
    (package / layout.METADATA).write_text('{"format": "momrel-file-package",', encoding="utf-8")
    expect_refused(seeded_repo, package, layout.METADATA, "not valid JSON")
    expect_nothing_imported(seeded_repo)


def test_wrong_format_version(seeded_repo, package):
    rewrite_metadata(package, lambda m: m.update(format_version=99))
    expect_refused(seeded_repo, package, "unsupported format_version 99")
    expect_nothing_imported(seeded_repo)


def test_checksum_line_escaping_the_package(seeded_repo, package):
    with (package / layout.CHECKSUMS).open("a", encoding="utf-8") as f:
        f.write(f"{'a' * 64}  ../x\n")
    expect_refused(seeded_repo, package, "'../x' escapes the package folder")
    expect_nothing_imported(seeded_repo)


def test_absolute_table_path_in_metadata(seeded_repo, package, tmp_path):
    # A real CSV outside the package, so that only the path itself is wrong.
    outside = tmp_path / "outside" / "tkg_nodes.csv"
    outside.parent.mkdir()
    shutil.copy2(package / "tkg_nodes.csv", outside)
    rewrite_metadata(package, lambda m: m["tables"]["tkg_nodes"].update(path=str(outside)))
    expect_refused(seeded_repo, package, f"{str(outside)!r} escapes the package folder")
    expect_nothing_imported(seeded_repo)


def test_symlink_inside_the_package(seeded_repo, package):
    os.symlink("metadata.json", package / "link.json")
    expect_refused(seeded_repo, package, "link.json is a symlink")
    expect_nothing_imported(seeded_repo)


def test_collection_with_other_vector_size(seeded_repo, package):
    """momentry_v1 exists with 256-d vectors; the package's frames are 512-d."""
    with seeded_repo.qdrant() as client:
        vectors.create_collection(client, "momentry_v1", [vectors.VectorSpec("", 256, "Cosine")])
    line = expect_refused(seeded_repo, package, "momentry_v1", "refusing to mix")
    assert "256-d" in line and "512-d" in line
    assert all(rows == [] for rows in pg_rows(seeded_repo).values())
    assert processor_files(seeded_repo) == {}
    with seeded_repo.qdrant() as client:
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
    line = expect_refused(seeded_repo, narrow, "momentry_v1", "refusing to mix")
    assert "512-d" in line and "256-d" in line
    assert status_of(seeded_repo) == "registered_processed"


def test_invalid_uuid(seeded_repo, package):
    expect_refused(seeded_repo, package, "invalid target uuid", "'nope'", extra=("--uuid", "nope"))
    expect_nothing_imported(seeded_repo)


def test_uuid_and_register_url_exit_2(seeded_repo, package):
    line = expect_refused(seeded_repo, package, "--uuid and --register-url are alternatives",
                          extra=("--uuid", U, "--register-url", "http://127.0.0.1:9"), exit_code=2)
    assert "--register-url" in line
    expect_nothing_imported(seeded_repo)
