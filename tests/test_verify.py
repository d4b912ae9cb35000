"""momrel.filepkg.verify on a real exported package, clean and tampered.

The package of demo video 0 is exported with the real CLI from a seeded database once per
module (the `package` fixture gives each test a copy); tests damage copies of it, one kind of
damage per copy. Where a tampering would be caught by the checksum first, SHA256SUMS is
rewritten for the changed file so that the check under test is the one that fires.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from momrel.bundle import sha256sums
from momrel.filepkg import layout
from momrel.filepkg.verify import VerifyReport, verify_package
from package_support import (U, change_middle_byte, fix_checksum, metadata_of, rewrite_metadata,
                             verify_refuses)
from support import (VERSION, assert_mentions, env_outside_repositories, one_line_error,
                     raises_momrel_error, run_momrel)


def verify_error(pkg: Path, *fragments: str) -> str:
    """verify_package must fail (exit 1) with one line naming every fragment; return it."""
    with raises_momrel_error(1) as info:
        verify_package(pkg)
    message = str(info.value)
    assert "\n" not in message, message
    assert_mentions(message, *fragments)
    return message


def cli_error(repo, pkg: Path, message: str) -> None:
    """`momrel file verify` fails with the same message as its only stderr line."""
    assert verify_refuses(repo, pkg) == f"momrel: error: {message}"


def bare_cli_error(*args: str, cwd: Path) -> str:
    """The CLI outside any content repository (verify needs neither params.yaml nor a
    database) fails with exit 1: its error line."""
    return one_line_error(run_momrel(*args, cwd=cwd, env=env_outside_repositories()), 1)


class Copies:
    """Fresh copies of the exported package, one per damage."""

    def __init__(self, package: Path, folder: Path):
        self.package = package
        self.folder = folder

    def __call__(self, name: str) -> Path:
        copy = self.folder / name
        shutil.copytree(self.package, copy, symlinks=True)
        return copy


@pytest.fixture
def copies(package, tmp_path) -> Copies:
    return Copies(package, tmp_path / "copies")


# ---------------------------------------------------------------- the clean package
def test_clean_package_verifies(seeded_repo, package, copies):
    metadata = metadata_of(package)
    sums = sha256sums.parse((package / layout.CHECKSUMS).read_text(), "sums")

    report = verify_package(package)
    assert isinstance(report, VerifyReport)
    assert (report.file_uuid, report.version) == (U, VERSION)
    assert report.rows == {name: t["rows"] for name, t in metadata["tables"].items()}
    assert report.points == {name: c["points"] for name, c in metadata["collections"].items()}
    assert set(report.rows) == {"face_detections", "identities", "tkg_nodes", "tkg_edges"}
    assert set(report.points) == {"frames", "sentence_story"}
    assert all(n > 0 for n in [*report.rows.values(), *report.points.values()])
    assert report.files == len(sums)
    assert report.bytes == sum((package / p).stat().st_size for p in sums)
    # the counts match what the CSVs really hold
    with (package / "face_detections.csv").open(newline="", encoding="utf-8") as f:
        assert sum(1 for _ in csv.reader(f)) - 1 == report.rows["face_detections"]
    # a package is relocatable: a copy verifies the same
    tampered = copies("plain-copy")
    assert verify_package(tampered).as_json() == dict(report.as_json(), package=str(tampered))

    result = seeded_repo.ok("file", "verify", str(package), "--json")
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["file_uuid"] == U and data["version"] == VERSION
    assert data["rows"] == report.rows and data["points"] == report.points
    assert data["files"] == report.files and data["bytes"] == report.bytes
    assert result.stderr.strip() == ""

    text = seeded_repo.ok("file", "verify", str(package)).stdout
    assert text.startswith(f"ok: {package} ({U} {VERSION}, {report.files} files, ")


# ---------------------------------------------------------------- checksums and completeness
def test_changed_byte_is_a_checksum_mismatch(seeded_repo, copies):
    pkg = copies("csv-byte")
    change_middle_byte(pkg / "face_detections.csv")
    message = verify_error(pkg, str(pkg), "checksum mismatch for face_detections.csv")
    cli_error(seeded_repo, pkg, message)

    pkg = copies("snapshot-byte")
    path = pkg / "qdrant" / "sentence_story.snapshot"
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x01  # inside the last vector: still a structurally valid snapshot
    path.write_bytes(bytes(data))
    verify_error(pkg, "checksum mismatch for qdrant/sentence_story.snapshot")

    # The same change with SHA256SUMS regenerated: every part is sound on its own, but they
    # are not the parts that were exported together.
    pkg = copies("snapshot-byte-resummed")
    path = pkg / "qdrant" / "sentence_story.snapshot"
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x01
    path.write_bytes(bytes(data))
    fix_checksum(pkg, "qdrant/sentence_story.snapshot")
    verify_error(pkg, "content_sha256 in metadata.json does not match")


def test_deleted_file_is_missing(seeded_repo, copies):
    pkg = copies("no-ocr")
    (pkg / "processors" / "ocr.json").unlink()
    message = verify_error(pkg, str(pkg), "processors/ocr.json is missing")
    cli_error(seeded_repo, pkg, message)

    for relative in ("qdrant/frames.snapshot", "tkg_edges.csv", layout.DATAPACKAGE,
                     layout.RELEASE_INFO, layout.CHECKSUMS):
        pkg = copies(f"no-{relative.replace('/', '_')}")
        (pkg / relative).unlink()
        verify_error(pkg, f"{relative} is missing")

    pkg = copies("no-metadata")
    (pkg / layout.METADATA).unlink()
    verify_error(pkg, layout.METADATA, "missing")


def test_extra_file_not_in_checksums(seeded_repo, copies):
    for relative in ("notes.txt", "qdrant/extra.snapshot", "processors/new/deep.json", ".hidden"):
        pkg = copies(f"extra-{relative.replace('/', '_')}")
        (pkg / relative).parent.mkdir(parents=True, exist_ok=True)
        (pkg / relative).write_text("{}\n")
        message = verify_error(pkg, f"{relative} is not listed in {layout.CHECKSUMS}")
        if relative == "notes.txt":
            cli_error(seeded_repo, pkg, message)

    pkg = copies("listed-absent")
    with (pkg / layout.CHECKSUMS).open("a", encoding="utf-8") as f:
        f.write(f"{'0' * 64}  processors/gone.json\n")
    verify_error(pkg, "processors/gone.json is listed in SHA256SUMS but missing")


def test_checksum_path_escaping_the_package(seeded_repo, copies):
    for n, listed in enumerate(["../escape", "/etc/passwd", "qdrant/../../escape",
                                "processors//asr.json", "qdrant\\frames.snapshot"]):
        pkg = copies(f"escape-{n}")
        with (pkg / layout.CHECKSUMS).open("a", encoding="utf-8") as f:
            f.write(f"{'a' * 64}  {listed}\n")
        message = verify_error(pkg, f"{listed!r} escapes the package folder")
        if listed == "../escape":
            cli_error(seeded_repo, pkg, message)

    pkg = copies("malformed-line")
    sums_path = pkg / layout.CHECKSUMS
    lines = sums_path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("  ", " ", 1)  # one space: not the sha256sum text format
    sums_path.write_text("".join(lines), encoding="utf-8")
    verify_error(pkg, f"{sums_path} line 3: malformed")


def test_symlinks_are_refused(seeded_repo, package, copies, tmp_path):
    pkg = copies("symlink-inside")
    os.symlink("metadata.json", pkg / "link.json")
    message = verify_error(pkg, "link.json is a symlink")
    cli_error(seeded_repo, pkg, message)

    # same content, so the checksum would match: the symlink itself must be refused
    pkg = copies("symlink-listed")
    outside = tmp_path / "outside.json"
    shutil.copy2(pkg / "processors" / "asr.json", outside)
    (pkg / "processors" / "asr.json").unlink()
    os.symlink(outside, pkg / "processors" / "asr.json")
    verify_error(pkg, "processors/asr.json is a symlink")

    pkg = copies("symlink-folder")
    shutil.move(pkg / "qdrant", tmp_path / "qdrant-elsewhere")
    os.symlink(tmp_path / "qdrant-elsewhere", pkg / "qdrant")
    verify_error(pkg, "qdrant is a symlink")

    link = tmp_path / "link-to-pkg"
    os.symlink(package, link)
    verify_error(link, "is a symlink, not a package folder")


# ---------------------------------------------------------------- metadata.json
def test_metadata_not_json(seeded_repo, copies):
    pkg = copies("metadata-not-json")
    (pkg / layout.METADATA).write_text('{"format": "momrel-file-package",', encoding="utf-8")
    message = verify_error(pkg, f"{pkg / layout.METADATA}: not valid JSON")
    cli_error(seeded_repo, pkg, message)


def test_metadata_format_version_99(seeded_repo, copies):
    pkg = copies("format-version-99")
    rewrite_metadata(pkg, lambda m: m.update(format_version=99))
    message = verify_error(pkg, "unsupported format_version 99",
                           f"this momrel reads {layout.FORMAT_VERSION}")
    cli_error(seeded_repo, pkg, message)

    pkg = copies("other-format")
    rewrite_metadata(pkg, lambda m: m.update(format="something-else"))
    verify_error(pkg, "not a momrel file package")

    pkg = copies("metadata-path-escapes")
    rewrite_metadata(pkg, lambda m: m["processors"].update(asr="../asr.json"))
    verify_error(pkg, "'../asr.json' escapes the package folder")

    pkg = copies("metadata-tables-list")
    rewrite_metadata(pkg, lambda m: m.update(tables=[]))
    verify_error(pkg, "metadata.json: tables: expected an object, got []")


def test_metadata_that_is_a_folder(tmp_path):
    # reaching read_metadata only needs a SHA256SUMS file, so no export here
    pkg = tmp_path / "pkg"
    (pkg / layout.METADATA).mkdir(parents=True)
    (pkg / layout.CHECKSUMS).write_text("")
    verify_error(pkg, layout.METADATA)


# ---------------------------------------------------------------- contents behind valid checksums
def test_truncated_snapshot(seeded_repo, copies):
    pkg = copies("snapshot-cut-10")
    path = pkg / "qdrant" / "frames.snapshot"
    path.write_bytes(path.read_bytes()[:-10])
    fix_checksum(pkg, "qdrant/frames.snapshot")
    message = verify_error(pkg, "qdrant/frames.snapshot", "truncated")
    cli_error(seeded_repo, pkg, message)

    pkg = copies("snapshot-cut-half")
    path = pkg / "qdrant" / "sentence_story.snapshot"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    fix_checksum(pkg, "qdrant/sentence_story.snapshot")
    verify_error(pkg, "qdrant/sentence_story.snapshot: truncated")

    pkg = copies("points-differ")
    points = metadata_of(pkg)["collections"]["frames"]["points"]
    rewrite_metadata(pkg, lambda m: m["collections"]["frames"].update(points=points + 1))
    verify_error(pkg, f"has {points} points, metadata.json says {points + 1}")

    pkg = copies("vectors-differ")
    rewrite_metadata(pkg, lambda m: m["collections"]["frames"]["vectors"][0].update(size=511))
    verify_error(pkg, "qdrant/frames.snapshot: vector configuration differs from metadata.json")


def test_csv_row_removed(seeded_repo, copies):
    pkg = copies("row-removed")
    path = pkg / "face_detections.csv"
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    shortened = "".join(text.splitlines(keepends=True)[:-1])
    assert len(list(csv.reader(io.StringIO(shortened, newline="")))) == len(rows) - 1
    path.write_text(shortened, encoding="utf-8")
    fix_checksum(pkg, "face_detections.csv")
    expected = metadata_of(pkg)["tables"]["face_detections"]["rows"]
    assert expected == len(rows) - 1  # header + rows in the original
    message = verify_error(pkg, "face_detections.csv",
                           f"has {expected - 1} rows, metadata.json says {expected}")
    cli_error(seeded_repo, pkg, message)

    pkg = copies("columns-differ")
    path = pkg / "tkg_edges.csv"
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace("relation", "rel") + "\n" + rest, encoding="utf-8")
    fix_checksum(pkg, "tkg_edges.csv")
    verify_error(pkg, "tkg_edges.csv: columns", "differ from metadata.json")

    pkg = copies("missing-field")
    path = pkg / "identities.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rsplit(",", 1)[0] + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    fix_checksum(pkg, "identities.csv")
    verify_error(pkg, "identities.csv: row 1 has")

    pkg = copies("processor-json")
    path = pkg / "processors" / "yolo.json"
    path.write_bytes(path.read_bytes()[:-5])
    fix_checksum(pkg, "processors/yolo.json")
    verify_error(pkg, "processor yolo (processors/yolo.json): not valid JSON")


def test_large_field_exports_and_verifies(seeded_repo, tmp_path):
    seeded_repo.sql(
        "UPDATE dev.tkg_nodes SET props = jsonb_build_object('text', repeat('x', 200000)) "
        "WHERE id = (SELECT min(id) FROM dev.tkg_nodes WHERE file_uuid = %s)", (U,))
    out = tmp_path / "pkg"
    seeded_repo.ok("file", "export", "--uuid", U, "--version", VERSION, "--out", str(out))
    verify_package(out)


# ---------------------------------------------------------------- not a package folder
def test_package_path_is_a_file(tmp_path):
    path = tmp_path / "package.tar"
    path.write_bytes(b"not a folder")
    message = verify_error(path, f"{path}: no such package folder")
    assert bare_cli_error("file", "verify", str(path), cwd=tmp_path) == f"momrel: error: {message}"


def test_package_path_does_not_exist(tmp_path):
    path = tmp_path / "nowhere" / U / VERSION
    message = verify_error(path, f"{path}: no such package folder")
    assert bare_cli_error("file", "verify", str(path), "--json", cwd=tmp_path) == \
        f"momrel: error: {message}"
