"""Private folders of imports, and putting back what a killed import changed.

Each import works in a folder of its own under `.momrel/imports/` (the verified copy of the
package, what it keeps aside), locked (flock) while it runs. Before it changes Qdrant or the
output dir it writes `journal.json` there: what was kept aside, whether it demoted the file's
status, and the id of its PostgreSQL transaction. A process killed outright (SIGKILL, power
loss) cannot clean up, so the next import on this host does it for it: a folder whose lock
nobody holds belongs to a dead import, and
- without a journal, the dead import changed nothing outside PostgreSQL: the folder is removed;
- with one, PostgreSQL says (txid_status) whether its transaction committed. Committed: the
  import was complete, the folder is removed. Aborted: the kept-aside points and JSON are put
  back and the status restored, exactly as the import itself would have done on a clean
  failure, then the folder is removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from momrel import pg
from momrel.bundle import atomic
from momrel.config import Config, Environment
from momrel.errors import MomrelError, RestoreFailed
from momrel.filepkg import keepaside, tableload

IMPORTS_DIR = Path(".momrel") / "imports"
JOURNAL = "journal.json"
LOCK = "lock"


@contextlib.contextmanager
def private_folder(config: Config):
    """A locked folder only this import uses; removed afterwards unless it holds the only copy
    of what a failed import could not put back (RestoreFailed names it)."""
    parent = config.root / IMPORTS_DIR
    try:
        parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="import-", dir=parent))
        lock = os.open(folder / LOCK, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise MomrelError(f"cannot create a private folder under {parent}: {exc.strerror}") from None
    fcntl.flock(lock, fcntl.LOCK_EX)
    keep = False
    try:
        yield folder
    except RestoreFailed:
        keep = True
        raise
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)


def write_journal(folder: Path, env: Environment, database: str, xid: int, demoted: bool,
                  kept: keepaside.KeptAside) -> None:
    data = {"environment": env.name, "database": database, "xid": xid, "demoted": demoted,
            "kept": kept.to_json()}
    # On disk before Qdrant or the output dir change: recovery after a crash relies on it.
    atomic.write_bytes(folder / JOURNAL, json.dumps(data).encode(), durable=True)


def recover_stale_imports(config: Config, conn, client, database: str, own: Path) -> list[str]:
    """Finish what killed imports left behind; return the target uuids put back."""
    parent = config.root / IMPORTS_DIR
    recovered = []
    for folder in sorted(parent.glob("import-*")):
        if folder == own or not folder.is_dir():
            continue
        with _unlocked(folder) as free:
            if not free:
                continue  # a running import
            journal = folder / JOURNAL
            if journal.is_file():
                data = json.loads(journal.read_text(encoding="utf-8"))
                outcome = _recover(config, conn, client, database, data)
                if outcome is None:
                    continue  # cannot tell yet; leave it for a later run
                if outcome:
                    recovered.append(data["kept"]["target_uuid"])
            shutil.rmtree(folder, ignore_errors=True)
    return recovered


@contextlib.contextmanager
def _unlocked(folder: Path):
    """Yields True while holding the folder's lock (its import is dead), False if it runs."""
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        yield True  # killed before it could create its lock: it did nothing yet
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _recover(config: Config, conn, client, database: str, data: dict) -> bool | None:
    """True: put back; False: nothing to put back (committed); None: undecidable now."""
    if data["database"] != database:
        return None  # journal of another database: only that database can tell
    # A killed client's server process aborts its transaction as soon as it sees the closed
    # connection: give it a moment.
    for _ in range(30):
        status = conn.execute("SELECT txid_status(%s)", (data["xid"],)).fetchone()[0]
        if status != "in progress":
            break
        time.sleep(0.1)
    if status == "committed":
        return False
    if status != "aborted":
        return None  # still in progress, or too old for PostgreSQL to remember
    kept = keepaside.KeptAside.from_json(data["kept"])
    keepaside.restore(client, kept)
    if data["demoted"]:
        env = config.env(data["environment"])
        tableload.set_status(conn, config, env, kept.target_uuid,
                             config.registration.processed_status)
    return True


def database_identity(url: str) -> str:
    """Which database a journal's transaction id belongs to (the URL without its password)."""
    return pg.redact(url)
