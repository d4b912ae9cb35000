"""The files of a package folder, read safely: regular files only, never through a link, each
hashed while it is read and, for an import, copied as read into a private folder.

A package comes from outside. Opening a FIFO blocks forever, a device never ends, and a link
leads anywhere, so every member is checked with lstat when listed and opened with O_NOFOLLOW
relative to the folder's own descriptor, then checked again with fstat on what was actually
opened. The bytes a check reads are the bytes hashed, and the bytes copied: an import loads
the private copy, so a package changed after its verification cannot change what is loaded.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from pathlib import Path, PurePosixPath

from momrel.bundle import CHUNK
from momrel.errors import MomrelError

# A package holds a few dozen files in at most one level of folders.
MAX_MEMBERS = 10_000
MAX_FOLDER_DEPTH = 4

_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_OPEN_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symlink"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def safe_relative(path: str, label: str) -> PurePosixPath:
    """A package-relative path that cannot escape the package folder: not absolute, no `..`,
    `.` or empty component, no backslash (a separator elsewhere), no NUL."""
    pure = PurePosixPath(path)
    if (not path or pure.is_absolute() or "\\" in path or "\x00" in path
            or any(p in ("..", ".", "") for p in path.split("/"))):
        raise MomrelError(f"{label}: path {path!r} escapes the package folder")
    return pure


class PackageFolder:
    """An open package folder. Use as a context manager; members are read with `open`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._fd = os.open(self.path, _OPEN_DIR)
        except FileNotFoundError:
            raise MomrelError(f"{self.path}: no such package folder") from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                if self.path.is_symlink():
                    raise MomrelError(f"{self.path}: is a symlink, not a package folder") from None
                raise MomrelError(f"{self.path}: no such package folder (not a folder)") from None
            raise MomrelError(f"{self.path}: cannot open ({exc.strerror})") from None

    def __enter__(self) -> "PackageFolder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def files(self) -> dict[str, int]:
        """Every regular file (relative POSIX path -> size); anything else is refused."""
        found: dict[str, int] = {}
        self._walk(self._fd, "", 0, found)
        return found

    def _walk(self, fd: int, prefix: str, level: int, found: dict[str, int]) -> None:
        with os.scandir(fd) as entries:
            for entry in entries:
                relative = prefix + entry.name
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    if level + 1 >= MAX_FOLDER_DEPTH:
                        raise MomrelError(f"{self.path}: {relative} is nested too deeply")
                    sub = self._open_dir(fd, entry.name, relative)
                    try:
                        self._walk(sub, relative + "/", level + 1, found)
                    finally:
                        os.close(sub)
                elif stat.S_ISREG(info.st_mode):
                    found[relative] = info.st_size
                    if len(found) > MAX_MEMBERS:
                        raise MomrelError(f"{self.path}: more than {MAX_MEMBERS:,} files")
                else:
                    raise MomrelError(f"{self.path}: {relative} is {_kind(info.st_mode)} "
                                      "(packages hold only regular files)")

    def _open_dir(self, parent: int, name: str, relative: str) -> int:
        try:
            return os.open(name, _OPEN_DIR, dir_fd=parent)
        except FileNotFoundError:
            raise MomrelError(f"{self.path}: {relative} is missing") from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
                raise MomrelError(f"{self.path}: {relative} is {_kind(mode)}, not a folder "
                                  "(packages hold only regular files)") from None
            raise MomrelError(f"{self.path}: cannot open {relative} ({exc.strerror})") from None

    def open(self, relative: str, copy_to: Path | None = None) -> "MemberReader":
        """Open a regular file of the package for reading (hashed; copied under `copy_to`)."""
        parts = safe_relative(relative, str(self.path)).parts
        fd, opened = self._fd, []
        try:
            for index, part in enumerate(parts[:-1]):
                fd = self._open_dir(fd, part, "/".join(parts[:index + 1]))
                opened.append(fd)
            try:
                member = os.open(parts[-1], _OPEN_FILE, dir_fd=fd)
            except FileNotFoundError:
                raise MomrelError(f"{self.path}: {relative} is missing") from None
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise MomrelError(f"{self.path}: {relative} is a symlink "
                                      "(packages hold only regular files)") from None
                raise MomrelError(f"{self.path}: cannot open {relative} ({exc.strerror})") from None
        finally:
            for descriptor in opened:
                os.close(descriptor)
        mode = os.fstat(member).st_mode
        if not stat.S_ISREG(mode):
            os.close(member)
            raise MomrelError(f"{self.path}: {relative} is {_kind(mode)} "
                              "(packages hold only regular files)")
        return MemberReader(os.fdopen(member, "rb", buffering=CHUNK), relative, copy_to)


class MemberReader:
    """A binary reader that hashes (and optionally copies) every byte handed out."""

    def __init__(self, raw, relative: str, copy_to: Path | None):
        self._raw = raw
        self.relative = relative
        self._sha256 = hashlib.sha256()
        self.size = 0
        self._copy = None
        if copy_to is not None:
            target = copy_to / relative
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._copy = open(target, "xb", buffering=CHUNK)

    def _seen(self, data: bytes) -> bytes:
        self._sha256.update(data)
        self.size += len(data)
        if self._copy is not None:
            self._copy.write(data)
        return data

    def read(self, n: int = -1) -> bytes:
        return self._seen(self._raw.read(n))

    def readline(self, limit: int = -1) -> bytes:
        return self._seen(self._raw.readline(limit))

    def finish(self) -> str:
        """Read whatever the check left unread; return the sha256 of the whole file."""
        for block in iter(lambda: self._raw.read(CHUNK), b""):
            self._seen(block)
        return self._sha256.hexdigest()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._raw.close()
        if self._copy is not None:
            self._copy.close()

    def __enter__(self) -> "MemberReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
