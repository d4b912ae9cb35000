"""Running DVC commands for momrel (the CLI, as design.md advises, not dvc.repo internals)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from momrel.errors import MomrelError


def dvc_env() -> dict[str, str]:
    """Environment for DVC subprocesses: stage commands must find this `momrel`."""
    env = dict(os.environ)
    scripts = str(Path(sys.executable).parent)
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    return env


def run_dvc(root: Path, *args: str, capture: bool = True,
            on_line: Callable[[str], None] | None = None) -> subprocess.CompletedProcess:
    """Run `dvc ARGS` in `root`; a failure becomes one line naming the command and DVC's error.

    With `on_line`, each line DVC writes to stdout is handed to it as soon as it is written
    (progress for long commands such as `dvc repro`); both streams are still captured.
    """
    command = [sys.executable, "-m", "dvc", *args]
    if on_line is None:
        result = subprocess.run(command, cwd=root, env=dvc_env(), text=True,
                                capture_output=capture)
    else:
        result = _run_streaming(command, root, on_line)
    if result.returncode != 0:
        lines = [line for line in ((result.stderr or "") + (result.stdout or "")).splitlines()
                 if line.strip()]
        errors = [line for line in lines if "ERROR" in line or "error:" in line.lower()]
        reason = (errors or lines or [f"exit code {result.returncode}"])[-1].strip()
        raise MomrelError(f"dvc {' '.join(args)} failed: {reason}")
    return result


def _run_streaming(command: list[str], root: Path,
                   on_line: Callable[[str], None]) -> subprocess.CompletedProcess:
    env = dvc_env() | {"PYTHONUNBUFFERED": "1"}  # lines as they happen, not at exit
    with subprocess.Popen(command, cwd=root, env=env, text=True, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        stderr: list[str] = []
        # stderr is drained on its own thread so that neither pipe can fill up and stall DVC.
        reader = threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True)
        reader.start()
        stdout = []
        for line in process.stdout:
            stdout.append(line)
            on_line(line.rstrip("\n"))
        returncode = process.wait()
        reader.join()
    return subprocess.CompletedProcess(command, returncode, "".join(stdout), "".join(stderr))
