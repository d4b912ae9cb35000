"""momrel.bundle, the packaging primitives, on real files in tmp_path (no server, a second or so).

The end-to-end guarantees (export, verify, import against tampered and hostile packages) are
in test_export.py, test_verify.py, test_import_untrusted.py, test_import_faults.py and
test_package_fuzz.py; these check each primitive on its own, failures included.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from momrel.bundle import atomic, sha256sums
from momrel.bundle.formats import DocumentFormat
from momrel.bundle.members import PackageFolder, safe_relative
from momrel.bundle.publish import StagedFolder, refuse_non_folder
from support import raises_momrel_error


class Boom(Exception):
    pass


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------- atomic
def test_write_bytes_creates_and_replaces(tmp_path):
    target = tmp_path / "fingerprint.json"
    atomic.write_bytes(target, b"one\n")
    atomic.write_bytes(target, b"two\n", durable=True)
    assert target.read_bytes() == b"two\n"
    assert mode(target) == 0o644
    assert names(tmp_path) == ["fingerprint.json"]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "journal.json"
    target.write_bytes(b"old")
    with pytest.raises(Boom):
        with atomic.replacing(target, durable=True) as out:
            out.write(b"half of the new")
            raise Boom
    assert target.read_bytes() == b"old"
    assert names(tmp_path) == ["journal.json"]
    assert atomic.leftovers(target) == []


def test_copy_into_place_failing_before_the_rename(tmp_path):
    source, target = tmp_path / "new.json", tmp_path / "out" / "U.asr.json"
    source.write_bytes(b"new")
    target.parent.mkdir()
    target.write_bytes(b"old")

    def fail():
        assert len(atomic.leftovers(target)) == 1  # the complete copy, not yet renamed
        raise Boom

    with pytest.raises(Boom):
        atomic.copy_into_place(source, target, before_rename=fail)
    assert target.read_bytes() == b"old"
    assert names(target.parent) == ["U.asr.json"]

    with pytest.raises(FileNotFoundError):
        atomic.copy_into_place(tmp_path / "missing", target)
    assert names(target.parent) == ["U.asr.json"]


def test_copy_into_place_takes_mode_and_times_from_like(tmp_path):
    saved, target = tmp_path / "saved", tmp_path / "U.asr.json"
    saved.write_bytes(b"before the import")
    saved.chmod(0o640)
    os.utime(saved, (1_000_000_000, 1_000_000_000))
    target.write_bytes(b"written by the import")
    atomic.copy_into_place(saved, target, like=saved)
    assert target.read_bytes() == b"before the import"
    assert mode(target) == 0o640
    assert target.stat().st_mtime == 1_000_000_000

    atomic.copy_into_place(saved, target)
    assert mode(target) == 0o644


def test_leftovers_are_the_temporaries_of_one_destination(tmp_path):
    target = tmp_path / "U.asr.json"
    (tmp_path / ".U.asr.json.k1ll3d00").write_bytes(b"")
    (tmp_path / ".U.cut.json.k1ll3d00").write_bytes(b"")
    assert atomic.leftovers(target) == [tmp_path / ".U.asr.json.k1ll3d00"]


# ---------------------------------------------------------------- publish
def test_staged_folder_is_published_whole(tmp_path):
    destination = tmp_path / "release" / "1.0.0"
    with StagedFolder(destination) as staging:
        assert staging.path.parent == destination.parent
        assert staging.path.name.startswith(".1.0.0.tmp-")
        staging.write("a.csv", b"x\n")
        with staging.open("qdrant/frames.snapshot") as out:
            out.write(b"points")
        assert not destination.exists()
        staging.write_checksums()
        staging.publish()
    assert names(destination.parent) == ["1.0.0"]
    assert mode(destination) == 0o755
    assert (destination / "qdrant" / "frames.snapshot").read_bytes() == b"points"
    sums = sha256sums.parse((destination / "SHA256SUMS").read_text(), "SHA256SUMS")
    assert sums == {"a.csv": hashlib.sha256(b"x\n").hexdigest(),
                    "qdrant/frames.snapshot": hashlib.sha256(b"points").hexdigest()}
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "-c", "--strict", "--quiet", "SHA256SUMS"],
                       cwd=destination, check=True)


def test_staged_folder_is_removed_on_failure_or_without_publish(tmp_path):
    destination = tmp_path / "1.0.0"
    with pytest.raises(Boom):
        with StagedFolder(destination) as staging:
            staging.write("a.csv", b"x\n")
            raise Boom
    with StagedFolder(destination) as staging:
        staging.write("a.csv", b"x\n")  # e.g. the content is unchanged: nothing to publish
    assert names(tmp_path) == []


def test_publishing_replaces_an_existing_folder(tmp_path):
    destination = tmp_path / "1.0.0"
    destination.mkdir()
    (destination / "old.csv").write_bytes(b"old")
    with StagedFolder(destination) as staging:
        staging.write("new.csv", b"new")
        staging.publish()
    assert names(destination) == ["new.csv"]
    assert names(tmp_path) == ["1.0.0"]  # neither the staging folder nor the old one is left


def test_staged_folder_refuses_a_path_leaving_it(tmp_path):
    with StagedFolder(tmp_path / "1.0.0") as staging:
        with raises_momrel_error(1, match="'../x' escapes the package folder"):
            staging.open("../x")
    assert names(tmp_path) == []


def test_refuse_non_folder(tmp_path):
    refuse_non_folder(tmp_path / "not-yet", "package folder")
    refuse_non_folder(tmp_path, "package folder")
    (tmp_path / "file").write_bytes(b"")
    os.symlink(tmp_path, tmp_path / "link")
    for name in ("file", "link"):
        with raises_momrel_error(1, match=f"{name} exists and is not a package folder$"):
            refuse_non_folder(tmp_path / name, "package folder")


# ---------------------------------------------------------------- SHA256SUMS
def test_checksums_round_trip_in_code_point_order(tmp_path):
    sums = {"datapackage.json": "a" * 64, "RELEASE_INFO.txt": "b" * 64, "qdrant/f.snapshot": "c" * 64}
    text = sha256sums.render(sums)
    assert text == (f"{'b' * 64}  RELEASE_INFO.txt\n{'a' * 64}  datapackage.json\n"
                    f"{'c' * 64}  qdrant/f.snapshot\n").encode()
    assert sha256sums.decode(text, "SHA256SUMS") == sums
    assert sha256sums.parse("", "SHA256SUMS") == {}

    (tmp_path / "data.bin").write_bytes(b"\x00" * 3_000_000)
    assert sha256sums.sha256_file(tmp_path / "data.bin") == \
        hashlib.sha256(b"\x00" * 3_000_000).hexdigest()


@pytest.mark.parametrize("line, message", [
    (f"{'a' * 64} one-space", "line 2: malformed"),
    (f"{'a' * 63}  short", "line 2: malformed"),
    (f"{'A' * 64}  upper-case", "line 2: malformed"),
    (f"{'g' * 64}  not-hex", "line 2: malformed"),
    (f"{'a' * 64}  ", "line 2: malformed"),
    (f"{'a' * 64}  first.csv", "line 2: first.csv listed twice"),
    (f"{'a' * 64}  ../escape", "path '../escape' escapes the package folder"),
    (f"{'a' * 64}  /etc/passwd", "path '/etc/passwd' escapes the package folder"),
    (f"{'a' * 64}  qdrant//f.snapshot", "escapes the package folder"),
    (f"{'a' * 64}  qdrant/./f.snapshot", "escapes the package folder"),
    (f"{'a' * 64}  qdrant\\f.snapshot", "escapes the package folder"),
])
def test_malformed_checksum_lines_are_refused(line, message):
    with raises_momrel_error(1) as info:
        sha256sums.parse(f"{'b' * 64}  first.csv\n{line}\n", "pkg/SHA256SUMS")
    assert str(info.value).startswith("pkg/SHA256SUMS")
    assert message in str(info.value)


def test_a_malformed_line_is_reported_before_an_unsafe_path():
    text = f"{'a' * 64}  ../escape\nnot a checksum line\n"
    with raises_momrel_error(1, match="line 2: malformed"):
        sha256sums.parse(text, "SHA256SUMS")


def test_checksums_must_be_utf8():
    with raises_momrel_error(1, match="^SHA256SUMS: not valid UTF-8$"):
        sha256sums.decode(f"{'a' * 64}  caf".encode() + b"\xe9\n", "SHA256SUMS")


# ---------------------------------------------------------------- safe paths and links
def test_safe_relative():
    assert safe_relative("qdrant/frames.snapshot", "x").parts == ("qdrant", "frames.snapshot")
    for bad in ("", ".", "..", "a/..", "a/./b", "/a", "a//b", "a/", "a\\b", "a\x00b"):
        with raises_momrel_error(1, match="^x: path .* escapes the package folder$"):
            safe_relative(bad, "x")


def test_package_folder_reads_regular_files_and_hashes_and_copies_them(tmp_path):
    package = tmp_path / "pkg"
    (package / "qdrant").mkdir(parents=True)
    (package / "a.csv").write_bytes(b"x\n")
    (package / "qdrant" / "f.snapshot").write_bytes(b"points")
    copy = tmp_path / "copy"
    with PackageFolder(package) as folder:
        assert folder.files() == {"a.csv": 2, "qdrant/f.snapshot": 6}
        with folder.open("qdrant/f.snapshot", copy_to=copy) as reader:
            assert reader.read(3) == b"poi"
            assert reader.finish() == hashlib.sha256(b"points").hexdigest()
    assert (copy / "qdrant" / "f.snapshot").read_bytes() == b"points"


def test_package_folder_refuses_links_and_special_files(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "real.json").write_bytes(b"{}")

    os.symlink(outside / "secret", package / "link.json")
    with PackageFolder(package) as folder:
        with raises_momrel_error(1, match="link.json is a symlink"):
            folder.files()
        with raises_momrel_error(1, match="link.json is a symlink"):
            folder.open("link.json")  # opened with O_NOFOLLOW, not only listed with lstat
        with raises_momrel_error(1, match="escapes the package folder"):
            folder.open("../outside/secret")
    (package / "link.json").unlink()

    os.symlink(outside, package / "qdrant")
    with PackageFolder(package) as folder:
        with raises_momrel_error(1, match="qdrant is a symlink"):
            folder.open("qdrant/secret")
    (package / "qdrant").unlink()

    os.mkfifo(package / "fifo.json")
    with PackageFolder(package) as folder:
        with raises_momrel_error(1, match="fifo.json is a FIFO"):
            folder.files()
        with raises_momrel_error(1, match="fifo.json is a FIFO"):
            folder.open("fifo.json")  # O_NONBLOCK: refused, not waited on

    os.symlink(package, tmp_path / "link-to-pkg")
    with raises_momrel_error(1, match="is a symlink, not a package folder"):
        PackageFolder(tmp_path / "link-to-pkg")
    with raises_momrel_error(1, match="no such package folder"):
        PackageFolder(tmp_path / "missing")


# ---------------------------------------------------------------- format stamps
FORMAT = DocumentFormat("momrel-test-package", 2, "momrel test package")


def test_format_stamp_and_name():
    assert FORMAT.stamp() == {"format": "momrel-test-package", "format_version": 2}
    assert str(FORMAT) == "momrel-test-package 2"
    FORMAT.check({**FORMAT.stamp(), "other": 1}, "release.json")
    assert FORMAT.problem(FORMAT.stamp()) is None


@pytest.mark.parametrize("document, message", [
    ({"format": "momrel-file-package", "format_version": 2},
     "release.json: not a momrel test package (format is not 'momrel-test-package')"),
    ({"format_version": 2},
     "release.json: not a momrel test package (format is not 'momrel-test-package')"),
    (["momrel-test-package", 2],
     "release.json: not a momrel test package (format is not 'momrel-test-package')"),
    ({"format": "momrel-test-package", "format_version": 3},
     "release.json: unsupported format_version 3 (this momrel reads 2)"),
    ({"format": "momrel-test-package", "format_version": "2"},
     "release.json: unsupported format_version '2' (this momrel reads 2)"),
    ({"format": "momrel-test-package"},
     "release.json: unsupported format_version None (this momrel reads 2)"),
])
def test_format_check_messages(document, message):
    with raises_momrel_error(1) as info:
        FORMAT.check(document, "release.json")
    assert str(info.value) == message
