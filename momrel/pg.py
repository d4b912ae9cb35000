"""PostgreSQL: connecting, and the embedded server.

Which server a repository uses, where its embedded cluster lives and how its schema is
created is momrel.database's business; this module knows servers, not repositories.
The embedded server runs from the first of: ``MOMREL_PG_BIN``, the binaries shipped by the
``pgserver`` wheel, Debian's ``/usr/lib/postgresql/*/bin`` (newest first). PostgreSQL refuses to run
as root, so as root it runs as an unprivileged user (``MOMREL_PG_USER``, else ``postgres`` if
it exists, else ``nobody``) on files that user can reach.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from momrel.errors import MomrelError

DATABASE_NAME = "momentry"
SUPERUSER = "postgres"


# ---------------------------------------------------------------- connecting
def connect(url: str, **kwargs) -> psycopg.Connection:
    """Connect with a short timeout and a one-line error that hides any password."""
    try:
        conn = psycopg.connect(url, connect_timeout=10, **kwargs)
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MomrelError(f"cannot connect to PostgreSQL at {redact(url)}: {first_line}") from None
    # Deterministic text output of timestamps and floats, whatever the server's defaults.
    conn.execute("SET client_encoding = 'UTF8'")  # packages are UTF-8 whatever the database uses
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET DateStyle = 'ISO, YMD'")
    conn.execute("SET IntervalStyle = 'iso_8601'")
    conn.execute("SET extra_float_digits = 1")
    conn.commit()
    return conn


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "<invalid database URL>"
    host = info.get("host", "localhost")
    port = info.get("port", "5432")
    user = info.get("user", "")
    db = info.get("dbname", "")
    return f"postgresql://{user + '@' if user else ''}{host}:{port}/{db}"


# ---------------------------------------------------------------- binaries
def find_binaries() -> Path:
    """A folder holding initdb, pg_ctl and postgres."""
    candidates: list[Path] = []
    if os.environ.get("MOMREL_PG_BIN"):
        candidates.append(Path(os.environ["MOMREL_PG_BIN"]))
    spec = importlib.util.find_spec("pgserver")
    if spec and spec.origin:
        # Located without importing pgserver: its import has side effects we do not want.
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin")
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                    key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                    reverse=True)
    candidates.extend(debian)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise MomrelError(
        "no PostgreSQL binaries found: pip install pgserver, install Debian's postgresql, "
        "or set MOMREL_PG_BIN to a folder holding initdb, pg_ctl and postgres"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _service_user() -> str | None:
    """The unprivileged user to run PostgreSQL as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get("MOMREL_PG_USER")
    names = [wanted] if wanted else ["postgres", "nobody"]
    for name in names:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise MomrelError(f"running as root and no unprivileged user found (tried {', '.join(names)}; "
                      "set MOMREL_PG_USER)")


def _user_can_reach(user: str, path: Path, mode: str) -> bool:
    """Whether `user` can access `path` (`-x` traverse, `-r` read)."""
    result = subprocess.run(["runuser", "-u", user, "--", "test", mode, str(path)],
                            capture_output=True)
    return result.returncode == 0


# ---------------------------------------------------------------- the embedded server
@dataclass
class _State:
    port: int
    bin_dir: str
    user: str | None


class EmbeddedPostgres:
    """A throwaway-friendly PostgreSQL cluster under one folder.

    Layout of ``home``: ``data/`` (the cluster), ``sock/`` (Unix socket), ``server.log``,
    ``state.json`` (port, binaries, OS user). As root, when the service user cannot reach
    ``home``, ``home`` is a symlink to a folder under the system temp dir that it can reach.
    """

    def __init__(self, home: Path):
        self.home = Path(home)

    # -- paths (resolved: the service user may not be able to pass through a symlinked home)
    @property
    def real_home(self) -> Path:
        return self.home.resolve()

    @property
    def data_dir(self) -> Path:
        return self.real_home / "data"

    @property
    def state_file(self) -> Path:
        return self.home / "state.json"

    def _state(self) -> _State | None:
        try:
            return _State(**json.loads(self.state_file.read_text()))
        except (FileNotFoundError, ValueError, TypeError):
            return None

    def url(self, dbname: str = DATABASE_NAME) -> str:
        state = self._state()
        if state is None:
            raise MomrelError(f"embedded PostgreSQL is not initialised in {self.home}")
        return f"postgresql://{SUPERUSER}@127.0.0.1:{state.port}/{dbname}"

    # -- control
    def _run(self, args: list[str], user: str | None, **kwargs) -> subprocess.CompletedProcess:
        command = (["runuser", "-u", user, "--"] if user else []) + args
        return subprocess.run(command, capture_output=True, text=True, **kwargs)

    def is_running(self) -> bool:
        state = self._state()
        if state is None or not self.data_dir.exists():
            return False
        result = self._run([str(Path(state.bin_dir) / "pg_ctl"), "status", "-D", str(self.data_dir)],
                           state.user)
        return result.returncode == 0

    def start(self) -> str:
        """Initialise if needed, start if not running; return the URL. Idempotent."""
        if self.is_running():
            return self.url()
        user = _service_user()
        self._prepare_home(user)
        state = self._state()
        bin_dir = Path(state.bin_dir) if state else self._reachable_binaries(find_binaries(), user)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_dir, user)
        port = state.port if state and _port_free(state.port) else _free_port()
        self.state_file.write_text(json.dumps({"port": port, "bin_dir": str(bin_dir), "user": user}))
        sock = self.real_home / "sock"
        sock.mkdir(exist_ok=True)
        log = self.real_home / "server.log"
        log.touch()
        if user:
            shutil.chown(sock, user)
            shutil.chown(log, user)
        # pg_ctl hands -o to a shell: quote the socket folder (repository paths may hold spaces).
        options = (f"-k {shlex.quote(str(sock))} -p {port} -h 127.0.0.1 "
                   "-c synchronous_commit=off -c max_connections=50")
        result = self._run([str(bin_dir / "pg_ctl"), "start", "-w", "-t", "60", "-D",
                            str(self.data_dir), "-l", str(log),
                            "-o", options], user)
        if result.returncode != 0:
            log_tail = ""
            with contextlib.suppress(OSError):
                log_tail = log.read_text().strip().splitlines()[-1]
            raise MomrelError(f"embedded PostgreSQL failed to start: {log_tail or result.stderr.strip()}")
        self._create_database()
        return self.url()

    def stop(self) -> bool:
        """Stop if running; return whether it was running."""
        state = self._state()
        if not self.is_running() or state is None:
            return False
        self._run([str(Path(state.bin_dir) / "pg_ctl"), "stop", "-w", "-m", "fast", "-D",
                   str(self.data_dir)], state.user)
        return True

    def destroy(self) -> None:
        """Stop and delete the cluster (tests)."""
        self.stop()
        target = self.home.resolve() if self.home.is_symlink() else self.home
        shutil.rmtree(target, ignore_errors=True)
        if self.home.is_symlink():
            self.home.unlink()

    # -- setup helpers
    def _prepare_home(self, user: str | None) -> None:
        if self.home.exists() or self.home.is_symlink():
            return
        self.home.parent.mkdir(parents=True, exist_ok=True)
        if user and not _user_can_reach(user, self.home.parent, "-x"):
            # The repo sits where the service user cannot go (e.g. under a 0700 home):
            # keep the cluster in a root-owned, user-reachable folder and link it here.
            # A new folder each time: deleting .momrel/ must not bring an old cluster back.
            real = Path(tempfile.mkdtemp(prefix="momrel-pg-"))
            real.chmod(0o755)
            self.home.symlink_to(real, target_is_directory=True)
        else:
            self.home.mkdir(mode=0o755)

    def _reachable_binaries(self, bin_dir: Path, user: str | None) -> Path:
        if user is None or _user_can_reach(user, bin_dir / "postgres", "-x"):
            return bin_dir
        # Copy the whole installation (bin, lib, share) so relative lookups keep working.
        # pgserver's binaries find their libraries through RPATH $ORIGIN/../../../pgserver.libs,
        # so that folder is copied too, at the same relative place.
        install_root = bin_dir.parent
        copy_base = self.real_home / "pgdist"
        copy_root = copy_base / install_root.parent.name / install_root.name
        if not copy_root.exists():
            shutil.copytree(install_root, copy_root, symlinks=True)
            wheel_libs = install_root.parent.parent / "pgserver.libs"
            if wheel_libs.is_dir():
                shutil.copytree(wheel_libs, copy_base / wheel_libs.name, symlinks=True)
        return copy_root / bin_dir.name

    def _initdb(self, bin_dir: Path, user: str | None) -> None:
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        if user:
            shutil.chown(self.data_dir, user)
        result = self._run([str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                            "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], user)
        if result.returncode != 0:
            last_line = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
            raise MomrelError(f"initdb failed: {last_line}")

    def _create_database(self) -> None:
        """The cluster's `momentry` database, created on first start."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (DATABASE_NAME,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
