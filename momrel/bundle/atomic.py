"""Files replaced atomically: written under a temporary name beside the destination, then
renamed over it, so a reader sees the old file or the new one, never a part of either.

The temporary name is `.{destination name}.XXXXXXXX` in the destination's folder (the rename
must stay on one file system); a failure removes it, and `leftovers` finds those a killed
process could not remove.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from momrel.bundle import CHUNK

# A replaced file is meant to be read by others; mkstemp would leave it 0600.
MODE = 0o644


@contextlib.contextmanager
def replacing(destination: Path, like: Path | None = None,
              durable: bool = False) -> Iterator[BinaryIO]:
    """A binary file for the new content of `destination`: it replaces `destination` when the
    block ends without an error and is removed when it does not. Permissions and times come
    from `like` when given, else the file is 0644. `durable` syncs the content to disk before
    the rename, for files that recovery after a crash relies on."""
    fd, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            if durable:
                out.flush()
                os.fsync(out.fileno())
        if like is not None:
            shutil.copystat(like, tmp)
        else:
            os.chmod(tmp, MODE)
        os.replace(tmp, destination)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(destination: Path, data: bytes, durable: bool = False) -> None:
    """Replace `destination` with `data` (0644)."""
    with replacing(destination, durable=durable) as out:
        out.write(data)


def copy_into_place(source: Path, destination: Path, like: Path | None = None,
                    before_rename: Callable[[], None] | None = None) -> None:
    """Copy `source` over `destination`. Permissions and times come from `like` when given,
    else the file is 0644. `before_rename` runs once the copy is complete (tests kill there)."""
    with replacing(destination, like) as out, source.open("rb") as data:
        shutil.copyfileobj(data, out, CHUNK)
        if before_rename is not None:
            before_rename()


def leftovers(destination: Path) -> list[Path]:
    """Temporary files of `replacing` for `destination` that a killed process left."""
    return list(destination.parent.glob(f".{destination.name}.*"))
