"""Bad input: one readable error line, its exit code, and nothing left behind."""

from __future__ import annotations

import psycopg
import pytest

from support import FILES, VERSION, one_line_error

FILE = FILES[0]


def no_package_left(repo, file_uuid=FILE):
    folder = repo.package_dir(file_uuid).parent
    leftovers = [p.name for p in folder.iterdir()] if folder.exists() else []
    assert leftovers == [], f"left behind: {leftovers}"


def test_unknown_uuid(seeded_repo):
    unknown = "00000000-0000-4000-8000-000000000000"
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", unknown, "--version", VERSION), 1)
    assert unknown in line and "not registered" in line
    no_package_left(seeded_repo, unknown)


@pytest.mark.parametrize("bad", ["not-a-uuid", "417442fb4c7f", "../../etc", "417442FB-4C7F-5C9D-B7C5"])
def test_malformed_uuid(seeded_repo, bad):
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", bad, "--version", VERSION), 1)
    assert "invalid uuid" in line
    assert not (seeded_repo.root / "release" / "files").exists()


@pytest.mark.parametrize("bad", ["1", "latest", "1.0.0/../../x", ""])
def test_malformed_version(seeded_repo, bad):
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", bad), 1)
    assert "invalid version" in line
    no_package_left(seeded_repo)


def test_missing_processor_json(seeded_repo):
    missing = seeded_repo.config().env("dev").output_dir / f"{FILE}.pose.json"
    missing.unlink()
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION), 1)
    assert "missing processor output" in line and missing.name in line
    no_package_left(seeded_repo)


def test_unreachable_database(seeded_repo):
    result = seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION,
                                MOMREL_DATABASE_URL="postgresql://postgres:s3cret@127.0.0.1:1/momentry")
    line = one_line_error(result, 1)
    assert "cannot connect to PostgreSQL" in line
    assert "s3cret" not in result.stderr, "the password must not be printed"
    no_package_left(seeded_repo)


def test_no_database_configured(content_repo):
    env = {"MOMREL_DATABASE_URL": ""}
    line = one_line_error(content_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION, **env), 1)
    assert "momrel db start" in line


@pytest.mark.parametrize("edit, expected", [
    (lambda text: text.replace("source_env: dev", "source_env: staging"), "source_env"),
    (lambda text: text + "\nsurprise: 1\n", "unknown key 'surprise'"),
    (lambda text: text.replace("distance: Cosine}\n  sentence_story", "distance: Cos}\n  sentence_story"),
     "distance"),
    (lambda text: text.replace("files:\n", 'files:\n  - {uuid: nope, version: "1.0.0"}\n'), "files[0].uuid"),
    (lambda text: text.replace("tables:\n", "tables:\n  broken: [\n"), "params.yaml"),
])
def test_invalid_params_yaml(seeded_repo, edit, expected):
    params = seeded_repo.root / "params.yaml"
    params.write_text(edit(params.read_text()))
    result = seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION)
    line = one_line_error(result, 2)
    assert line.startswith("momrel: error: params.yaml") and expected in line
    no_package_left(seeded_repo)


def test_configured_table_missing_in_database(seeded_repo):
    params = seeded_repo.root / "params.yaml"
    params.write_text(params.read_text().replace(
        "  tkg_edges:\n", "  scene_captions:\n    file_column: file_uuid\n    order_by: [id]\n  tkg_edges:\n"))
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION), 2)
    assert "scene_captions" in line and "does not exist" in line
    no_package_left(seeded_repo)


def test_missing_qdrant_collection(seeded_repo):
    params = seeded_repo.root / "params.yaml"
    params.write_text(params.read_text().replace("frames: momentry_dev_v1", "frames: no_such_collection"))
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION), 1)
    assert "no_such_collection" in line
    no_package_left(seeded_repo)


def test_out_is_a_file(seeded_repo, tmp_path):
    target = tmp_path / "occupied"
    target.write_text("keep me")
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION,
                                             "--out", str(target)), 1)
    assert "not a package folder" in line
    assert target.read_text() == "keep me"


def test_failure_midway_leaves_no_partial_package(seeded_repo):
    """The last table is locked by another session: export has written the first CSVs to its
    staging folder when the lock timeout fails it, and that folder must disappear."""
    with psycopg.connect(seeded_repo.database_url) as blocker:
        blocker.execute("LOCK TABLE dev.tkg_edges IN ACCESS EXCLUSIVE MODE")
        result = seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION,
                                    PGOPTIONS="-c lock_timeout=1500")
        blocker.rollback()
    line = one_line_error(result, 1)
    assert "lock timeout" in line
    no_package_left(seeded_repo)
    # And once the lock is gone the same command succeeds.
    seeded_repo.ok("file", "export", "--uuid", FILE, "--version", VERSION)


def test_file_still_processing_is_not_packaged(seeded_repo):
    seeded_repo.sql("UPDATE dev.files SET status = 'processing' WHERE file_uuid = %s", (FILE,))
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION), 1)
    assert "'processing'" in line and "registered_processed" in line
    no_package_left(seeded_repo)


def test_half_written_processor_json(seeded_repo):
    broken = seeded_repo.config().env("dev").output_dir / f"{FILE}.asr.json"
    broken.write_bytes(broken.read_bytes()[:100])
    line = one_line_error(seeded_repo.momrel("file", "export", "--uuid", FILE, "--version", VERSION), 1)
    assert "not valid JSON" in line and broken.name in line
    no_package_left(seeded_repo)


def test_db_init_with_missing_schema_file(content_repo):
    params = content_repo.root / "params.yaml"
    params.write_text(params.read_text().replace("schema_file: sql/momentry.sql", "schema_file: sql/gone.sql"))
    line = one_line_error(content_repo.momrel("db", "init"), 2)
    assert "schema_file" in line and "gone.sql" in line


def test_release_dir_must_stay_inside_the_repository(content_repo):
    params = content_repo.root / "params.yaml"
    params.write_text(params.read_text().replace("release_dir: release/files", "release_dir: ../elsewhere"))
    line = one_line_error(content_repo.momrel("file", "add", FILE, "--version", VERSION), 2)
    assert "release_dir" in line and "inside the repository" in line
