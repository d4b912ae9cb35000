"""Does a verified package fit this target? Everything the importer checks before its first write.

The trust model (docs/import.md): params.yaml and the target's own catalog decide names and
keys; a package only proposes. metadata.json must agree with params.yaml on the set of
tables, collections and processors, on shared tables and their natural keys and on each
collection's file uuid key, or the package is refused naming the field. The target's catalog
decides which columns are keys: every packaged table must carry its primary key and every
foreign key column between packaged tables, so that no id of the source database reaches the
target without being remapped. Nothing here writes.
"""

from __future__ import annotations

import graphlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from psycopg import sql

from momrel import tablefacts, vectors
from momrel.config import Config, Environment, Through
from momrel.errors import ConfigError, MomrelError
from momrel.filepkg import layout, source
from momrel.filepkg.metadata import PackageMetadata
from momrel.filepkg.snapshot import SnapshotReader
from momrel.vectors import VectorSpec

OWNERSHIP_BATCH = 512


@dataclass
class TablePlan:
    name: str
    csv: Path
    rows: int                       # rows metadata.json (and verify) counted
    columns: tuple[str, ...]        # package columns, in CSV order
    shared: bool
    natural_key: tuple[str, ...]    # params.yaml's, never the package's
    file_column: str | None         # per-file tables: the column holding the file uuid
    through: Through | None         # shared tables: the per-file table that references them
    primary_key: tuple[str, ...]    # the target's
    id_column: str | None           # surrogate key remapped through the target's sequence
    sequence: str | None
    references: dict[str, str] = field(default_factory=dict)  # column -> parent whose id is remapped
    foreign_keys: list[tablefacts.ForeignKey] = field(default_factory=list)  # to packaged tables

    @property
    def stage(self) -> sql.Identifier:
        """The temporary table the CSV is copied into."""
        return sql.Identifier(f"momrel_stage_{self.name}")

    @property
    def id_map(self) -> sql.Identifier:
        """The temporary table mapping package ids to target ids."""
        return sql.Identifier(f"momrel_map_{self.name}")


@dataclass
class SnapshotPlan:
    logical: str
    path: Path
    target_collection: str
    file_uuid_key: str              # params.yaml's
    points: int
    vectors: tuple[VectorSpec, ...]
    collection_exists: bool


@dataclass
class ImportPlan:
    tables: list[TablePlan]         # parents first
    registration: dict              # registration columns to write (key and status excluded)
    snapshots: list[SnapshotPlan]
    processors: dict[str, Path]     # processor name -> file in the verified copy
    processor_bytes: int


def plan_import(conn, client, config: Config, env: Environment, meta: PackageMetadata,
                package: Path) -> ImportPlan:
    """Check the package against params.yaml and the target; return what the import will do."""
    _same_names("tables", meta.tables, config.tables)
    _same_names("collections", meta.collections, config.collections)
    _same_names("processors", meta.processors, config.processors)
    processors = {name: package / layout.processor_path(name) for name in config.processors}
    return ImportPlan(
        tables=plan_tables(conn, config, env, meta, package),
        registration=plan_registration(conn, config, env, meta),
        snapshots=plan_snapshots(client, config, env, meta, package),
        processors=processors,
        processor_bytes=sum(path.stat().st_size for path in processors.values()),
    )


def _same_names(key: str, proposed, configured) -> None:
    missing = sorted(set(configured) - set(proposed))
    extra = sorted(set(proposed) - set(configured))
    if missing or extra:
        parts = ([f"lacks {', '.join(missing)}"] if missing else []) + \
                ([f"has {', '.join(extra)} in addition"] if extra else [])
        raise MomrelError(f"metadata.json {key} differ from params.yaml {key}: the package "
                          f"{' and '.join(parts)}")


def _disagree(field_path: str, proposed, configured) -> MomrelError:
    return MomrelError(f"metadata.json {field_path} is {proposed!r}, params.yaml says "
                       f"{configured!r}: refusing the package")


# ---------------------------------------------------------------- tables
def plan_tables(conn, config: Config, env: Environment, meta: PackageMetadata,
                package: Path) -> list[TablePlan]:
    schema = env.schema
    plans: dict[str, TablePlan] = {}
    for name, table in meta.tables.items():
        rule = config.tables[name]
        if table.shared != rule.shared:
            raise _disagree(f"tables.{name}.shared", table.shared, rule.shared)
        if table.natural_key != rule.natural_key:
            raise _disagree(f"tables.{name}.natural_key", list(table.natural_key),
                            list(rule.natural_key))
        columns = table.column_names
        _check_target_has(conn, schema, name, columns, f"tables.{name}")
        primary_key = tablefacts.primary_key(conn, schema, name)
        _require_columns(name, columns, primary_key, f"primary key of {schema}.{name}")
        if rule.file_column:
            _require_columns(name, columns, (rule.file_column,), "params.yaml file_column")
        if rule.natural_key:
            _require_columns(name, columns, rule.natural_key, "params.yaml natural_key")
            if not tablefacts.has_unique_index(conn, schema, name, rule.natural_key):
                raise ConfigError(f"params.yaml: tables.{name}.natural_key "
                                  f"({', '.join(rule.natural_key)}) has no unique index in the "
                                  f"target table {schema}.{name}: shared rows cannot be merged by it")
        if rule.through:
            _require_columns(name, columns, (rule.through.key,), "params.yaml through.key")
        id_column = primary_key[0] if len(primary_key) == 1 else None
        sequence = tablefacts.column_sequence(conn, schema, name, id_column) if id_column else None
        plans[name] = TablePlan(
            name=name, csv=package / table.path, rows=table.rows, columns=columns,
            shared=rule.shared, natural_key=rule.natural_key, file_column=rule.file_column,
            through=rule.through, primary_key=primary_key,
            id_column=id_column if sequence else None, sequence=sequence)
    for plan in plans.values():
        if plan.through:
            parent = plans[plan.through.table]
            _require_columns(parent.name, parent.columns, (plan.through.column,),
                             f"params.yaml tables.{plan.name}.through.column")
    _plan_foreign_keys(conn, config, schema, plans)
    order = graphlib.TopologicalSorter(
        {name: {fk.ref_table for fk in plan.foreign_keys if fk.ref_table != name}
         for name, plan in plans.items()})
    try:
        return [plans[name] for name in order.static_order()]
    except graphlib.CycleError as exc:
        raise MomrelError(f"foreign keys between packaged tables form a cycle: {exc.args[1]}") from None


def _check_target_has(conn, schema: str, table: str, columns: tuple[str, ...],
                      configured_as: str) -> None:
    """The target table exists (params.yaml names it: if it is not there, the configuration is
    wrong, exit 2) and has every column the package brings (else the package is refused)."""
    target_columns = {c.name for c in tablefacts.table_columns(conn, schema, table)}
    if not target_columns:
        raise ConfigError(f"params.yaml: {configured_as}: target table {schema}.{table} "
                          "does not exist")
    for column in columns:
        if column not in target_columns:
            raise MomrelError(f"package column {table}.{column} does not exist in the target "
                              f"table {schema}.{table} (package from a newer schema?)")


def _require_columns(table: str, present: tuple[str, ...], needed: tuple[str, ...], what: str) -> None:
    for column in needed:
        if column not in present:
            raise MomrelError(f"package table {table} lacks column {column} ({what}): "
                              "refusing the package")


def _plan_foreign_keys(conn, config: Config, schema: str, plans: dict[str, TablePlan]) -> None:
    """Every foreign key of a packaged table, from the target's catalog.

    Between packaged tables: the package must carry the columns, and a key to a remapped id is
    rewritten. To a table that is not packaged: values are copied as they are, which is only
    sound for values that mean the same on every database (a file uuid, a natural key); a
    sequence-fed id would point at an unrelated row, so such a key is refused."""
    for fk in tablefacts.foreign_keys(conn, schema):
        plan = plans.get(fk.table)
        if plan is None:
            continue
        described = (f"{fk.table}({', '.join(fk.columns)}) -> "
                     f"{fk.ref_table}({', '.join(fk.ref_columns)})")
        if fk.ref_table in plans:
            _require_columns(fk.table, plan.columns, fk.columns, f"foreign key {described}")
            parent = plans[fk.ref_table]
            plan.foreign_keys.append(fk)
            if parent.id_column and parent.id_column in fk.ref_columns:
                if len(fk.columns) != 1:
                    raise MomrelError(f"foreign key {described} includes the remapped id "
                                      f"{fk.ref_table}.{parent.id_column} with other columns: "
                                      "not supported")
                plan.references[fk.columns[0]] = fk.ref_table
            continue
        if not set(fk.columns) & set(plan.columns) or fk.ref_table == config.registration.table:
            continue
        for ref_column in fk.ref_columns:
            if tablefacts.column_sequence(conn, schema, fk.ref_table, ref_column):
                raise ConfigError(
                    f"params.yaml: tables: foreign key {described} points at a sequence-fed id "
                    f"of a table that is not packaged: its values would name unrelated rows on "
                    f"the target (add {fk.ref_table} to params.yaml tables)")


def plan_registration(conn, config: Config, env: Environment, meta: PackageMetadata) -> dict:
    reg = config.registration
    registration = meta.registration
    source.check_registration_table(conn, config, env.schema)
    if not tablefacts.has_unique_index(conn, env.schema, reg.table, (reg.key,)):
        raise ConfigError(f"params.yaml: registration.key: column '{reg.key}' has no unique index "
                          f"in the target table {env.schema}.{reg.table}: the file's row cannot "
                          "be upserted by it")
    _check_target_has(conn, env.schema, reg.table, tuple(registration), "registration.table")
    if reg.key in registration and registration[reg.key] != meta.file_uuid:
        raise MomrelError(f"metadata.json registration.{reg.key} is {registration[reg.key]!r}, "
                          f"not the package's file_uuid {meta.file_uuid}")
    return {k: v for k, v in registration.items() if k not in (reg.key, reg.status_column)}


# ---------------------------------------------------------------- Qdrant
def plan_snapshots(client, config: Config, env: Environment, meta: PackageMetadata,
                   package: Path) -> list[SnapshotPlan]:
    plans = []
    for logical, collection in meta.collections.items():
        rule = config.collections[logical]
        if collection.file_uuid_key != rule.file_uuid_key:
            raise _disagree(f"collections.{logical}.file_uuid_key", collection.file_uuid_key,
                            rule.file_uuid_key)
        target = env.collections[logical]
        exists = client.collection_exists(target)
        if exists:
            expected, source = vectors.vector_specs(client, target), f"Qdrant collection {target} has"
        else:
            expected = [VectorSpec("", rule.vector_size, rule.distance)]
            source = f"params.yaml collections.{logical}.vectors (for the new collection {target}) says"
        if list(expected) != list(collection.vectors):
            raise MomrelError(f"{source} vectors {_describe(expected)}, the package has "
                              f"{_describe(collection.vectors)}: refusing to mix them")
        plans.append(SnapshotPlan(logical, package / collection.path, target, rule.file_uuid_key,
                                  collection.points, collection.vectors, exists))
    return plans


def _describe(specs) -> str:
    return ", ".join(f"{s.name or 'default'} {s.size}-d {s.distance}" for s in specs)


def check_point_ownership(client, plan: SnapshotPlan, source_uuid: str, target_uuid: str,
                          target_point_id) -> None:
    """No point of the package may overwrite a point the target holds for another file.

    Ids are kept when a package is imported under its own uuid, so two packages (or a tampered
    one) could name the same id; each id is looked up in the target before anything changes."""
    if not plan.collection_exists:
        return
    with plan.path.open("rb", buffering=1 << 20) as f:
        reader = SnapshotReader(f, str(plan.path))
        batch = []
        for point in reader.points():
            batch.append(target_point_id(point.id, source_uuid, target_uuid, plan.logical))
            if len(batch) == OWNERSHIP_BATCH:
                _check_owners(client, plan, batch, target_uuid)
                batch = []
        if batch:
            _check_owners(client, plan, batch, target_uuid)


def _check_owners(client, plan: SnapshotPlan, ids: list, target_uuid: str) -> None:
    for found in client.retrieve(plan.target_collection, ids, with_payload=True, with_vectors=False):
        owner = (found.payload or {}).get(plan.file_uuid_key)
        if owner != target_uuid:
            raise MomrelError(f"point {found.id} of the package is, in Qdrant collection "
                              f"{plan.target_collection}, a point of "
                              f"{'file ' + str(owner) if owner else 'no file'}: refusing to "
                              "overwrite it")


# ---------------------------------------------------------------- output dir
def check_output_dir(output_dir: Path, needed_bytes: int) -> None:
    """The processor JSON can be written: the folder (or the nearest folder that exists above
    it) is a writable folder with room for the files and a copy of the ones they replace."""
    existing = output_dir
    while not existing.exists() and not existing.is_symlink():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise MomrelError(f"output dir {output_dir}: {existing} is not a folder; cannot write "
                          "processor JSON there")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise MomrelError(f"output dir {output_dir}: {existing} is not writable")
    free = shutil.disk_usage(existing).free
    if free < needed_bytes:
        raise MomrelError(f"output dir {output_dir}: {free:,} bytes free, the processor JSON and "
                          f"the copies kept aside need {needed_bytes:,}")
