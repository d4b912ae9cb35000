"""SHA256SUMS: the sha256 of every file of a package but itself, one line a file, in the
text-mode format of GNU coreutils, so `sha256sum -c --strict SHA256SUMS` checks a package
without momrel:

    <64 lower-case hex digits><two spaces><path relative to the package folder, with />\\n

Lines are sorted by path (code-point order). A package comes from outside, so reading refuses
a malformed line, a path listed twice and a path that could leave the package folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from momrel.bundle import CHUNK
from momrel.bundle.members import safe_relative
from momrel.errors import MomrelError

FILE_NAME = "SHA256SUMS"
# A package lists a few dozen files; a larger SHA256SUMS is refused rather than held in memory.
MAX_BYTES = 1024 * 1024

_HEX = frozenset("0123456789abcdef")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def of_folder(folder: Path) -> dict[str, str]:
    """The sha256 of every file under `folder` (one we wrote), by relative POSIX path."""
    return {path.relative_to(folder).as_posix(): sha256_file(path)
            for path in folder.rglob("*") if path.is_file()}


def render(checksums: dict[str, str]) -> bytes:
    return "".join(f"{checksums[p]}  {p}\n" for p in sorted(checksums)).encode()


def parse(text: str, label: str) -> dict[str, str]:
    """Relative path -> sha256 from the text of a SHA256SUMS; a problem is one MomrelError
    line naming `label` and, for a malformed line, its number."""
    result = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, path = line.partition("  ")
        if not sep or len(digest) != 64 or not _HEX.issuperset(digest) or not path:
            raise MomrelError(f"{label} line {number}: malformed")
        if path in result:
            raise MomrelError(f"{label} line {number}: {path} listed twice")
        result[path] = digest
    for path in result:
        safe_relative(path, label)
    return result


def decode(data: bytes, label: str) -> dict[str, str]:
    """`parse` on the bytes of a SHA256SUMS, which must be UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MomrelError(f"{label}: not valid UTF-8") from None
    return parse(text, label)
