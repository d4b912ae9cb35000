"""Running DVC commands for momrel (the CLI, as design.md advises, not dvc.repo internals)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from momrel.errors import MomrelError


def dvc_env() -> dict[str, str]:
    """Environment for DVC subprocesses: stage commands must find this `momrel`."""
    env = dict(os.environ)
    scripts = str(Path(sys.executable).parent)
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    return env


def run_dvc(root: Path, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    """Run `dvc ARGS` in `root`; a failure becomes one line naming the command and DVC's error."""
    command = [sys.executable, "-m", "dvc", *args]
    result = subprocess.run(command, cwd=root, env=dvc_env(), text=True,
                            capture_output=capture)
    if result.returncode != 0:
        lines = [line for line in ((result.stderr or "") + (result.stdout or "")).splitlines()
                 if line.strip()]
        errors = [line for line in lines if "ERROR" in line or "error:" in line.lower()]
        reason = (errors or lines or [f"exit code {result.returncode}"])[-1].strip()
        raise MomrelError(f"dvc {' '.join(args)} failed: {reason}")
    return result
