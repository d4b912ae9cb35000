"""What an import replaces outside PostgreSQL, kept aside so a failed import can put it back.

PostgreSQL undoes a failed import by rolling its transaction back. Qdrant and the output dir
have no transaction, so before the first change the importer saves, in its private folder,
the target file's current points of every collection (in the package's own point format,
momrel.filepkg.snapshot) and its current processor JSON. If anything fails after Qdrant or the
output dir changed, `restore` deletes what the import wrote and puts the saved state back:
the same points (ids, payloads, vectors), the same JSON bytes, no collection or folder that
the import created. A file that had nothing gets nothing back.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from momrel import faults, vectors
from momrel.bundle import atomic
from momrel.errors import MomrelError
from momrel.filepkg import snapshot
from momrel.filepkg.fit import SnapshotPlan

CHUNK = 1 << 20


@dataclass
class SavedPoints:
    collection: str
    file_uuid_key: str
    existed: bool                  # False: the import creates the collection; restore drops it
    path: Path | None = None       # the file's points before the import (None: collection new)
    count: int = 0


@dataclass
class KeptAside:
    folder: Path
    target_uuid: str
    points: list[SavedPoints] = field(default_factory=list)
    json: dict[Path, Path | None] = field(default_factory=dict)  # destination -> saved copy
    output_dir: Path | None = None
    output_dir_existed: bool = True

    def to_json(self) -> dict:
        return {"folder": str(self.folder), "target_uuid": self.target_uuid,
                "points": [dict(asdict(p), path=str(p.path) if p.path else None) for p in self.points],
                "json": [[str(d), str(c) if c else None] for d, c in self.json.items()],
                "output_dir": str(self.output_dir) if self.output_dir else None,
                "output_dir_existed": self.output_dir_existed}

    @classmethod
    def from_json(cls, data: dict) -> "KeptAside":
        return cls(
            folder=Path(data["folder"]), target_uuid=data["target_uuid"],
            points=[SavedPoints(p["collection"], p["file_uuid_key"], p["existed"],
                                Path(p["path"]) if p["path"] else None, p["count"])
                    for p in data["points"]],
            json={Path(d): Path(c) if c else None for d, c in data["json"]},
            output_dir=Path(data["output_dir"]) if data["output_dir"] else None,
            output_dir_existed=data["output_dir_existed"])


def keep_aside(client, snapshots: list[SnapshotPlan], json_destinations: list[Path],
               output_dir: Path, target_uuid: str, folder: Path) -> KeptAside:
    """Save the target file's current points and processor JSON into `folder`."""
    folder.mkdir(mode=0o700, exist_ok=True)
    kept = KeptAside(folder, target_uuid, output_dir=output_dir,
                     output_dir_existed=output_dir.is_dir())
    for plan in snapshots:
        saved = SavedPoints(plan.target_collection, plan.file_uuid_key,
                            existed=plan.collection_exists)
        if saved.existed:
            saved.path = folder / f"points-{len(kept.points)}.snapshot"
            saved.count = _save_points(client, plan, target_uuid, saved.path)
        kept.points.append(saved)
    for index, destination in enumerate(json_destinations):
        if destination.is_file():
            copy = folder / f"json-{index}"
            shutil.copy2(destination, copy)  # mode and times too
            kept.json[destination] = copy
        else:
            kept.json[destination] = None
    return kept


def _save_points(client, plan: SnapshotPlan, target_uuid: str, path: Path) -> int:
    name, key = plan.target_collection, plan.file_uuid_key
    count = vectors.count_file_points(client, name, key, target_uuid)
    # plan.vectors are the collection's own: fit refused the package otherwise.
    header = snapshot.SnapshotHeader(plan.logical, name, target_uuid, key, plan.vectors, count)
    with path.open("wb", buffering=CHUNK) as out:
        return snapshot.write(out, header, vectors.iter_file_points(client, name, key, target_uuid))


def restore(client, kept: KeptAside) -> None:
    """Put back what keep_aside saved; every step runs even if an earlier one fails."""
    problems = []
    for saved in kept.points:
        try:
            _restore_points(client, saved, kept.target_uuid)
        except Exception as exc:  # noqa: BLE001 - report every failed step, not only the first
            problems.append(f"collection {saved.collection}: {exc}")
    for destination, copy in kept.json.items():
        try:
            _restore_json(destination, copy)
        except OSError as exc:
            problems.append(f"{destination}: {exc.strerror or exc}")
    if kept.output_dir is not None and not kept.output_dir_existed:
        with contextlib.suppress(OSError):
            kept.output_dir.rmdir()  # only when empty: it was created by this import
    if problems:
        raise MomrelError("; ".join(problems))


def _restore_points(client, saved: SavedPoints, target_uuid: str) -> None:
    from qdrant_client import models

    if not client.collection_exists(saved.collection):
        return
    client.delete(saved.collection, wait=True,
                  points_selector=vectors.file_filter(saved.file_uuid_key, target_uuid))
    faults.checkpoint("during-restore")
    if not saved.existed:
        if client.count(saved.collection, exact=True).count == 0:
            client.delete_collection(saved.collection)
        return
    with saved.path.open("rb", buffering=CHUNK) as f:
        reader = snapshot.SnapshotReader(f, str(saved.path))
        vectors.upsert_batches(client, saved.collection, (
            models.PointStruct(id=point.id, vector=point.qdrant_vector(), payload=point.payload)
            for point in reader.points()))


def _restore_json(destination: Path, copy: Path | None) -> None:
    # Temporary files of an import killed while writing (its next run restores for it).
    for leftover in atomic.leftovers(destination):
        leftover.unlink(missing_ok=True)
    if copy is None:
        destination.unlink(missing_ok=True)
        return
    atomic.copy_into_place(copy, destination, like=copy)
