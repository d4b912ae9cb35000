"""Import a file content package on a target host: verify, fit, register, load, mark processed.

Order and guarantees (docs/import.md):
1. Verify the package into a private folder (momrel.filepkg.verify): every file read once,
   hashed, checked and copied. Everything after this reads the copy, so the bytes loaded are
   the bytes verified even if the package changes meanwhile.
2. Fit (momrel.filepkg.fit, reads only): metadata.json agrees with params.yaml; the target's
   catalog, collections and output dir can take the package; no point of the package is
   another file's point in the target.
3. Register: the API's uuid (--register-url), the given --uuid, or the package's own.
4. One PostgreSQL transaction on one connection (momrel.filepkg.tableload): stage every CSV
   (row counts compared with metadata.json), check the staged package, then the registration
   row, the rows with ids remapped and foreign keys rewritten.
5. While that transaction is open: the file's current points and processor JSON are kept
   aside (momrel.filepkg.keepaside), then Qdrant (delete the file's points, upsert the
   package's) and the processor JSON (temporary name, then rename).
6. Status set to processed, commit.

A failure anywhere before the commit leaves the target as it was: PostgreSQL rolls back, the
kept-aside points and JSON are put back, a collection or output folder the import created is
removed, the status is restored. Re-importing over a processed file demotes its status
(committed apart) once the package is staged and checked, so a crash (SIGKILL) while rows,
points or JSON change is never reported as processed; running the import again finishes it.
"""

from __future__ import annotations

import contextlib
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

from momrel import database, faults, pg, vectors
from momrel.bundle import atomic
from momrel.config import Config, Environment, normalize_uuid
from momrel.errors import MomrelError, RestoreFailed
from momrel.filepkg import fit, keepaside, recovery, register, tableload
from momrel.filepkg.content import processor_file
from momrel.filepkg.fit import ImportPlan, SnapshotPlan
from momrel.filepkg.snapshot import SnapshotReader
from momrel.filepkg.verify import verify_package
from momrel.progress import progress_bars

COPY_CHUNK = 1 << 20


@dataclass
class ImportResult:
    package: Path
    source_uuid: str
    target_uuid: str
    environment: str
    schema: str
    rows: dict[str, int] = field(default_factory=dict)
    remapped_ids: dict[str, int] = field(default_factory=dict)
    identities_reused: dict[str, int] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)
    processors: int = 0
    recovered: list[str] = field(default_factory=list)  # files a killed import had left half-changed
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step

    def as_json(self) -> dict:
        data = dict(self.__dict__)
        data["package"] = str(self.package)
        data["seconds"] = round(self.seconds, 3)
        data["phases"] = {k: round(v, 3) for k, v in self.phases.items()}
        return data


def import_package(config: Config, package: Path, env_name: str, target_uuid: str | None = None,
                   register_url: str | None = None, register_timeout: float = 10.0,
                   show_progress: bool | None = None, database_url: str | None = None) -> ImportResult:
    started = time.monotonic()
    package = Path(package)
    env = config.env(env_name)
    if target_uuid is not None:
        target_uuid = normalize_uuid(target_uuid, "target uuid")
    with recovery.private_folder(config) as private:
        verified = verify_package(package, copy_to=private / "package")
        faults.checkpoint("after-verify")
        return _import_verified(config, env, private, verified.metadata, package, target_uuid,
                                register_url, register_timeout, show_progress, database_url,
                                started)


def _import_verified(config, env: Environment, private: Path, meta, package: Path,
                     target_uuid, register_url, register_timeout, show_progress, database_url,
                     started) -> ImportResult:
    copy = private / "package"
    source_uuid = meta.file_uuid
    # Autocommit, so that each `transaction()` block below is a real transaction of its own.
    url = database_url or database.database_url(config.root)
    conn = pg.connect(url, autocommit=True)
    try:
        with vectors.open_client(config.root) as client, progress_bars(show_progress) as bars:
            recovered = recovery.recover_stale_imports(config, conn, client,
                                                       recovery.database_identity(url), private)
            plan = fit.plan_import(conn, client, config, env, meta, copy)
            # Room for the new JSON, and for a copy of what it replaces.
            fit.check_output_dir(env.output_dir, 2 * plan.processor_bytes)
            if register_url:
                target_uuid = register.register(register_url, meta.registration, source_uuid,
                                                register_timeout)
            target_uuid = target_uuid or source_uuid
            for snapshot_plan in plan.snapshots:
                fit.check_point_ownership(client, snapshot_plan, source_uuid, target_uuid,
                                          target_point_id)
            result = ImportResult(package, source_uuid, target_uuid, env.name, env.schema,
                                  recovered=recovered)
            result.phases["verify_and_fit"] = time.monotonic() - started
            _load(conn, client, config, env, plan, private, url, source_uuid, target_uuid,
                  result, bars)
    finally:
        conn.close()
    result.seconds = time.monotonic() - started
    return result


def _load(conn, client, config: Config, env: Environment, plan: ImportPlan, private: Path,
          url: str, source_uuid: str, target_uuid: str, result: ImportResult, bars) -> None:
    demoted, kept, outside_touched = False, None, False
    try:
        with conn.transaction():
            clock = time.monotonic()
            result.rows = tableload.stage_tables(conn, env.schema, plan.tables, bars)
            tableload.check_package(conn, env.schema, plan.tables, source_uuid, target_uuid)
            # The package's rows are in and consistent: from here on the target changes.
            demoted = _demote_if_processed(config, env, url, target_uuid)
            tableload.upsert_registration(conn, config, env, plan.registration, target_uuid)
            tableload.apply_tables(conn, env.schema, plan.tables, target_uuid,
                                   result.remapped_ids, result.identities_reused)
            faults.checkpoint("after-tables")
            result.phases["postgres"] = time.monotonic() - clock

            clock = time.monotonic()
            destinations = [processor_file(env, target_uuid, name) for name in plan.processors]
            kept = keepaside.keep_aside(client, plan.snapshots, destinations, env.output_dir,
                                        target_uuid, private / "previous")
            # Should this process die from here on, the next import puts the kept state back
            # unless this transaction committed (momrel.filepkg.recovery).
            xid = conn.execute("SELECT txid_current()").fetchone()[0]
            recovery.write_journal(private, env, recovery.database_identity(url), xid, demoted, kept)
            faults.checkpoint("after-keep-aside")
            outside_touched = True
            for snapshot_plan in plan.snapshots:
                result.points[snapshot_plan.logical] = _load_points(
                    client, snapshot_plan, source_uuid, target_uuid, bars)
            faults.checkpoint("after-points")
            result.phases["qdrant"] = time.monotonic() - clock
            clock = time.monotonic()
            result.processors = _copy_processors(plan.processors, env, target_uuid)
            tableload.set_status(conn, config, env, target_uuid, config.registration.processed_status)
            faults.checkpoint("before-commit")
    except BaseException as failure:
        _put_back(client, config, env, url, target_uuid, kept if outside_touched else None,
                  demoted, failure, private)
        if isinstance(failure, OSError):
            raise MomrelError(f"import failed, target left as it was: "
                              f"{failure.strerror or failure}") from None
        raise
    faults.checkpoint("after-commit")
    # Committed: nothing to put back should this process die before its folder is removed.
    (private / recovery.JOURNAL).unlink(missing_ok=True)
    result.phases["processors_and_commit"] = time.monotonic() - clock


def _put_back(client, config, env, url, target_uuid, kept, demoted, failure, private) -> None:
    """After a failure (the transaction already rolled back): restore points, JSON and status."""
    problem = None
    if kept is not None:
        try:
            keepaside.restore(client, kept)
        except BaseException as exc:  # noqa: BLE001 - the original failure is what is raised
            problem = exc
    if demoted:
        with contextlib.suppress(Exception):
            with pg.connect(url, autocommit=True) as side:
                tableload.set_status(side, config, env, target_uuid,
                                     config.registration.processed_status)
    if problem is not None:
        first = str(failure).splitlines()[0] if str(failure) else type(failure).__name__
        raise RestoreFailed(
            f"import failed ({first}) and putting back the file's previous points and JSON "
            f"failed too ({problem}); they are saved in {private / 'previous'}") from None


def _demote_if_processed(config: Config, env: Environment, url: str, target_uuid: str) -> bool:
    """Re-importing over a processed file: say "not processed" before the file's rows, points
    and JSON change, so a crash in the middle is never reported as processed. Committed on a
    connection of its own, while the import's transaction is open (it has not touched the
    registration row yet, so nothing waits). Returns whether the status was changed."""
    with pg.connect(url, autocommit=True) as side:
        return tableload.set_status(side, config, env, target_uuid, None,
                                    only_if=config.registration.processed_status)


# ---------------------------------------------------------------- Qdrant and processor JSON
def target_point_id(point_id, source_uuid: str, target_uuid: str, logical: str):
    """Same id when the uuid is kept; else derived (uuid5) so that importing one package as two
    files never makes them overwrite each other's points, and a re-import overwrites its own."""
    if source_uuid == target_uuid:
        return point_id
    return str(uuidlib.uuid5(uuidlib.UUID(target_uuid), f"{logical}:{point_id}"))


def _load_points(client, plan: SnapshotPlan, source_uuid: str, target_uuid: str, bars) -> int:
    from qdrant_client import models

    with plan.path.open("rb", buffering=COPY_CHUNK) as f:
        reader = SnapshotReader(f, str(plan.path))
        if not client.collection_exists(plan.target_collection):
            vectors.create_collection(client, plan.target_collection, list(plan.vectors))
        client.delete(plan.target_collection, wait=True,
                      points_selector=vectors.file_filter(plan.file_uuid_key, target_uuid))
        advance = bars.task(f"qdrant/{plan.logical}", plan.points)

        def points():
            for point in reader.points():
                payload = dict(point.payload)
                payload[plan.file_uuid_key] = target_uuid
                yield models.PointStruct(
                    id=target_point_id(point.id, source_uuid, target_uuid, plan.logical),
                    vector=point.qdrant_vector(), payload=payload)

        def written(count: int) -> None:
            advance(count)
            faults.checkpoint("during-points")

        return vectors.upsert_batches(client, plan.target_collection, points(), written)


def _copy_processors(processors: dict[str, Path], env: Environment, target_uuid: str) -> int:
    try:
        env.output_dir.mkdir(parents=True, exist_ok=True)
        for name, source in processors.items():
            atomic.copy_into_place(source, processor_file(env, target_uuid, name),
                                   before_rename=lambda: faults.checkpoint("during-processors"))
    except OSError as exc:
        raise MomrelError(f"cannot write processor JSON to {env.output_dir}: "
                          f"{exc.strerror or exc}") from None
    return len(processors)
