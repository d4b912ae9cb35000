"""Named points where tests make the running process fail for real, to prove atomicity.

`MOMREL_KILL_AT=name` makes `checkpoint(name)` kill the running process on the spot (SIGKILL),
without cleanup handlers, exactly as a crash or `kill -9` would. `MOMREL_FAIL_AT=name` makes it
raise the error a full disk gives (ENOSPC) instead, so the process's own clean-up path runs.
Unset (always, outside tests) each costs one dictionary lookup.
"""

from __future__ import annotations

import errno
import os
import signal

KILL_AT_ENV = "MOMREL_KILL_AT"
FAIL_AT_ENV = "MOMREL_FAIL_AT"


def checkpoint(name: str) -> None:
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(FAIL_AT_ENV) == name:
        raise OSError(errno.ENOSPC, f"No space left on device (injected at {name})")
