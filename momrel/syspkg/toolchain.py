"""Rust's cargo, found and run: builds of the Momentry service (the demo's source repository,
an upgrade on a host).

cargo is looked for on PATH, then in ~/.cargo/bin, where rustup installs it: a CI job or a
hook may run with a PATH that lacks it. Builds run `--offline`: a release builds from what the
source tree and the local cargo cache hold, never from a registry reached at upgrade time.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from momrel.errors import ConfigError, MomrelError

# The lines of cargo's output a failure shows when no `error` line says why.
_FAILURE_LINES = 3


def find_cargo() -> Path:
    on_path = shutil.which("cargo")
    if on_path:
        return Path(on_path)
    rustup = Path.home() / ".cargo" / "bin" / "cargo"
    if rustup.is_file() and os.access(rustup, os.X_OK):
        return rustup
    raise MomrelError("cargo not found on PATH or in ~/.cargo/bin: install Rust (https://rustup.rs) "
                      "to build the service")


def build_arguments(command: str) -> list[str]:
    """The arguments after `cargo build` of a configured build command
    (`cargo build --release --bin momentry` → `--release --bin momentry`)."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"build command {command!r}: {exc}") from None
    if words[:2] != ["cargo", "build"]:
        raise ConfigError(f"build command {command!r} is not `cargo build ...`")
    return words[2:]


def cargo_build(folder: Path, args: list[str], timeout: float = 1800) -> subprocess.CompletedProcess:
    """`cargo build --offline ARGS` in `folder`, its output captured; a failure is one line
    with the last lines of cargo's output."""
    cargo = find_cargo()
    command = [str(cargo), "build", *(["--offline"] if "--offline" not in args else []), *args]
    # Plain output: the captured text goes into an error line, not to a terminal.
    env = dict(os.environ, CARGO_TERM_COLOR="never", CARGO_TERM_PROGRESS_WHEN="never")
    shown = shlex.join(["cargo", *command[1:]])
    try:
        result = subprocess.run(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise MomrelError(f"{shown} in {folder}: no result after {timeout:.0f} s "
                          "(another build holding cargo's lock?)") from None
    except OSError as exc:
        raise MomrelError(f"{shown} in {folder}: cannot run cargo: {exc.strerror or exc}") from None
    if result.returncode != 0:
        reason = failure_summary(result.stderr + result.stdout) or f"exit status {result.returncode}"
        raise MomrelError(f"{shown} in {folder} failed: {reason}")
    return result


def failure_summary(output: str) -> str:
    """cargo's output in one line: the first error with its location (the cause; rustc prints
    every later one after it) and the last line (what failed); else the last lines."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    first = next((i for i, line in enumerate(lines) if line.startswith("error")), None)
    if first is None:
        return " | ".join(lines[-_FAILURE_LINES:])
    picked = [lines[first]]
    if first + 1 < len(lines) and lines[first + 1].startswith("-->"):
        picked.append(lines[first + 1])
    if lines[-1] not in picked:
        picked.append(lines[-1])
    return " | ".join(picked)
