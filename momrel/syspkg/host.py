"""A host's Momentry folder (APP_DIR), laid out as Capistrano lays out an application:

    releases/{version}/     source.tar.gz unpacked, plus the env file, scripts/ and the smoke test
    current -> releases/{version}    a relative symlink, switched atomically (new link + rename)
    shared/env              host-only variables, appended over the package's env file
    run/                    the service's pid and output (deploy/restart.sh's MOMENTRY_RUN_DIR)
    logs/                   one log per upgrade step run
    .momrel-app.json        the environment this host runs ({"environment": "dev"})
    .momrel-upgrade.lock    held while an upgrade runs; holds the holder's pid

A package is input from outside: source.tar.gz is unpacked member by member after checking that
none can write or point outside the release folder, and a release folder appears complete or not
at all (built under a hidden name, then renamed).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import os
import shutil
import stat
import tarfile
import time
from pathlib import Path
from typing import Iterable, Iterator

from momrel.bundle.members import PackageFolder, safe_relative
from momrel.errors import MomrelError, UsageError
from momrel.gitrepo import Version
from momrel.syspkg import archive
from momrel.syspkg.release import ReleaseFacts

RELEASES = "releases"
CURRENT = "current"
SHARED_ENV = "shared/env"
RUN = "run"
LOGS = "logs"
APP_FILE = ".momrel-app.json"
LOCK_FILE = ".momrel-upgrade.lock"
# The new link `current` is replaced with; a leftover of an interrupted switch is removed first.
CURRENT_TMP = ".current.tmp"
# Hidden names inside releases/: never listed as releases, cleared by the next unpack.
STAGING_PREFIX = ".staging-"
TRASH_PREFIX = ".trash-"


class AppDir:
    def __init__(self, path: Path):
        self.path = Path(path).absolute()

    # ------------------------------------------------------------ places
    @property
    def releases_dir(self) -> Path:
        return self.path / RELEASES

    @property
    def run_dir(self) -> Path:
        return self.path / RUN

    @property
    def logs_dir(self) -> Path:
        return self.path / LOGS

    @property
    def shared_env(self) -> Path:
        return self.path / SHARED_ENV

    def release_dir(self, version: str) -> Path:
        return self.releases_dir / _release_name(version)

    def log(self, step: str, version: str) -> Path:
        """A new log file for one run of a step: logs/{UTC time}-{version}-{step}.log (a suffix
        when the same step runs twice in a second, as a restart and its undo may)."""
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{_release_name(version)}-{step}"
        for attempt in range(1, 1000):
            path = self.logs_dir / (f"{stem}.log" if attempt == 1 else f"{stem}-{attempt}.log")
            try:
                path.touch(exist_ok=False)
                return path
            except FileExistsError:
                continue
        raise MomrelError(f"{self.logs_dir}: cannot make a new log for {step}")

    # ------------------------------------------------------------ the lock
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One upgrade at a time on this folder: an exclusive, non-blocking fcntl.flock on
        .momrel-upgrade.lock, with the holder's pid written inside for the refusal message.

        The kernel releases a flock when its holder exits, however it exits: a lock file left
        by a killed upgrade is simply taken by the next one, with no stale-pid guessing. The
        descriptor is not inheritable (Python's default), so the service a restart leaves
        running never holds the lock on momrel's behalf."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock_path = self.path / LOCK_FILE
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise MomrelError(f"{lock_path}: cannot lock ({exc.strerror})") from None
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                raise MomrelError(f"{self.path}: an upgrade is already running (pid {holder})") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)

    # ------------------------------------------------------------ the environment
    def environment(self) -> str | None:
        """The environment the first upgrade claimed, or None on a new host."""
        path = self.path / APP_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise MomrelError(f"{path}: unreadable ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("environment"), str):
            raise MomrelError(f"{path}: has no environment name")
        return data["environment"]

    def claim(self, environment: str) -> None:
        """Record the environment on a new host; on a claimed one, refuse another."""
        claimed = self.environment()
        if claimed == environment:
            return
        if claimed is not None:
            raise UsageError(f"{self.path} runs the {claimed} environment, not {environment}")
        self.path.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.path / APP_FILE,
                          (json.dumps({"environment": environment}) + "\n").encode("utf-8"))

    # ------------------------------------------------------------ releases
    def current(self) -> str | None:
        """The version `current` points at; None when there is no current release."""
        link = self.path / CURRENT
        try:
            target = os.readlink(link)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                raise MomrelError(f"{link} is not a symlink: move it away") from None
            raise MomrelError(f"{link}: {exc.strerror}") from None
        parts = Path(target).parts
        if len(parts) != 2 or parts[0] != RELEASES or Version.parse(parts[1]) is None:
            raise MomrelError(f"{link} points at {target}, not at {RELEASES}/VERSION")
        return parts[1]

    def releases(self) -> list[str]:
        """The release folders, oldest version first."""
        if not self.releases_dir.is_dir():
            return []
        found = [p.name for p in self.releases_dir.iterdir()
                 if Version.parse(p.name) is not None and p.is_dir() and not p.is_symlink()]
        return sorted(found, key=lambda name: (Version.parse(name), name))

    def unpack(self, package_dir: Path, facts: ReleaseFacts) -> Path:
        """releases/{version}/ from a package: source.tar.gz, then the env file (with
        shared/env appended), scripts/ and the smoke test. Built under a hidden name and renamed
        into place; an existing folder of that version is replaced unless it is current."""
        version = _release_name(facts.version)
        target = self.release_dir(version)
        if self.current() == version:
            raise MomrelError(f"releases/{version} is the current release of {self.path}: "
                              "it is not replaced")
        self.releases_dir.mkdir(parents=True, exist_ok=True)
        staging = self.releases_dir / f"{STAGING_PREFIX}{version}"
        _remove_tree(staging)
        staging.mkdir(mode=0o755)
        try:
            with PackageFolder(Path(package_dir)) as package:
                with package.open(archive.FILE_NAME) as source:
                    extract_source(source.read(), staging)
                env_file = safe_relative(facts.env_file, facts.env_file)
                with package.open(str(env_file)) as member:
                    env_data = member.read()
                _place(staging, env_file, env_data + self._shared_env_lines(), 0o644)
                for relative in [*facts.scripts, facts.smoke_test]:
                    path = safe_relative(relative, relative)
                    with package.open(str(path)) as member:
                        _place(staging, path, member.read(), 0o755)
            if target.exists() or target.is_symlink():
                trash = self.releases_dir / f"{TRASH_PREFIX}{version}"
                _remove_tree(trash)
                os.rename(target, trash)
                os.rename(staging, target)
                _remove_tree(trash)
            else:
                os.rename(staging, target)
        except BaseException:
            _remove_tree(staging)
            raise
        return target

    def _shared_env_lines(self) -> bytes:
        """shared/env as lines to append: a parser reading the file top to bottom lets them win."""
        try:
            shared = self.shared_env.read_bytes()
        except FileNotFoundError:
            return b""
        if not shared.strip():
            return b""
        return b"\n# shared/env (this host's own variables; later lines win)\n" + shared.rstrip(b"\n") + b"\n"

    def remove_release(self, version: str) -> None:
        """Delete a release folder (an unpack undone); never the current one."""
        if self.current() == _release_name(version):
            raise MomrelError(f"releases/{version} is the current release of {self.path}: not removed")
        _remove_tree(self.release_dir(version))

    def switch(self, version: str | None) -> None:
        """Point `current` at releases/{version} in one rename, so it is never missing;
        None leaves the host with no current release."""
        link = self.path / CURRENT
        if version is None:
            if link.exists() and not link.is_symlink():
                raise MomrelError(f"{link} is not a symlink: move it away")
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            _sync_folder(self.path)
            return
        name = _release_name(version)
        if not self.release_dir(name).is_dir():
            raise MomrelError(f"{self.path}: no release folder releases/{name} to switch to")
        if link.exists() and not link.is_symlink():
            raise MomrelError(f"{link} is not a symlink: move it away")
        temporary = self.path / CURRENT_TMP
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        os.symlink(f"{RELEASES}/{name}", temporary)
        os.replace(temporary, link)
        _sync_folder(self.path)

    def prune(self, keep: int, protect: Iterable[str | None] = ()) -> list[str]:
        """Delete the oldest releases beyond `keep`; never current nor those in `protect` (the
        release a rollback returns to). Returns the versions deleted."""
        releases = self.releases()
        kept = {self.current(), *protect} - {None}
        excess = len(releases) - max(keep, 0)
        deleted = []
        for version in releases:
            if excess <= 0:
                break
            if version in kept:
                continue
            _remove_tree(self.release_dir(version))
            deleted.append(version)
            excess -= 1
        return deleted


# ---------------------------------------------------------------- unpacking source.tar.gz
def extract_source(data: bytes, destination: Path) -> int:
    """Unpack a gzip'd tar into `destination`, refusing the whole archive if any member could
    escape it: an absolute path or `..`, a symlink whose target resolves outside, a member
    under a symlink (written through it), a hard link, a device or fifo. tarfile's "data" filter
    checks again while extracting; after it, every link is resolved on disk once more."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = tar.getmembers()
            # Every link first: a member listed before the link it would be written through
            # is refused too.
            links = {member.name for member in members if member.issym()}
            for member in members:
                _check_member(member, links)
            tar.extractall(destination, members=members, filter="data")
    except tarfile.TarError as exc:
        raise MomrelError(f"{archive.FILE_NAME}: {exc}") from None
    root = os.path.realpath(destination)
    for member in members:
        if member.issym():
            resolved = os.path.realpath(destination / member.name)
            if os.path.commonpath([root, resolved]) != root:
                raise MomrelError(f"{archive.FILE_NAME}: link {member.name} resolves outside the "
                                  f"release folder ({member.linkname})")
    return len(members)


def _check_member(member: tarfile.TarInfo, links: set[str]) -> None:
    name = str(safe_relative(member.name.rstrip("/") if member.isdir() else member.name,
                             archive.FILE_NAME))
    parents = name.split("/")[:-1]
    for index in range(1, len(parents) + 1):
        if "/".join(parents[:index]) in links:
            raise MomrelError(f"{archive.FILE_NAME}: {name} lies under the link {'/'.join(parents[:index])}")
    if member.islnk():
        raise MomrelError(f"{archive.FILE_NAME}: {name} is a hard link (refused)")
    if member.issym():
        if archive.link_escapes(name, member.linkname):
            raise MomrelError(f"{archive.FILE_NAME}: link {name} points outside ({member.linkname})")
    elif not (member.isfile() or member.isdir()):
        raise MomrelError(f"{archive.FILE_NAME}: {name} is not a file, folder or link (refused)")


# ---------------------------------------------------------------- small file helpers
def _release_name(version: str) -> str:
    """A version as a folder name: a release version only (it names a path on the host)."""
    if Version.parse(version) is None or "/" in version:
        raise MomrelError(f"{version!r} is not a release version")
    return version


def _place(root: Path, relative, data: bytes, mode: int) -> None:
    """Write a package file into the staged release, replacing what the source tree had there
    (never through a link the archive made)."""
    target = root / relative
    for parent in reversed(target.relative_to(root).parents):
        folder = root / parent
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise MomrelError(f"{relative}: {parent} in the release folder is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.is_dir():
        raise MomrelError(f"{relative}: the source tree has a link or folder there")
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(target, mode)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _remove_tree(path: Path) -> None:
    """Delete a folder (or a file or link in its place); nothing there is fine. Modes are
    loosened first: a source tree may hold read-only folders."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        path.unlink()
        return

    def retry_writable(function, failed, _exc):
        os.chmod(os.path.dirname(failed), 0o755)
        function(failed)

    shutil.rmtree(path, onerror=retry_writable)


def _sync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
