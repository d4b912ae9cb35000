"""The Momentry service on a host: built, restarted, waited for, smoke-tested and stopped, each
as a real process with a time bound and its output in a log file.

A failed step's error names the step and ends with the last lines of its output, so the cause is
on screen without opening the log. The service itself outlives momrel: the restart command
(deploy/restart.sh) starts it detached in its own session and records its pid in run/service.pid,
which `stop` reads.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from momrel.errors import MomrelError
from momrel.syspkg import toolchain

PID_FILE = "service.pid"
# The output lines a failed step's error carries.
TAIL_LINES = 20
BUILD_TIMEOUT = 1800.0
RESTART_TIMEOUT = 60.0          # restart.sh waits up to 10 s for the old process
SMOKE_TEST_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0
# Between two /health requests while waiting for a restarted service.
POLL_PAUSE = 0.2


def run_build(release_dir: Path, command: str, log: Path, timeout: float = BUILD_TIMEOUT) -> None:
    """The package's build command (`cargo build ...`) in the release folder, offline: a release
    builds from its source and the local cargo cache, never from a registry at upgrade time."""
    env = _environment(CARGO_TERM_COLOR="never", CARGO_TERM_PROGRESS_WHEN="never", CARGO_NET_OFFLINE="true")
    if _first_word(command) == "cargo":
        # A hook or a service manager may run momrel with a PATH that lacks rustup's folder.
        cargo_bin = str(toolchain.find_cargo().parent)
        if cargo_bin not in env["PATH"].split(os.pathsep):
            env["PATH"] = env["PATH"] + os.pathsep + cargo_bin
    _run("build", command, release_dir, env, log, timeout)


def restart(release_dir: Path, command: str, env_file: Path, run_dir: Path, log: Path,
            timeout: float = RESTART_TIMEOUT) -> None:
    """The package's restart command in the release folder, with MOMENTRY_RUN_DIR=run_dir.
    It runs in a session of its own, so the service it leaves running is no child of momrel's
    terminal or process group and keeps running after momrel exits."""
    if not Path(env_file).is_file():
        raise MomrelError(f"restart: no env file {env_file}")
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    env = _environment(MOMENTRY_RUN_DIR=str(Path(run_dir).absolute()))
    _run("restart", command, release_dir, env, log, timeout, detaches=True)


def wait_healthy(port: int, timeout: float) -> dict:
    """GET http://127.0.0.1:PORT/health until it answers JSON with status ok, for at most
    `timeout` seconds (one try at the least)."""
    url = f"http://127.0.0.1:{port}/health"
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while True:
        remaining = deadline - time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=max(0.2, min(2.0, remaining))) as response:
                body = response.read()
            health = json.loads(body)
            if isinstance(health, dict) and health.get("status") == "ok":
                return health
            last_error = f"answered {body[:200].decode('utf-8', 'replace')}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(getattr(exc, "reason", exc))
        except ValueError:
            last_error = "the answer is not JSON"
        if time.monotonic() + POLL_PAUSE > deadline:
            raise MomrelError(f"{url}: no healthy answer after {timeout:g} s ({last_error})")
        time.sleep(POLL_PAUSE)


def smoke_test(release_dir: Path, smoke_test: str, port: int, version: str, log: Path,
               timeout: float = SMOKE_TEST_TIMEOUT) -> None:
    """`sh SMOKE_TEST http://127.0.0.1:PORT VERSION` in the release folder (exit 0 = passed)."""
    command = shlex.join(["sh", smoke_test, f"http://127.0.0.1:{port}", version])
    _run("smoke test", command, release_dir, _environment(), log, timeout)


def stop(run_dir: Path, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the service whose pid run/service.pid holds: SIGTERM, then SIGKILL after `timeout`
    seconds. False when no service was running."""
    pid_file = Path(run_dir) / PID_FILE
    try:
        text = pid_file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return False
    if not text.isdigit() or int(text) <= 1:
        raise MomrelError(f"{pid_file}: {text!r} is not a process id")
    pid = int(text)
    stopped = False
    if _alive(pid):
        _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            _signal(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        if _alive(pid):
            raise MomrelError(f"pid {pid} (from {pid_file}) did not stop after SIGKILL")
        stopped = True
    pid_file.unlink(missing_ok=True)
    return stopped


def port_of(env_file: Path) -> int:
    """PORT of a placed env file; the last assignment wins, as shared/env's lines come last."""
    port = None
    try:
        text = Path(env_file).read_text(encoding="utf-8")
    except OSError as exc:
        raise MomrelError(f"{env_file}: cannot read ({exc.strerror or exc})") from None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export "):]
        key, sep, value = line.partition("=")
        if sep and key.strip() == "PORT" and not line.startswith("#"):
            port = value.strip().strip("'\"")
    if port is None:
        raise MomrelError(f"{env_file}: no PORT")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise MomrelError(f"{env_file}: PORT={port!r} is not a port number")
    return int(port)


# ---------------------------------------------------------------- running a step
def _run(step: str, command: str, folder: Path, env: dict, log: Path, timeout: float,
         detaches: bool = False) -> None:
    with open(log, "ab") as out:
        out.write(f"$ {command}   (in {folder})\n".encode("utf-8"))
        out.flush()
        start = out.tell()
        try:
            process = subprocess.Popen(command, shell=True, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            raise MomrelError(f"{step}: cannot run {command!r} in {folder}: {exc.strerror or exc}") from None
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # The whole process group: a shell's children (cargo, rustc) go with it.
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
            raise MomrelError(f"{step} failed: `{command}` gave no result after {timeout:g} s"
                              + _tail(log, start)) from None
        except BaseException:
            if not detaches:  # a restart's service is left as it is
                _signal_group(process.pid, signal.SIGKILL)
            process.wait()
            raise
        tail = _tail(log, start) if status != 0 else ""
        out.write(f"[exit status {status}]\n".encode("utf-8"))
    if status != 0:
        raise MomrelError(f"{step} failed: `{command}` exited with status {status}" + tail)


def _tail(log: Path, start: int) -> str:
    """The last lines the command wrote (from `start`, where its output began in the log)."""
    with open(log, "rb") as written:
        written.seek(start)
        lines = written.read().decode("utf-8", "replace").splitlines()
    shown = [line for line in lines if line.strip()][-TAIL_LINES:]
    if not shown:
        return f" (no output; log {log})"
    return f"; last lines of {log}:\n" + "\n".join(f"  {line}" for line in shown)


def _environment(**extra: str) -> dict:
    env = dict(os.environ)
    env.setdefault("PATH", os.defpath)
    env.update(extra)
    return env


def _first_word(command: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        return ""
    return os.path.basename(words[0]) if words else ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent's wait is missing.
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
