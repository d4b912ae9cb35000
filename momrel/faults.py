"""Named points where tests kill the process for real (SIGKILL), to prove atomicity.

`MOMREL_KILL_AT=name` makes `checkpoint(name)` kill the running process on the spot, without
cleanup handlers, exactly as a crash or `kill -9` would. Unset (always, outside tests) it
costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "MOMREL_KILL_AT"


def checkpoint(name: str) -> None:
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
