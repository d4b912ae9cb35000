"""The content hash of one file's current data, without writing a package.

DVC's fingerprint stage (always changed, cheap to write) runs this; the export stage depends
on its output, so a package is re-exported exactly when its content hash moves. It hashes the
very bytes export would write (content.produce_all), so "stale" means "export would differ".
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from momrel.bundle import atomic
from momrel.config import Config, normalize_uuid
from momrel.filepkg import content
from momrel.progress import progress_bars


@dataclass(frozen=True)
class Fingerprint:
    file_uuid: str
    environment: str
    content_sha256: str
    rows: dict[str, int]
    points: dict[str, int]

    def render(self) -> bytes:
        data = {"file_uuid": self.file_uuid, "environment": self.environment,
                "content_sha256": self.content_sha256, "rows": self.rows, "points": self.points}
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def compute(config: Config, file_uuid: str, env_name: str | None = None,
            show_progress: bool | None = False) -> Fingerprint:
    file_uuid = normalize_uuid(file_uuid)
    env = config.env(env_name)
    with content.open_source(config, env) as (conn, client), progress_bars(show_progress) as bars:
        return compute_from(config, env, conn, client, file_uuid, bars)


def compute_from(config: Config, env, conn, client, file_uuid: str, bars) -> Fingerprint:
    """Like compute(), on an already opened source (one connection for many files)."""
    gathered = content.gather(config, env, conn, client, file_uuid)
    produced = content.produce_all(gathered, lambda _path: contextlib.nullcontext(None), bars)
    return Fingerprint(file_uuid, env.name, produced.content_sha256, produced.rows, produced.points)


def write(fingerprint: Fingerprint, path: Path) -> bool:
    """Write the fingerprint file if its content changed; return whether it did."""
    data = fingerprint.render()
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, data)
    return True
