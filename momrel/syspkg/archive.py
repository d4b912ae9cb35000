"""source.tar.gz: the files of the source tree at a commit, byte-for-byte reproducible.

Exactly the files of `git ls-tree -r` at the commit (no work tree, so no untracked, ignored or
built files), in git's order, each with the commit's time as mtime, mode 0644 or 0755, owner
0:0 with no owner names, symbolic links as links; no folder entries (extraction makes them). The
gzip layer stores no name and no timestamp. Building the same commit twice, on any day, gives the
same bytes; the sha256 of the uncompressed tar is recorded too, because gzip's bytes depend on the
zlib build while the tar's do not.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass

from momrel.errors import MomrelError
from momrel.gitrepo import Repository

FILE_NAME = "source.tar.gz"
GZIP_LEVEL = 9
MODES = {"100644": 0o644, "100755": 0o755, "120000": 0o777}


@dataclass(frozen=True)
class SourceArchive:
    data: bytes          # the .tar.gz
    tar_sha256: str      # of the uncompressed tar
    files: int


def build_archive(repo: Repository, commit: str, mtime: int) -> SourceArchive:
    entries = repo.tree_entries(commit)
    submodules = [e.path for e in entries if e.kind != "blob"]
    if submodules:
        raise MomrelError(f"{repo.root.name} at {commit[:12]}: {submodules[0]} is a submodule; "
                          "a source package cannot hold another repository's files")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            content = repo.read_blob(entry.sha)
            info = tarfile.TarInfo(entry.path)
            info.mtime = mtime
            info.mode = MODES.get(entry.mode, 0o644)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if entry.mode == "120000":
                info.type = tarfile.SYMTYPE
                info.linkname = content.decode("utf-8", "surrogateescape")
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, compresslevel=GZIP_LEVEL, mtime=0) as out:
        out.write(tar_bytes)
    return SourceArchive(packed.getvalue(), hashlib.sha256(tar_bytes).hexdigest(), len(entries))


def link_escapes(name: str, target: str) -> bool:
    """Whether a link at `name` (archive-relative) pointing at `target` leads outside the tree
    it is unpacked in, step by step from the link's own folder (`docs/readme -> ../README.md`
    stays inside); an absolute, empty or NUL-holding target always does. Verify and unpack
    share it, so what verify passes unpacks."""
    if not target or target.startswith("/") or "\x00" in target:
        return True
    depth = len(name.split("/")) - 1
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False
