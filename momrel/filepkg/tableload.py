"""The PostgreSQL half of an import, on one connection inside the importer's transaction.

stage:  COPY each verified CSV into a temporary table typed like the target's columns, and
        compare the rows COPY loaded with the rows verify counted.
check:  the staged package is consistent on its own and harmless to other files: primary and
        natural keys present and unique, every row of a per-file table belongs to the package's
        file, every foreign key between packaged tables resolves inside the package, every
        shared row is one the file's rows reference, no kept id is another file's row.
apply:  shared rows merged by natural key; per-file ids remapped (the file's own target ids
        reused in order, then the table's sequence); the file's rows replaced; every foreign
        key between packaged tables rewritten through the id maps.

All SQL is composed with psycopg.sql (identifiers from params.yaml and the catalog) and
parameters (values); names from the package reach it only after the catalog confirmed them.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from momrel import faults
from momrel.config import Config, Environment
from momrel.errors import MomrelError
from momrel.filepkg.fit import TablePlan

COPY_CHUNK = 1 << 20


# ---------------------------------------------------------------- stage
def stage_tables(conn, schema: str, tables: list[TablePlan], bars) -> dict[str, int]:
    """COPY every CSV into its staging table; return rows per table."""
    rows = {}
    for plan in tables:
        rows[plan.name] = _stage(conn, schema, plan, bars)
        if rows[plan.name] != plan.rows:
            raise MomrelError(f"{plan.csv.name}: COPY loaded {rows[plan.name]} rows, "
                              f"metadata.json says {plan.rows}: refusing the package")
        # Temporary tables get no statistics by themselves; without them the planner joins
        # 12k edges to 6k nodes by nested loops (seconds) instead of hashing (milliseconds).
        conn.execute(sql.SQL("ANALYZE {}").format(plan.stage))
        faults.checkpoint(f"after-copy-{plan.name}")
    return rows


def _stage(conn, schema: str, plan: TablePlan, bars) -> int:
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
    except psycopg.errors.DataError as exc:  # a bad cell, a bad encoding, a malformed line
        raise MomrelError(f"{plan.csv.name}: {_pg_message(exc)}") from None


def _pg_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    text = diag.message_primary or str(exc).splitlines()[0]
    return f"{text} ({diag.context.splitlines()[0]})" if diag.context else text


# ---------------------------------------------------------------- check
def check_package(conn, schema: str, tables: list[TablePlan], source_uuid: str,
                  target_uuid: str) -> None:
    """Refuse a staged package that is inconsistent or would touch another file's rows."""
    by_name = {p.name: p for p in tables}
    for plan in tables:
        _check_key(conn, plan, plan.primary_key, "primary key")
        if plan.shared:
            _check_key(conn, plan, plan.natural_key, "natural key")
        if plan.file_column:
            _check_file_column(conn, plan, source_uuid)
        for fk in plan.foreign_keys:
            _check_reference(conn, plan, fk, by_name[fk.ref_table])
        if plan.through:
            _check_through(conn, plan, by_name[plan.through.table])
        if not plan.shared and plan.primary_key and not plan.id_column and plan.file_column:
            _check_kept_keys(conn, schema, plan, target_uuid)


def _columns(names, alias: str = "") -> sql.Composable:
    prefix = sql.SQL(f"{alias}.") if alias else sql.SQL("")
    return sql.SQL(", ").join(prefix + sql.Identifier(n) for n in names)


def _values(row) -> str:
    return ", ".join(str(v) for v in row)


def _check_key(conn, plan: TablePlan, key: tuple[str, ...], what: str) -> None:
    if not key:
        return
    nulls = sql.SQL(" OR ").join(sql.SQL("{} IS NULL").format(sql.Identifier(c)) for c in key)
    if conn.execute(sql.SQL("SELECT 1 FROM {} WHERE {} LIMIT 1").format(plan.stage, nulls)).fetchone():
        raise MomrelError(f"package is inconsistent: {plan.name}.csv has a row without its "
                          f"{what} ({', '.join(key)})")
    row = conn.execute(sql.SQL("SELECT {cols} FROM {stage} GROUP BY {cols} HAVING count(*) > 1 "
                               "LIMIT 1").format(cols=_columns(key), stage=plan.stage)).fetchone()
    if row:
        raise MomrelError(f"package is inconsistent: {plan.name}.csv has {what} "
                          f"({', '.join(key)}) = ({_values(row)}) twice")


def _check_file_column(conn, plan: TablePlan, source_uuid: str) -> None:
    row = conn.execute(sql.SQL("SELECT {col}::text FROM {stage} WHERE {col}::text IS DISTINCT FROM %s "
                               "LIMIT 1").format(col=sql.Identifier(plan.file_column), stage=plan.stage),
                       (source_uuid,)).fetchone()
    if row:
        raise MomrelError(f"package is inconsistent: {plan.name}.csv holds a row of file {row[0]}, "
                          f"not of the package's file {source_uuid}")


def _check_reference(conn, plan: TablePlan, fk, parent: TablePlan) -> None:
    """Every foreign key value must name a row of the package (MATCH SIMPLE: a NULL anywhere
    in the key means no reference)."""
    present = sql.SQL(" AND ").join(sql.SQL("s.{} IS NOT NULL").format(sql.Identifier(c))
                                    for c in fk.columns)
    match = sql.SQL(" AND ").join(sql.SQL("p.{} = s.{}").format(sql.Identifier(r), sql.Identifier(c))
                                  for c, r in zip(fk.columns, fk.ref_columns))
    row = conn.execute(sql.SQL(
        "SELECT {cols} FROM {stage} s WHERE {present} AND NOT EXISTS "
        "(SELECT 1 FROM {parent} p WHERE {match}) LIMIT 1").format(
            cols=_columns(fk.columns, "s"), stage=plan.stage, present=present,
            parent=parent.stage, match=match)).fetchone()
    if row:
        raise MomrelError(f"package is inconsistent: {plan.name}.{', '.join(fk.columns)} = "
                          f"{_values(row)} has no row in {parent.name}.csv")


def _check_through(conn, plan: TablePlan, parent: TablePlan) -> None:
    """A shared table holds only rows the file's own rows reference (params.yaml `through`)."""
    through = plan.through
    row = conn.execute(sql.SQL(
        "SELECT s.{key} FROM {stage} s WHERE NOT EXISTS "
        "(SELECT 1 FROM {parent} p WHERE p.{col} = s.{key}) LIMIT 1").format(
            key=sql.Identifier(through.key), stage=plan.stage, parent=parent.stage,
            col=sql.Identifier(through.column))).fetchone()
    if row:
        raise MomrelError(f"package is inconsistent: {plan.name}.csv has a row ({through.key} = "
                          f"{row[0]}) that no {parent.name}.{through.column} references")


def _check_kept_keys(conn, schema: str, plan: TablePlan, target_uuid: str) -> None:
    """A per-file key that is kept as it is (not sequence-fed) must not be another file's row."""
    match = sql.SQL(" AND ").join(sql.SQL("t.{0} = s.{0}").format(sql.Identifier(c))
                                  for c in plan.primary_key)
    row = conn.execute(sql.SQL(
        "SELECT t.{file}::text, {cols} FROM {target} t JOIN {stage} s ON {match} "
        "WHERE t.{file}::text IS DISTINCT FROM %s LIMIT 1").format(
            file=sql.Identifier(plan.file_column), cols=_columns(plan.primary_key, "t"),
            target=sql.Identifier(schema, plan.name), stage=plan.stage, match=match),
        (target_uuid,)).fetchone()
    if row:
        raise MomrelError(f"{plan.name} row ({_values(row[1:])}) of the package is, in the target, "
                          f"a row of file {row[0]}: refusing to overwrite it")


# ---------------------------------------------------------------- apply
def apply_tables(conn, schema: str, tables: list[TablePlan], target_uuid: str,
                 remapped: dict[str, int], reused: dict[str, int]) -> None:
    """Replace the file's rows in the target with the staged ones, ids remapped."""
    for plan in tables:
        if plan.shared:
            reused[plan.name] = _merge_shared(conn, schema, plan)
        elif plan.id_column:
            remapped[plan.name] = _map_file_ids(conn, schema, plan, target_uuid)
    # Children first, then parents: remove this file's rows, never another file's.
    for plan in reversed(tables):
        if not plan.shared and plan.file_column:
            conn.execute(sql.SQL("DELETE FROM {} WHERE {} = %s").format(
                sql.Identifier(schema, plan.name), sql.Identifier(plan.file_column)), (target_uuid,))
    for plan in tables:
        if not plan.shared:
            _insert_file_rows(conn, schema, plan, target_uuid, {p.name: p for p in tables})
            faults.checkpoint(f"after-insert-{plan.name}")


def _merge_shared(conn, schema: str, plan: TablePlan) -> int:
    """Insert shared rows missing from the target (by natural key); map package ids to target
    ids. Returns how many package rows matched rows the target already had."""
    target = sql.Identifier(schema, plan.name)
    natural = _columns(plan.natural_key)
    copied = [c for c in plan.columns if c != plan.id_column]
    existing = conn.execute(sql.SQL(
        "SELECT count(*) FROM {stage} s WHERE EXISTS (SELECT 1 FROM {target} t WHERE {match})").format(
            stage=plan.stage, target=target, match=_natural_match(plan))).fetchone()[0]
    conn.execute(sql.SQL(
        "INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage} ORDER BY {order} "
        "ON CONFLICT ({natural}) DO NOTHING").format(
            target=target, columns=_columns(copied), stage=plan.stage,
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
        target=sql.Identifier(schema, plan.name), columns=_columns(plan.columns),
        selected=sql.SQL(", ").join(selected), stage=plan.stage, joins=sql.SQL(" ").join(joins),
        order=sql.SQL("s.{}").format(sql.Identifier(plan.id_column or plan.columns[0]))),
        {"target_uuid": target_uuid})


# ---------------------------------------------------------------- registration and status
def upsert_registration(conn, config: Config, env: Environment, registration: dict,
                        target_uuid: str) -> None:
    reg = config.registration
    columns = [reg.key, *registration]
    values = [target_uuid, *registration.values()]
    updates = [sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in registration]
    conflict = (sql.SQL("DO UPDATE SET ") + sql.SQL(", ").join(updates)) if updates else sql.SQL("DO NOTHING")
    conn.execute(
        sql.SQL("INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) {conflict}").format(
            table=sql.Identifier(env.schema, reg.table), columns=_columns(columns),
            values=sql.SQL(", ").join(sql.Placeholder() * len(values)),
            key=sql.Identifier(reg.key), conflict=conflict),
        values)


def set_status(conn, config: Config, env: Environment, target_uuid: str, status: str | None,
               only_if: str | None = None) -> bool:
    """Set the file's status (None: the column default); with `only_if`, only from that status.
    Returns whether a row changed."""
    reg = config.registration
    value = sql.SQL("DEFAULT") if status is None else sql.Placeholder()
    query = sql.SQL("UPDATE {table} SET {status} = {value} WHERE {key} = %s").format(
        table=sql.Identifier(env.schema, reg.table), status=sql.Identifier(reg.status_column),
        value=value, key=sql.Identifier(reg.key))
    params = ([] if status is None else [status]) + [target_uuid]
    if only_if is not None:
        query += sql.SQL(" AND {} = %s").format(sql.Identifier(reg.status_column))
        params.append(only_if)
    return conn.execute(query, params).rowcount > 0
