"""Files replaced atomically: a copy under a temporary name beside the destination, then a
rename over it, so a reader sees the old file or the new one, never a part of either.

The temporary name is `.{destination name}.XXXXXXXX` in the destination's folder (the rename
must stay on one file system); `leftovers` finds those a killed process could not remove.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 20


def copy_into_place(source: Path, destination: Path, like: Path | None = None,
                    before_rename: Callable[[], None] | None = None) -> None:
    """Copy `source` over `destination`. Permissions and times come from `like` when given,
    else the file is 0644. `before_rename` runs once the copy is complete (tests kill there)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as data:
            shutil.copyfileobj(data, out, CHUNK)
            if before_rename is not None:
                before_rename()
        if like is not None:
            shutil.copystat(like, tmp)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, destination)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def leftovers(destination: Path) -> list[Path]:
    """Temporary files of copy_into_place for `destination` that a killed process left."""
    return list(destination.parent.glob(f".{destination.name}.*"))
