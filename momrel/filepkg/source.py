"""Reading one file's data from the source environment: catalog facts and row selection.

All SQL is composed with psycopg.sql (identifiers from params.yaml) and parameters (values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg
from psycopg import sql

from momrel.config import Config, TableRule
from momrel.errors import ConfigError
from momrel.tablefacts import Column, primary_key, table_columns


@dataclass(frozen=True)
class TableInfo:
    rule: TableRule
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def describe_tables(conn: psycopg.Connection, config: Config, schema: str) -> dict[str, TableInfo]:
    """Catalog facts for every configured table, checking that configured columns exist.

    A table or column params.yaml names and the database lacks is a configuration error."""
    infos = {}
    for name, rule in config.tables.items():
        columns = table_columns(conn, schema, name)
        if not columns:
            raise ConfigError(f"params.yaml: tables.{name}: table {schema}.{name} does not exist")
        names = {c.name for c in columns}
        wanted = [("order_by", c) for c in rule.order_by]
        wanted += [("natural_key", c) for c in rule.natural_key]
        if rule.file_column:
            wanted.append(("file_column", rule.file_column))
        if rule.through:
            wanted.append(("through.key", rule.through.key))
        for key, column in wanted:
            if column not in names:
                raise ConfigError(f"params.yaml: tables.{name}.{key}: column '{column}' "
                                  f"does not exist in {schema}.{name}")
        infos[name] = TableInfo(rule, columns, primary_key(conn, schema, name))
    for info in infos.values():
        through = info.rule.through
        if through and through.column not in infos[through.table].column_names:
            raise ConfigError(f"params.yaml: tables.{info.rule.name}.through.column: column "
                              f"'{through.column}' does not exist in {schema}.{through.table}")
    return infos


def select_file_rows(schema: str, info: TableInfo, infos: dict[str, TableInfo]) -> sql.Composed:
    """SELECT of one file's rows of a table, in a deterministic order; one %s = the file uuid."""
    rule = info.rule
    table = sql.Identifier(schema, rule.name)
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in info.column_names)
    order = sql.SQL(", ").join(sql.Identifier(c) for c in rule.order_by)
    if rule.through is None:
        where = sql.SQL("{} = %s").format(sql.Identifier(rule.file_column))
    else:
        parent = infos[rule.through.table].rule
        where = sql.SQL("{key} IN (SELECT {col} FROM {parent} WHERE {file_col} = %s)").format(
            key=sql.Identifier(rule.through.key),
            col=sql.Identifier(rule.through.column),
            parent=sql.Identifier(schema, parent.name),
            file_col=sql.Identifier(parent.file_column),
        )
    return sql.SQL("SELECT {columns} FROM {table} WHERE {where} ORDER BY {order}").format(
        columns=columns, table=table, where=where, order=order)


def count_file_rows(conn: psycopg.Connection, schema: str, info: TableInfo,
                    infos: dict[str, TableInfo], file_uuid: str) -> int:
    query = sql.SQL("SELECT count(*) FROM ({}) AS file_rows").format(
        select_file_rows(schema, info, infos))
    return conn.execute(query, (file_uuid,)).fetchone()[0]


def check_registration_table(conn: psycopg.Connection, config: Config, schema: str) -> None:
    """params.yaml's registration table is in `schema` with its key and status columns (export
    reads them, import writes them)."""
    reg = config.registration
    columns = {c.name for c in table_columns(conn, schema, reg.table)}
    if not columns:
        raise ConfigError(f"params.yaml: registration.table: table {schema}.{reg.table} does not exist")
    for key, column in (("key", reg.key), ("status_column", reg.status_column)):
        if column not in columns:
            raise ConfigError(f"params.yaml: registration.{key}: column '{column}' does not exist "
                              f"in {schema}.{reg.table}")


def registration_row(conn: psycopg.Connection, config: Config, schema: str,
                     file_uuid: str) -> dict | None:
    """The file's row of the registration table as JSON-ready values, or None if absent."""
    reg = config.registration
    check_registration_table(conn, config, schema)
    query = sql.SQL("SELECT to_jsonb(r)::text FROM {table} AS r WHERE {key} = %s").format(
        table=sql.Identifier(schema, reg.table), key=sql.Identifier(reg.key))
    row = conn.execute(query, (file_uuid,)).fetchone()
    return json.loads(row[0]) if row else None
