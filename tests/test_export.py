"""Export of a seeded file: complete, consistent with the database, deterministic, immutable."""

from __future__ import annotations

import csv
import filecmp
import json
import shutil
import subprocess

import pytest
from psycopg import sql

from momrel.demo import seed as seeding
from momrel.bundle import sha256sums
from momrel.filepkg import layout, manifest
from momrel.filepkg.snapshot import SnapshotReader
from momrel.filepkg.verify import verify_package
from support import FILES, VERSION, one_line_error, tree_bytes, tree_state

FILE = FILES[1]


def export(repo, *extra, **env):
    result = repo.ok("file", "export", "--uuid", FILE, "--version", VERSION, "--json", *extra, **env)
    return json.loads(result.stdout)


def test_export_writes_every_part_consistent_with_the_database(seeded_repo):
    summary = export(seeded_repo)
    package = seeded_repo.package_dir(FILE)
    assert summary["status"] == "created" and summary["package"] == str(package)
    config = seeded_repo.config()

    expected = {layout.METADATA, layout.RELEASE_INFO, layout.CHECKSUMS, layout.DATAPACKAGE}
    expected |= {layout.csv_path(t) for t in config.tables}
    expected |= {layout.processor_path(p) for p in config.processors}
    expected |= {layout.snapshot_path(c) for c in config.collections}
    assert {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()} == expected

    # Rows: each CSV holds exactly the file's rows of its table.
    direct = {"face_detections", "tkg_nodes", "tkg_edges"}
    for table in direct:
        (count,), = seeded_repo.sql(sql.SQL("SELECT count(*) FROM {} WHERE file_uuid = %s").format(
            sql.Identifier("dev", table)), (FILE,))
        with (package / f"{table}.csv").open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == count == summary["rows"][table] > 0
        assert {r["file_uuid"] for r in rows} == {FILE}
        assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    # Shared identities: exactly those the file's face detections reference.
    referenced = {r[0] for r in seeded_repo.sql(
        "SELECT DISTINCT i.identity_uuid::text FROM dev.identities i "
        "JOIN dev.face_detections f ON f.identity_id = i.id WHERE f.file_uuid = %s", (FILE,))}
    with (package / "identities.csv").open(newline="") as f:
        assert {r["identity_uuid"] for r in csv.DictReader(f)} == referenced

    # Points: the collection's filtered count, every point carrying the file uuid.
    from qdrant_client import QdrantClient
    from momrel.vectors import count_file_points

    client = QdrantClient(path=str(seeded_repo.root / ".momrel" / "qdrant"))
    try:
        for logical, name in config.env("dev").collections.items():
            key = config.collections[logical].file_uuid_key
            with (package / layout.snapshot_path(logical)).open("rb") as f:
                reader = SnapshotReader(f)
                points = list(reader.points())
            assert len(points) == count_file_points(client, name, key, FILE) == summary["points"][logical] > 0
            assert all(p.payload[key] == FILE for p in points)
            assert reader.header.vectors[0].size == config.collections[logical].vector_size
    finally:
        client.close()

    # Processor JSON: byte-identical copies.
    for name in config.processors:
        source = config.env("dev").output_dir / f"{FILE}.{name}.json"
        assert filecmp.cmp(source, package / layout.processor_path(name), shallow=False)

    metadata = manifest.read_metadata(package)
    assert metadata["file_uuid"] == FILE and metadata["version"] == VERSION
    assert metadata["registration"]["file_uuid"] == FILE
    assert metadata["source"] == {"environment": "dev", "schema": "dev", "registration_table": "files",
                                  "registration_key": "file_uuid"}
    assert {t: v["rows"] for t, v in metadata["tables"].items()} == summary["rows"]
    info = (package / layout.RELEASE_INFO).read_text()
    assert FILE in info and VERSION in info and "created_at" in info


def test_checksums_cover_everything_and_sha256sum_accepts_them(seeded_repo):
    export(seeded_repo)
    package = seeded_repo.package_dir(FILE)
    listed = sha256sums.parse((package / layout.CHECKSUMS).read_text(), "SHA256SUMS")
    on_disk = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {layout.CHECKSUMS}
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "-c", "--strict", layout.CHECKSUMS], cwd=package,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    report = verify_package(package)
    assert report.files == len(listed)


def test_datapackage_describes_every_csv_column(seeded_repo):
    export(seeded_repo)
    package = seeded_repo.package_dir(FILE)
    document = json.loads((package / layout.DATAPACKAGE).read_text())
    assert document["profile"] == "tabular-data-package"
    for resource in document["resources"]:
        with (package / resource["path"]).open(newline="") as f:
            header = next(csv.reader(f))
        assert [field["name"] for field in resource["schema"]["fields"]] == header
        assert resource["schema"]["primaryKey"] == ["id"]
    types = {f["name"]: f["type"] for f in document["resources"][0]["schema"]["fields"]}
    assert types["id"] == "integer" and types["confidence"] == "number"
    assert types["file_uuid"] == "string" and types["landmarks"] == "any"


def test_second_export_is_byte_identical(seeded_repo, tmp_path):
    first = export(seeded_repo, "--out", str(tmp_path / "a"), SOURCE_DATE_EPOCH="1767600000")
    second = export(seeded_repo, "--out", str(tmp_path / "b"), SOURCE_DATE_EPOCH="1767600000")
    assert first["content_sha256"] == second["content_sha256"]
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")

    # Without a fixed clock only created_at differs, and re-exporting in place touches nothing.
    export(seeded_repo)
    package = seeded_repo.package_dir(FILE)
    before = tree_state(package)
    again = export(seeded_repo)
    assert again["status"] == "unchanged"
    assert tree_state(package) == before


def test_published_version_is_immutable_unless_forced(seeded_repo):
    export(seeded_repo)
    package = seeded_repo.package_dir(FILE)
    original = (package / "tkg_nodes.csv").read_bytes()
    seeded_repo.sql("UPDATE dev.tkg_nodes SET label = 'renamed' "
                    "WHERE id = (SELECT min(id) FROM dev.tkg_nodes WHERE file_uuid = %s)", (FILE,))

    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION), 1)
    assert "immutable" in line and "bump the version" in line
    assert (package / "tkg_nodes.csv").read_bytes() == original
    assert not [p for p in package.parent.iterdir() if p.name.startswith(".")], "temp folder left behind"

    forced = export(seeded_repo, "--force")
    assert forced["status"] == "replaced"
    assert b"renamed" in (package / "tkg_nodes.csv").read_bytes()
    verify_package(package)

    bumped = seeded_repo.ok("file", "export", "--uuid", FILE, "--version", "1.0.1")
    assert "created" in bumped.stdout


def test_out_may_be_an_empty_folder_but_not_a_folder_of_other_files(seeded_repo, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert export(seeded_repo, "--out", str(empty))["status"] == "created"
    verify_package(empty)

    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("keep me")
    refused = seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION,
                                 "--out", str(occupied))
    assert "is not empty and holds no package" in one_line_error(refused, 1)
    assert [p.name for p in occupied.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temp folder left behind"
    assert export(seeded_repo, "--out", str(occupied), "--force")["status"] == "replaced"
    verify_package(occupied)


def test_export_reads_one_consistent_snapshot_of_all_tables(seeded_repo):
    """Counts in metadata match the CSVs even for the shared table selected through another."""
    summary = export(seeded_repo)
    package = seeded_repo.package_dir(FILE)
    metadata = manifest.read_metadata(package)
    for table, info in metadata["tables"].items():
        with (package / info["path"]).open(newline="") as f:
            assert sum(1 for _ in csv.reader(f)) - 1 == info["rows"] == summary["rows"][table]
    assert metadata["tables"]["identities"]["shared"] is True
    assert metadata["tables"]["identities"]["natural_key"] == ["identity_uuid"]


@pytest.mark.parametrize("scale", [3])
def test_export_streams_larger_files(seeded_repo, scale):
    """A bigger video (several pages of points, multiple COPY chunks) exports and verifies."""
    seeded_repo.ok("demo", "seed", "--files", "4", "--scale", str(scale))
    big = seeding.file_uuid(3)
    summary = json.loads(seeded_repo.ok("file", "export", "--uuid", big, "--version", VERSION,
                                        "--json").stdout)
    assert summary["rows"]["face_detections"] == seeding.Sizes.at(scale).faces
    assert summary["points"]["frames"] == seeding.Sizes.at(scale).frame_points
    verify_package(seeded_repo.package_dir(big))
