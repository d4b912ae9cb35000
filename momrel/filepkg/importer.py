"""Import a file content package on a target host: verify, register, load, mark processed.

Order and guarantees (docs/import.md):
1. Verify the package (checksums, completeness, format) and check that it fits the target:
   every package column exists in the target table, every snapshot's vectors match an
   existing target collection. Nothing is written before these checks pass.
2. Register: the API's uuid (--register-url), the given --uuid, or the package's own.
3. One PostgreSQL transaction on one connection: registration row, then every table through
   a temporary staging table (COPY), ids remapped, foreign keys rewritten, file uuid rewritten.
4. While that transaction is open: Qdrant points (delete the file's points, upsert the
   package's), processor JSON (temporary name, then rename).
5. Status set to processed, commit. A failure anywhere before the commit leaves PostgreSQL as
   it was; running the same import again finishes the job. Re-importing over a processed
   file demotes its status (committed apart) once the package is staged and checked, so a
   crash while rows, points or JSON change is never reported as processed; a clean failure
   before points or JSON were touched restores it.

Surrogate ids: a package's bigserial ids belong to the source database. Each per-file row gets
an id of the target: the ids this file already has in the target are reused in order (so a
re-import leaves the target exactly as the first import did), further ones come from the
table's sequence. Shared rows (identities) are matched by their natural key. Every foreign key
between packaged tables is rewritten through these maps.
"""

from __future__ import annotations

import graphlib
import os
import shutil
import tempfile
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from momrel import catalog, faults, pg, vectors
from momrel.config import Config, Environment, normalize_uuid
from momrel.errors import MomrelError
from momrel.filepkg import manifest, register
from momrel.filepkg.snapshot import SnapshotReader
from momrel.filepkg.verify import verify_package
from momrel.progress import progress_bars

UPSERT_BATCH = 256
COPY_CHUNK = 1 << 20


@dataclass
class TablePlan:
    name: str
    csv: Path
    columns: tuple[str, ...]        # package columns, in CSV order
    shared: bool
    natural_key: tuple[str, ...]
    file_column: str | None         # per-file tables: the column holding the file uuid
    id_column: str | None           # surrogate key remapped through the target's sequence
    sequence: str | None
    references: dict[str, str] = field(default_factory=dict)  # column -> packaged table

    @property
    def stage(self) -> sql.Identifier:
        return sql.Identifier(f"momrel_stage_{self.name}")

    @property
    def id_map(self) -> sql.Identifier:
        return sql.Identifier(f"momrel_map_{self.name}")


@dataclass
class SnapshotPlan:
    logical: str
    path: Path
    target_collection: str
    file_uuid_key: str
    points: int


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
    verify_package(package)
    verified = time.monotonic()
    metadata = manifest.read_metadata(package)
    source_uuid = normalize_uuid(metadata.get("file_uuid"), "file_uuid in metadata.json")

    # Autocommit, so that each `transaction()` block below is a real transaction of its own.
    url = database_url or pg.database_url(config.root)
    conn = pg.connect(url, autocommit=True)
    try:
        with vectors.open_client(config.root) as client, progress_bars(show_progress) as bars:
            tables = plan_tables(conn, config, env, metadata, package)
            registration = plan_registration(conn, config, env, metadata)
            snapshots = plan_snapshots(client, config, env, metadata, package)
            if register_url:
                target_uuid = register.register(register_url, metadata["registration"],
                                                source_uuid, register_timeout)
            target_uuid = target_uuid or source_uuid
            result = ImportResult(package, source_uuid, target_uuid, env.name, env.schema)
            result.phases["verify"] = verified - started
            demoted, outside_touched = False, False
            try:
                with conn.transaction():
                    clock = time.monotonic()
                    _stage_tables(conn, env.schema, tables, result, bars)
                    # The package's rows are in and consistent: from here on the target changes.
                    demoted = _demote_if_processed(config, env, url, target_uuid)
                    _upsert_registration(conn, config, env, registration, target_uuid)
                    _apply_tables(conn, env.schema, tables, target_uuid, result)
                    faults.checkpoint("after-tables")
                    result.phases["postgres"] = time.monotonic() - clock
                    clock = time.monotonic()
                    outside_touched = True
                    for plan in snapshots:
                        result.points[plan.logical] = _load_points(client, plan, source_uuid,
                                                                   target_uuid, bars)
                    faults.checkpoint("after-points")
                    result.phases["qdrant"] = time.monotonic() - clock
                    clock = time.monotonic()
                    result.processors = _copy_processors(metadata, package, env, target_uuid)
                    _mark_processed(conn, config, env, target_uuid)
                    faults.checkpoint("before-commit")
            except BaseException:
                if demoted and not outside_touched:
                    # Nothing outside PostgreSQL changed and the transaction rolled back:
                    # the file is exactly as it was, processed included.
                    _restore_processed(config, env, url, target_uuid)
                raise
            result.phases["processors_and_commit"] = time.monotonic() - clock
    finally:
        conn.close()
    result.seconds = time.monotonic() - started
    return result


# ---------------------------------------------------------------- planning (reads only)
def plan_tables(conn, config: Config, env: Environment, metadata: dict, package: Path) -> list[TablePlan]:
    """Check every package table fits its target table; return them parents first."""
    plans: dict[str, TablePlan] = {}
    for name, table in metadata["tables"].items():
        rule = config.tables.get(name)
        if rule is None:
            raise MomrelError(f"package table {name} is not configured in params.yaml tables")
        target_columns = {c.name: c for c in catalog.table_columns(conn, env.schema, name)}
        if not target_columns:
            raise MomrelError(f"target table {env.schema}.{name} does not exist")
        columns = tuple(c["name"] for c in table["columns"])
        for column in columns:
            if column not in target_columns:
                raise MomrelError(f"package column {name}.{column} does not exist in the target "
                                  f"table {env.schema}.{name} (package from a newer schema?)")
        key = catalog.primary_key(conn, env.schema, name)
        id_column = key[0] if len(key) == 1 and key[0] in columns else None
        sequence = catalog.column_sequence(conn, env.schema, name, id_column) if id_column else None
        if rule.shared and not sequence:
            id_column = None
        plans[name] = TablePlan(
            name=name, csv=package / table["path"], columns=columns, shared=rule.shared,
            natural_key=tuple(table.get("natural_key") or rule.natural_key),
            file_column=rule.file_column, id_column=id_column if sequence else None,
            sequence=sequence)
        if rule.shared and not plans[name].natural_key:
            raise MomrelError(f"shared table {name} has no natural key to merge by")
    for fk in catalog.foreign_keys(conn, env.schema):
        if fk.table in plans and fk.ref_table in plans and len(fk.columns) == 1:
            parent = plans[fk.ref_table]
            if parent.id_column and fk.ref_columns == (parent.id_column,) \
                    and fk.columns[0] in plans[fk.table].columns:
                plans[fk.table].references[fk.columns[0]] = fk.ref_table
    order = graphlib.TopologicalSorter(
        {name: {ref for ref in plan.references.values() if ref != name} for name, plan in plans.items()})
    try:
        return [plans[name] for name in order.static_order()]
    except graphlib.CycleError as exc:
        raise MomrelError(f"foreign keys between packaged tables form a cycle: {exc.args[1]}") from None


def plan_registration(conn, config: Config, env: Environment, metadata: dict) -> dict:
    reg = config.registration
    target_columns = {c.name for c in catalog.table_columns(conn, env.schema, reg.table)}
    if not target_columns:
        raise MomrelError(f"target table {env.schema}.{reg.table} does not exist")
    registration = metadata.get("registration")
    if not isinstance(registration, dict):
        raise MomrelError("metadata.json: registration is not an object")
    for column in registration:
        if column not in target_columns:
            raise MomrelError(f"package column {reg.table}.{column} does not exist in the target "
                              f"table {env.schema}.{reg.table} (package from a newer schema?)")
    return {k: v for k, v in registration.items() if k not in (reg.key, reg.status_column)}


def plan_snapshots(client, config: Config, env: Environment, metadata: dict,
                   package: Path) -> list[SnapshotPlan]:
    plans = []
    for logical, collection in metadata["collections"].items():
        if logical not in env.collections:
            raise MomrelError(f"package collection {logical} has no Qdrant collection in "
                              f"environment {env.name} (params.yaml environments.{env.name}.collections)")
        target = env.collections[logical]
        path = package / collection["path"]
        with path.open("rb") as f:
            header = SnapshotReader(f, str(path)).header
        if client.collection_exists(target):
            existing = vectors.vector_specs(client, target)
            if list(existing) != list(header.vectors):
                raise MomrelError(
                    f"Qdrant collection {target} has vectors {_describe(existing)}, the package "
                    f"has {_describe(header.vectors)}: refusing to mix them")
        plans.append(SnapshotPlan(logical, path, target, header.file_uuid_key, header.point_count))
    return plans


def _describe(specs) -> str:
    return ", ".join(f"{s.name or 'default'} {s.size}-d {s.distance}" for s in specs)


# ---------------------------------------------------------------- PostgreSQL
def _demote_if_processed(config: Config, env: Environment, url: str, target_uuid: str) -> bool:
    """Re-importing over a processed file: say "not processed" before the file's rows, points
    and JSON change, so a crash in the middle is never reported as processed. Committed on a
    connection of its own, while the import's transaction is open (it has not touched the
    registration row yet, so nothing waits). Returns whether the status was changed."""
    reg = config.registration
    with pg.connect(url, autocommit=True) as side:
        changed = side.execute(
            sql.SQL("UPDATE {table} SET {status} = DEFAULT WHERE {key} = %s AND {status} = %s").format(
                table=sql.Identifier(env.schema, reg.table), status=sql.Identifier(reg.status_column),
                key=sql.Identifier(reg.key)),
            (target_uuid, reg.processed_status)).rowcount
    return changed > 0


def _restore_processed(config: Config, env: Environment, url: str, target_uuid: str) -> None:
    reg = config.registration
    with pg.connect(url, autocommit=True) as side:
        side.execute(sql.SQL("UPDATE {table} SET {status} = %s WHERE {key} = %s").format(
            table=sql.Identifier(env.schema, reg.table), status=sql.Identifier(reg.status_column),
            key=sql.Identifier(reg.key)), (reg.processed_status, target_uuid))


def _upsert_registration(conn, config: Config, env: Environment, registration: dict,
                         target_uuid: str) -> None:
    reg = config.registration
    columns = [reg.key, *registration]
    values = [target_uuid, *registration.values()]
    updates = [sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in registration]
    conflict = (sql.SQL("DO UPDATE SET ") + sql.SQL(", ").join(updates)) if updates else sql.SQL("DO NOTHING")
    conn.execute(
        sql.SQL("INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) {conflict}").format(
            table=sql.Identifier(env.schema, reg.table),
            columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
            values=sql.SQL(", ").join(sql.Placeholder() * len(values)),
            key=sql.Identifier(reg.key), conflict=conflict),
        values)


def _mark_processed(conn, config: Config, env: Environment, target_uuid: str) -> None:
    reg = config.registration
    conn.execute(sql.SQL("UPDATE {table} SET {status} = %s WHERE {key} = %s").format(
        table=sql.Identifier(env.schema, reg.table), status=sql.Identifier(reg.status_column),
        key=sql.Identifier(reg.key)), (reg.processed_status, target_uuid))


def _stage_tables(conn, schema: str, tables: list[TablePlan], result: ImportResult, bars) -> None:
    """COPY every CSV into its staging table and check the package's own references."""
    for plan in tables:
        result.rows[plan.name] = _stage(conn, schema, plan, bars)
        # Temporary tables get no statistics by themselves; without them the planner joins
        # 12k edges to 6k nodes by nested loops (seconds) instead of hashing (milliseconds).
        conn.execute(sql.SQL("ANALYZE {}").format(plan.stage))
        faults.checkpoint(f"after-copy-{plan.name}")
    for plan in tables:
        _check_references(conn, plan, tables)


def _apply_tables(conn, schema: str, tables: list[TablePlan], target_uuid: str,
                  result: ImportResult) -> None:
    """Replace the file's rows in the target with the staged ones, ids remapped."""
    for plan in tables:
        if plan.shared:
            result.identities_reused[plan.name] = _merge_shared(conn, schema, plan)
        elif plan.id_column:
            result.remapped_ids[plan.name] = _map_file_ids(conn, schema, plan, target_uuid)
    # Children first, then parents: remove this file's rows, never another file's.
    for plan in reversed(tables):
        if not plan.shared and plan.file_column:
            conn.execute(sql.SQL("DELETE FROM {} WHERE {} = %s").format(
                sql.Identifier(schema, plan.name), sql.Identifier(plan.file_column)), (target_uuid,))
    for plan in tables:
        if not plan.shared:
            _insert_file_rows(conn, schema, plan, target_uuid, {p.name: p for p in tables})
            faults.checkpoint(f"after-insert-{plan.name}")


def _stage(conn, schema: str, plan: TablePlan, bars) -> int:
    """COPY the CSV into a temporary table typed like the target's columns."""
    columns = sql.SQL(", ").join(map(sql.Identifier, plan.columns))
    conn.execute(sql.SQL("CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "
                         "SELECT {columns} FROM {target} WITH NO DATA").format(
        stage=plan.stage, columns=columns, target=sql.Identifier(schema, plan.name)))
    advance = bars.task(f"{plan.name}.csv", plan.csv.stat().st_size)
    try:
        with conn.cursor() as cur:
            with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER)").format(
                    plan.stage, columns)) as copy, plan.csv.open("rb") as f:
                for chunk in iter(lambda: f.read(COPY_CHUNK), b""):
                    copy.write(chunk)
                    advance(len(chunk))
            return cur.rowcount
    except psycopg.errors.DataError as exc:
        raise MomrelError(f"{plan.csv.name}: {_pg_message(exc)}") from None
    except psycopg.errors.BadCopyFileFormat as exc:
        raise MomrelError(f"{plan.csv.name}: {_pg_message(exc)}") from None


def _pg_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    text = diag.message_primary or str(exc).splitlines()[0]
    return f"{text} ({diag.context.splitlines()[0]})" if diag.context else text


def _check_references(conn, plan: TablePlan, tables: list[TablePlan]) -> None:
    """Every foreign key value in the package must point at a row of the package."""
    by_name = {p.name: p for p in tables}
    for column, parent_name in plan.references.items():
        parent = by_name[parent_name]
        row = conn.execute(sql.SQL(
            "SELECT s.{col} FROM {stage} s WHERE s.{col} IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM {parent} p WHERE p.{pid} = s.{col}) LIMIT 1").format(
                col=sql.Identifier(column), stage=plan.stage, parent=parent.stage,
                pid=sql.Identifier(parent.id_column))).fetchone()
        if row:
            raise MomrelError(f"package is inconsistent: {plan.name}.{column} = {row[0]} has no "
                              f"row in {parent_name}.csv")


def _merge_shared(conn, schema: str, plan: TablePlan) -> int:
    """Insert shared rows missing from the target (by natural key); map package ids to target
    ids. Returns how many package rows matched rows the target already had."""
    target = sql.Identifier(schema, plan.name)
    natural = sql.SQL(", ").join(map(sql.Identifier, plan.natural_key))
    copied = [c for c in plan.columns if c != plan.id_column]
    existing = conn.execute(sql.SQL(
        "SELECT count(*) FROM {stage} s WHERE EXISTS (SELECT 1 FROM {target} t WHERE {match})").format(
            stage=plan.stage, target=target, match=_natural_match(plan))).fetchone()[0]
    conn.execute(sql.SQL(
        "INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage} ORDER BY {order} "
        "ON CONFLICT ({natural}) DO NOTHING").format(
            target=target, columns=sql.SQL(", ").join(map(sql.Identifier, copied)), stage=plan.stage,
            order=sql.Identifier(plan.id_column) if plan.id_column else natural, natural=natural))
    if plan.id_column:
        conn.execute(sql.SQL(
            "CREATE TEMPORARY TABLE {map} ON COMMIT DROP AS "
            "SELECT s.{id} AS old_id, t.{id} AS new_id FROM {stage} s JOIN {target} t ON {match}").format(
                map=plan.id_map, id=sql.Identifier(plan.id_column), stage=plan.stage, target=target,
                match=_natural_match(plan)))
        conn.execute(sql.SQL("ANALYZE {}").format(plan.id_map))
    return existing


def _natural_match(plan: TablePlan) -> sql.Composable:
    return sql.SQL(" AND ").join(
        sql.SQL("t.{0} = s.{0}").format(sql.Identifier(c)) for c in plan.natural_key)


def _map_file_ids(conn, schema: str, plan: TablePlan, target_uuid: str) -> int:
    """Package id -> target id: the file's existing target ids in order, then new ones."""
    conn.execute(sql.SQL("""
        CREATE TEMPORARY TABLE {map} ON COMMIT DROP AS
        WITH incoming AS (SELECT {id} AS old_id, row_number() OVER (ORDER BY {id}) AS rank FROM {stage}),
             kept AS (SELECT {id} AS id, row_number() OVER (ORDER BY {id}) AS rank
                      FROM {target} WHERE {file_column} = %s)
        SELECT incoming.old_id, kept.id AS new_id, incoming.rank
        FROM incoming LEFT JOIN kept USING (rank)
        """).format(map=plan.id_map, id=sql.Identifier(plan.id_column), stage=plan.stage,
                    target=sql.Identifier(schema, plan.name), file_column=sql.Identifier(plan.file_column)),
        (target_uuid,))
    # New ids in rank order, so the ids keep the package's row order.
    conn.execute(sql.SQL(
        "UPDATE {map} m SET new_id = n.new_id FROM (SELECT rank, nextval(%s::regclass) AS new_id "
        "FROM (SELECT rank FROM {map} WHERE new_id IS NULL ORDER BY rank) AS missing) AS n "
        "WHERE m.rank = n.rank").format(map=plan.id_map),
        (plan.sequence,))
    conn.execute(sql.SQL("ANALYZE {}").format(plan.id_map))
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(plan.id_map)).fetchone()[0]


def _insert_file_rows(conn, schema: str, plan: TablePlan, target_uuid: str, plans: dict) -> None:
    selected, joins = [], []
    for column in plan.columns:
        ident = sql.Identifier(column)
        if column == plan.id_column:
            selected.append(sql.SQL("self_map.new_id"))
        elif column == plan.file_column:
            selected.append(sql.SQL("%(target_uuid)s::uuid"))
        elif column in plan.references:
            parent = plans[plan.references[column]]
            alias = sql.Identifier(f"ref_{column}")
            selected.append(sql.SQL("{}.new_id").format(alias))
            joins.append(sql.SQL("LEFT JOIN {map} {alias} ON {alias}.old_id = s.{col}").format(
                map=parent.id_map, alias=alias, col=ident))
        else:
            selected.append(sql.SQL("s.{}").format(ident))
    if plan.id_column:
        joins.insert(0, sql.SQL("JOIN {} self_map ON self_map.old_id = s.{}").format(
            plan.id_map, sql.Identifier(plan.id_column)))
    conn.execute(sql.SQL("INSERT INTO {target} ({columns}) SELECT {selected} FROM {stage} s {joins} "
                         "ORDER BY {order}").format(
        target=sql.Identifier(schema, plan.name),
        columns=sql.SQL(", ").join(map(sql.Identifier, plan.columns)),
        selected=sql.SQL(", ").join(selected), stage=plan.stage, joins=sql.SQL(" ").join(joins),
        order=sql.SQL("s.{}").format(sql.Identifier(plan.id_column or plan.columns[0]))),
        {"target_uuid": target_uuid})


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
            vectors.create_collection(client, plan.target_collection, list(reader.header.vectors))
        client.delete(plan.target_collection, wait=True,
                      points_selector=vectors.file_filter(plan.file_uuid_key, target_uuid))
        advance = bars.task(f"qdrant/{plan.logical}", plan.points)
        batch, count = [], 0
        for point in reader.points():
            payload = dict(point.payload)
            payload[plan.file_uuid_key] = target_uuid
            vector = point.vectors[""].tolist() if list(point.vectors) == [""] else \
                {name: v.tolist() for name, v in point.vectors.items()}
            batch.append(models.PointStruct(
                id=target_point_id(point.id, source_uuid, target_uuid, plan.logical),
                vector=vector, payload=payload))
            if len(batch) == UPSERT_BATCH:
                client.upsert(plan.target_collection, points=batch, wait=True)
                count += len(batch)
                advance(len(batch))
                batch = []
                faults.checkpoint("during-points")
        if batch:
            client.upsert(plan.target_collection, points=batch, wait=True)
            count += len(batch)
            advance(len(batch))
    return count


def _copy_processors(metadata: dict, package: Path, env: Environment, target_uuid: str) -> int:
    env.output_dir.mkdir(parents=True, exist_ok=True)
    for name, relative in metadata["processors"].items():
        destination = env.output_dir / f"{target_uuid}.{name}.json"
        fd, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", dir=env.output_dir)
        try:
            with os.fdopen(fd, "wb") as out, (package / relative).open("rb") as source:
                shutil.copyfileobj(source, out, COPY_CHUNK)
            os.chmod(tmp, 0o644)
            os.replace(tmp, destination)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return len(metadata["processors"])

