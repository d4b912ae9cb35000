"""Named points where tests make the running process fail for real, to prove atomicity.

`MOMREL_KILL_AT=name` makes `checkpoint(name)` kill the running process on the spot (SIGKILL),
without cleanup handlers, exactly as a crash or `kill -9` would. `MOMREL_FAIL_AT=name` makes it
raise the error a full disk gives (ENOSPC) instead, so the process's own clean-up path runs.
`MOMREL_PAUSE_AT=name` with `MOMREL_PAUSE_FILE=path` makes it create `path.paused` and wait
until `path` exists, so a test can change the world at that exact moment (a package altered
between its verification and its load). Unset (always, outside tests) each costs a lookup.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path

KILL_AT_ENV = "MOMREL_KILL_AT"
FAIL_AT_ENV = "MOMREL_FAIL_AT"
PAUSE_AT_ENV = "MOMREL_PAUSE_AT"
PAUSE_FILE_ENV = "MOMREL_PAUSE_FILE"
PAUSE_LIMIT_SECONDS = 120


def checkpoint(name: str) -> None:
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(FAIL_AT_ENV) == name:
        raise OSError(errno.ENOSPC, f"No space left on device (injected at {name})")
    if os.environ.get(PAUSE_AT_ENV) == name:
        release = Path(os.environ[PAUSE_FILE_ENV])
        Path(f"{release}.paused").touch()
        deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
