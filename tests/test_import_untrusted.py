"""A package is untrusted input: no tampered or buggy package may damage another file, lose
rows, or leave a half-import (docs/import.md, "Trust model").

Each case was reproduced against the importer as it was before this test file: copies of the
demo package altered and re-sealed (SHA256SUMS and content_sha256 recomputed, as
docs/file-package.md describes), so only checks deeper than checksums can catch them. Every
refusal is one line and exit 1, and the whole target (every row, every point of every
collection, every file of the output dir, other files included) is left exactly as it was.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid as uuidlib

import numpy as np
import pytest

from momrel.config import load
from momrel.filepkg import fit, layout, tableload
from momrel.filepkg.verify import verify_package
from package_support import (
    U, all_points, assert_complete_import, checksums_of, drop_column, expect_nothing_imported,
    expect_refused, export_video, full_state, import_args, metadata_of, read_csv, reseal,
    reseal_checksums, rewrite_snapshot, snapshot_points, status_of, verify_refuses, write_checksums,
    write_csv)
from support import FILES, MOMREL, one_line_error, raises_momrel_error

V1 = FILES[1]                   # another file, already on the target where it matters
X = "3b8a7f6e-2c1d-4e5f-8a9b-0c1d2e3f4a5b"  # a target uuid of the operator's choice


@pytest.fixture
def other_file(seeded_repo, tmp_path):
    """Demo video 1 imported into prod first: the file a bad package must not touch."""
    pkg = export_video(seeded_repo, tmp_path, 1)
    seeded_repo.ok(*import_args(pkg))
    return pkg


# ---------------------------------------------------------------- 1. another file's data
@pytest.mark.parametrize("table", ["tkg_nodes", "identities"])
def test_table_without_its_key_is_refused(seeded_repo, package, other_file, table):
    """Without tkg_nodes.id the edges' node ids were copied raw and pointed at another file's
    nodes; without identities.id faces kept source identity ids."""
    drop_column(package, table, "id")
    seeded_repo.ok("file", "verify", str(package))  # consistent on its own
    expect_refused(seeded_repo, package, f"package table {table} lacks column id",
                   f"primary key of public.{table}", extra=("--uuid", X))


def test_foreign_key_column_missing_is_refused(seeded_repo, package, other_file):
    drop_column(package, "tkg_edges", "src_node_id")
    expect_refused(seeded_repo, package, "package table tkg_edges lacks column src_node_id",
                   "foreign key tkg_edges(src_node_id) -> tkg_nodes(id)")


def test_reference_outside_the_package_is_refused(seeded_repo, package, other_file):
    """An edge naming a node id that is not in the package (here: one of video 1's nodes)."""
    foreign_node = seeded_repo.sql("SELECT min(id) FROM public.tkg_nodes WHERE file_uuid = %s",
                                   (V1,))[0][0]
    path = package / "tkg_edges.csv"
    rows = read_csv(path)
    rows[1][rows[0].index("src_node_id")] = str(foreign_node + 10**6)
    write_csv(path, rows)
    reseal(package)
    expect_refused(seeded_repo, package, "tkg_edges.src_node_id", "has no row in tkg_nodes.csv")


def test_rows_of_another_file_are_refused(seeded_repo, package, other_file):
    path = package / "tkg_nodes.csv"
    rows = read_csv(path)
    rows[3][rows[0].index("file_uuid")] = V1
    write_csv(path, rows)
    reseal(package)
    expect_refused(seeded_repo, package, f"tkg_nodes.csv holds a row of file {V1}")


def test_duplicate_key_in_the_package_is_refused(seeded_repo, package):
    path = package / "tkg_nodes.csv"
    rows = read_csv(path)
    rows[2][0] = rows[1][0]
    write_csv(path, rows)
    reseal(package)
    expect_refused(seeded_repo, package, "tkg_nodes.csv has primary key (id)", "twice")


def test_shared_rows_nobody_references_are_refused(seeded_repo, package):
    path = package / "identities.csv"
    rows = read_csv(path)
    extra = list(rows[1])
    extra[0], extra[1] = "999999", str(uuidlib.uuid4())
    write_csv(path, rows + [extra])
    reseal(package, lambda m: m["tables"]["identities"].update(rows=len(rows)))
    expect_refused(seeded_repo, package, "identities.csv has a row (id = 999999)",
                   "no face_detections.identity_id references")


# ---------------------------------------------------------------- 2. another file's vectors
def test_point_of_another_file_is_refused(seeded_repo, package, other_file):
    _, theirs = snapshot_points(other_file, "frames")
    victim = theirs[0].id
    rewrite_snapshot(package, "frames",
                     lambda points: [dataclasses.replace(points[0], id=victim)] + points[1:])
    seeded_repo.ok("file", "verify", str(package))
    line = expect_refused(seeded_repo, package, f"point {victim}", f"file {V1}", "refusing")
    assert "momentry_v1" in line


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_vector_that_is_not_finite_is_refused(seeded_repo, package, value):
    def poison(points):
        vector = points[5].vectors[""].copy()
        vector[7] = value
        return points[:5] + [dataclasses.replace(points[5], vectors={"": vector})] + points[6:]

    rewrite_snapshot(package, "frames", poison)
    verify_refuses(seeded_repo, package, "frames.snapshot", "holds NaN or Infinity")
    expect_refused(seeded_repo, package, "holds NaN or Infinity")
    expect_nothing_imported(seeded_repo)


# ---------------------------------------------------------------- 3. configuration decides
def test_natural_key_from_the_package_is_refused(seeded_repo, package, other_file):
    reseal(package, lambda m: m["tables"]["identities"].update(natural_key=["id"]))
    seeded_repo.ok("file", "verify", str(package))
    expect_refused(seeded_repo, package, "metadata.json tables.identities.natural_key is ['id']",
                   "params.yaml says ['identity_uuid']")


def test_file_uuid_key_from_the_package_is_refused(seeded_repo, package, other_file):
    """The snapshot (and metadata.json) name another payload key: with it, the importer would
    have deleted and rewritten points selected by a key params.yaml does not know."""
    rewrite_snapshot(
        package, "frames",
        lambda points: [dataclasses.replace(p, payload={**p.payload, "frame_owner": U}) for p in points],
        lambda header: dataclasses.replace(header, file_uuid_key="frame_owner"))
    reseal(package, lambda m: m["collections"]["frames"].update(file_uuid_key="frame_owner"))
    seeded_repo.ok("file", "verify", str(package))
    expect_refused(seeded_repo, package, "collections.frames.file_uuid_key is 'frame_owner'",
                   "params.yaml says 'file_uuid'")


def test_table_set_must_match_params(seeded_repo, package):
    reseal(package, lambda m: (m["tables"].pop("tkg_edges"),))
    (package / "tkg_edges.csv").unlink()
    sums = checksums_of(package)
    sums.pop("tkg_edges.csv")
    write_checksums(package, sums)
    reseal(package)
    seeded_repo.ok("file", "verify", str(package))
    expect_refused(seeded_repo, package, "metadata.json tables differ from params.yaml tables",
                   "lacks tkg_edges")


# ---------------------------------------------------------------- 4. refused before any change
def _set_payload(points, index, payload):
    return points[:index] + [dataclasses.replace(points[index], payload=payload)] + points[index + 1:]


POINT_TAMPERINGS = {
    "id-not-a-uuid": (lambda pts: [dataclasses.replace(pts[0], id="not-a-uuid")] + pts[1:],
                      "point id 'not-a-uuid' is neither"),
    "id-negative": (lambda pts: [dataclasses.replace(pts[0], id=-4)] + pts[1:], "point id -4"),
    "id-upper-case": (lambda pts: [dataclasses.replace(pts[0], id=str(pts[0].id).upper())] + pts[1:],
                      "lower-case hyphenated UUID"),
    "id-twice": (lambda pts: pts[:1] + [dataclasses.replace(pts[1], id=pts[0].id)] + pts[2:],
                 "occurs twice"),
    "payload-list": (lambda pts: _set_payload(pts, 3, [1, 2]), "payload is not an object"),
    "payload-other-file": (lambda pts: _set_payload(pts, 3, {**pts[3].payload, "file_uuid": V1}),
                           f"not the package's file {U}"),
}


@pytest.mark.parametrize("tampering", sorted(POINT_TAMPERINGS))
def test_bad_point_is_refused_by_verify(seeded_repo, package, tmp_path, tampering):
    """Verify passed these; the import then deleted the file's points and failed half-way."""
    seeded_repo.ok(*import_args(package))
    bad = tmp_path / "bad"
    shutil.copytree(package, bad)
    change, message = POINT_TAMPERINGS[tampering]
    rewrite_snapshot(bad, "frames", change)
    verify_refuses(seeded_repo, bad, "frames.snapshot", message)
    expect_refused(seeded_repo, bad, message)
    assert status_of(seeded_repo) == "registered_processed"


@pytest.mark.parametrize("name", ["../escape", "a/b", "asr\x00", "x y"])
def test_bad_processor_name_is_refused_by_verify(seeded_repo, package, name):
    reseal(package, lambda m: m["processors"].update({name: f"processors/{name}.json"}))
    line = verify_refuses(seeded_repo, package, "metadata.json: processors.")
    assert "not a valid processor name" in line or "escapes" in line or "is missing" in line
    expect_refused(seeded_repo, package)


def test_output_dir_that_cannot_be_written_changes_nothing(seeded_repo, package):
    """Over a processed file: refused before anything changes, status included."""
    seeded_repo.ok(*import_args(package))
    params = seeded_repo.root / "params.yaml"
    text = params.read_text(encoding="utf-8")
    assert "output_dir: .momrel/output\n" in text
    (seeded_repo.root / "blocked").write_text("a file where a folder should be\n")
    params.write_text(text.replace("output_dir: .momrel/output\n", "output_dir: blocked/output\n"))
    expect_refused(seeded_repo, package, "output dir", "is not a folder")
    assert status_of(seeded_repo) == "registered_processed"


@pytest.mark.parametrize("step", ["after-points", "during-processors"])
def test_failure_after_qdrant_changed_puts_everything_back(seeded_repo, package, big_package, step):
    """A full disk (ENOSPC, injected) after the file's points were replaced and while its JSON
    is written: the previous points (100 fewer), JSON and status come back exactly."""
    seeded_repo.ok(*import_args(package))
    before = full_state(seeded_repo)
    line = one_line_error(seeded_repo.momrel(*import_args(big_package), MOMREL_FAIL_AT=step), 1)
    assert "No space left on device" in line
    assert full_state(seeded_repo) == before
    assert status_of(seeded_repo) == "registered_processed"
    assert not list((seeded_repo.root / ".momrel" / "imports").iterdir())


def test_failure_on_an_empty_target_leaves_no_collection_or_folder(seeded_repo, package):
    result = seeded_repo.momrel(*import_args(package), MOMREL_FAIL_AT="during-processors")
    assert "No space left on device" in one_line_error(result, 1)
    expect_nothing_imported(seeded_repo)
    assert not (seeded_repo.config().env("prod").output_dir).exists()
    assert status_of(seeded_repo) is None


# ---------------------------------------------------------------- 5. one CSV dialect
def test_quote_inside_an_unquoted_field_is_refused(seeded_repo, package, other_file):
    """Python's csv counted 120 edges here, COPY merged two rows and loaded 119."""
    path = package / "tkg_edges.csv"
    lines = path.read_bytes().split(b"\n")
    column = lines[0].split(b",").index(b"relation")
    for number in (3, 7):
        fields = lines[number].split(b",")
        fields[column] = fields[column][:2] + b'"' + fields[column][2:]
        lines[number] = b",".join(fields)
    path.write_bytes(b"\n".join(lines))
    reseal(package)
    verify_refuses(seeded_repo, package, "tkg_edges.csv: record 4", "not in PostgreSQL's CSV form")
    expect_refused(seeded_repo, package, "not in PostgreSQL's CSV form")


def test_rows_copy_loads_are_compared_with_metadata(seeded_repo, package):
    """Second line of defence: the importer compares what COPY loaded with what verify counted."""
    import psycopg

    report = verify_package(package)
    config = load(seeded_repo.root)
    env = config.env("prod")
    with psycopg.connect(seeded_repo.database_url, autocommit=True) as conn:
        plans = fit.plan_tables(conn, config, env, report.metadata, package)
        edges = next(p for p in plans if p.name == "tkg_edges")
        edges.rows += 1
        from momrel.progress import progress_bars
        with raises_momrel_error(1, match=f"tkg_edges.csv: COPY loaded {edges.rows - 1} rows, "
                                          f"metadata.json says {edges.rows}"), \
                progress_bars(False) as bars, conn.transaction():
            tableload.stage_tables(conn, env.schema, plans, bars)


# ---------------------------------------------------------------- 6. hangs and memory
@pytest.mark.parametrize("kind", ["fifo", "socket", "device"])
def test_special_file_listed_in_checksums_is_refused_at_once(seeded_repo, package, kind):
    path = package / "processors" / "asr.json"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
        expected = "is a FIFO"
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
        expected = "is a socket"
    else:
        try:
            os.mknod(path, 0o600 | 0o020000, os.makedev(1, 3))  # like /dev/null
        except PermissionError:
            pytest.skip("creating a device needs privileges this run does not have")
        expected = "is a character device"
    started = time.monotonic()
    for args in (("file", "verify", str(package)), import_args(package)):
        assert expected in one_line_error(seeded_repo.momrel(*args, timeout=120), 1)
    assert time.monotonic() - started < 60
    expect_nothing_imported(seeded_repo)


def test_huge_csv_record_is_refused_with_bounded_memory(seeded_repo, package):
    """A 300 MB field: verify refuses it past 64 MiB without holding it (it took 4.7 GB of
    memory for 900 MB before)."""
    path = package / "tkg_nodes.csv"
    rows = read_csv(path)
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(rows[0]) + "\n")
        out.write(",".join(rows[1][:3]) + ",")
        block = "x" * (1 << 20)
        for _ in range(300):
            out.write(block)
        out.write("," + ",".join(rows[1][4:]) + "\n")
    reseal(package, lambda m: m["tables"]["tkg_nodes"].update(rows=1))
    probe = ("import resource, sys\n"
             "from momrel.filepkg.verify import verify_package\n"
             "from momrel.errors import MomrelError\n"
             "try:\n    verify_package(sys.argv[1])\nexcept MomrelError as exc:\n    print(exc)\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")
    result = subprocess.run([sys.executable, "-c", probe, str(package)], capture_output=True,
                            text=True, timeout=300, check=True)
    message, peak_mib = result.stdout.splitlines()
    assert "tkg_nodes.csv: record 2 is longer than 67,108,864 bytes" in message
    assert int(peak_mib) < 400, f"verify peaked at {peak_mib} MiB"


def test_deep_json_and_malformed_metadata_are_one_line(seeded_repo, package, tmp_path):
    cases = {
        "deep-processor": (lambda p: (p / "processors" / "yolo.json").write_bytes(
            b"[" * 100_000 + b"]" * 100_000), "processor yolo", "nested more deeply than 128"),
        "deep-registration": (lambda p: reseal(p, lambda m: m["registration"].update(
            notes=json.loads("[" * 500 + "]" * 500))), "metadata.json", "nested more deeply"),
        "columns-string": (lambda p: reseal(p, lambda m: m["tables"]["tkg_nodes"].update(
            columns="abc")), "tables.tkg_nodes.columns: expected a list, got 'abc'"),
        "rows-string": (lambda p: reseal(p, lambda m: m["tables"]["tkg_nodes"].update(rows="12")),
                        "tables.tkg_nodes.rows: expected an integer"),
        "vectors-null": (lambda p: reseal(p, lambda m: m["collections"]["frames"].update(
            vectors=None)), "collections.frames.vectors: expected a list"),
    }
    for name, (damage, *fragments) in cases.items():
        copy = tmp_path / name
        shutil.copytree(package, copy)
        damage(copy)
        if name == "deep-processor":
            reseal(copy)
        verify_refuses(seeded_repo, copy, *fragments)
    expect_refused(seeded_repo, tmp_path / "deep-processor", "nested more deeply")


def test_duplicate_json_key_in_metadata_is_refused(seeded_repo, package):
    """A reviewer reads the first `version`; Python's json kept the last."""
    path = package / layout.METADATA
    text = path.read_text(encoding="utf-8")
    assert text.count('"version": "1.0.0"') == 1
    path.write_text(text.replace('"version": "1.0.0"', '"version": "1.0.0", "version": "9.9.9"'),
                    encoding="utf-8")
    reseal_checksums(package)
    verify_refuses(seeded_repo, package, "metadata.json", "duplicate key 'version'")
    expect_refused(seeded_repo, package, "duplicate key 'version'")


# ---------------------------------------------------------------- 7. verified bytes are loaded
def test_package_changed_after_verify_does_not_change_what_is_loaded(seeded_repo, package, tmp_path):
    """The import pauses right after verifying; the package is then altered (and re-sealed, so
    that even a second verification would pass). What lands in the target is what was verified."""
    release = tmp_path / "release"
    process = subprocess.Popen(
        [*MOMREL, *import_args(package, "--json")], cwd=seeded_repo.root,
        env=seeded_repo.env(MOMREL_PAUSE_AT="after-verify", MOMREL_PAUSE_FILE=str(release)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "release.paused").exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the import never reached its pause"
            time.sleep(0.05)
        path = package / "tkg_nodes.csv"
        rows = read_csv(path)
        original_labels = [row[rows[0].index("label")] for row in rows[1:]]
        for row in rows[1:]:
            row[rows[0].index("label")] = "tampered"
        write_csv(path, rows)
        reseal(package)
        release.touch()
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    labels = [r[0] for r in seeded_repo.sql(
        "SELECT label FROM public.tkg_nodes WHERE file_uuid = %s ORDER BY id", (U,))]
    assert labels == [label or None for label in original_labels]
    assert "tampered" not in labels


# ---------------------------------------------------------------- a clean import still works
def test_untampered_package_imports_after_all_checks(seeded_repo, package, other_file):
    seeded_repo.ok(*import_args(package))
    assert_complete_import(seeded_repo, package)
    points = all_points(seeded_repo)["momentry_v1"]
    owners = {json.loads(payload)["file_uuid"] for payload, _ in points.values()}
    assert owners == {U, V1}
    assert len(points) == sum(metadata_of(p)["collections"]["frames"]["points"]
                              for p in (package, other_file))
