"""A package folder built in a hidden sibling folder, then published by a rename, so a failure
(bad input, database error, Ctrl-C) never leaves a partial package where readers look.

The folder under construction is `.{destination name}.tmp-XXXXXXXX` beside the destination
(the rename must stay on one file system); only a hard kill can leave one behind. Publishing
over an existing folder moves it aside to `.{destination name}.old-{pid}` first and deletes it
once the new one is in place; between the two renames the destination briefly does not exist.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from momrel.bundle import sha256sums
from momrel.bundle.members import safe_relative
from momrel.errors import MomrelError


def refuse_non_folder(destination: Path, what: str) -> None:
    """`destination` is a folder or nothing yet: a link (publishing would follow or replace it)
    or a file is refused, naming it as the `what` it should be."""
    if destination.is_symlink() or (destination.exists() and not destination.is_dir()):
        raise MomrelError(f"{destination} exists and is not a {what}")


class StagedFolder:
    """A folder being built for `destination`. Use as a context manager: write into `path`,
    then `publish()`; a block that ends with an error, or without publishing, deletes it."""

    def __init__(self, destination: Path):
        self.destination = Path(destination)
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.destination.name}.tmp-",
                                          dir=self.destination.parent))
        self.published = False

    def __enter__(self) -> "StagedFolder":
        return self

    def __exit__(self, *exc) -> None:
        if not self.published:
            shutil.rmtree(self.path, ignore_errors=True)

    def open(self, relative: str) -> BinaryIO:
        """A file of the folder, opened for writing (its folders are made)."""
        path = self.path / safe_relative(relative, str(self.destination))
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb")

    def write(self, relative: str, data: bytes) -> None:
        with self.open(relative) as out:
            out.write(data)

    def write_checksums(self) -> None:
        """SHA256SUMS of every file written so far: written last, it covers them all."""
        self.write(sha256sums.FILE_NAME, sha256sums.render(sha256sums.of_folder(self.path)))

    def publish(self) -> None:
        self.path.chmod(0o755)  # mkdtemp makes it 0700; packages are meant to be read
        _swap_into_place(self.path, self.destination)
        self.published = True


def _swap_into_place(staging: Path, destination: Path) -> None:
    """Rename the finished folder into place; an existing one is moved aside first and put
    back if the second rename fails."""
    if not destination.exists():
        staging.rename(destination)
        return
    retired = destination.with_name(f".{destination.name}.old-{os.getpid()}")
    destination.rename(retired)
    try:
        staging.rename(destination)
    except BaseException:
        with contextlib.suppress(OSError):
            retired.rename(destination)
        raise
    shutil.rmtree(retired, ignore_errors=True)
