"""Live facts about a database's tables (pg_catalog), read by export, import and database setup.

Not the schema model: momrel/schema/catalog.py reads a whole database into comparable values
for schema diffs. Where both describe the same fact they use the same field name
(`Column.data_type`, `Column.not_null`, as in momrel/schema/model.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str    # format_type() of the column, e.g. "bigint", "real[]", "jsonb"
    not_null: bool


def table_exists(conn: psycopg.Connection, schema: str, table: str) -> bool:
    """Whether `schema` holds a relation named `table`."""
    row = conn.execute(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s", (schema, table)).fetchone()
    return row is not None


def table_columns(conn: psycopg.Connection, schema: str, table: str) -> tuple[Column, ...]:
    rows = conn.execute(
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        (schema, table),
    ).fetchall()
    return tuple(Column(name, data_type, not_null) for name, data_type, not_null in rows)


def primary_key(conn: psycopg.Connection, schema: str, table: str) -> tuple[str, ...]:
    rows = conn.execute(
        """
        SELECT a.attname
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE n.nspname = %s AND c.relname = %s AND i.indisprimary
        ORDER BY k.ord
        """,
        (schema, table),
    ).fetchall()
    return tuple(r[0] for r in rows)


@dataclass(frozen=True)
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


def foreign_keys(conn: psycopg.Connection, schema: str) -> list[ForeignKey]:
    """Every foreign key between tables of `schema`."""
    rows = conn.execute(
        """
        SELECT c.relname,
               ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o),
               r.relname,
               ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                     JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o)
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_class r ON r.oid = k.confrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE k.contype = 'f' AND n.nspname = %s AND rn.nspname = %s
        ORDER BY c.relname, k.conname
        """,
        (schema, schema),
    ).fetchall()
    return [ForeignKey(t, tuple(cols), r, tuple(refs)) for t, cols, r, refs in rows]


def column_sequence(conn: psycopg.Connection, schema: str, table: str, column: str) -> str | None:
    """The sequence feeding a serial or identity column (schema-qualified), or None."""
    # The server quotes the names (format %I): a name holding a quote stays one name.
    row = conn.execute("SELECT pg_get_serial_sequence(format('%%I.%%I', %s::text, %s::text), %s)",
                       (schema, table, column)).fetchone()
    return row[0] if row else None


def has_unique_index(conn: psycopg.Connection, schema: str, table: str, columns: tuple[str, ...]) -> bool:
    """Whether a unique, non-partial index covers exactly `columns` (what ON CONFLICT (columns)
    needs to find an arbiter)."""
    row = conn.execute(
        """
        SELECT 1
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relname = %s AND i.indisunique AND i.indpred IS NULL
          AND i.indexprs IS NULL
          AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
               FROM unnest(i.indkey[0:i.indnkeyatts - 1]) AS k(attnum)
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum)
              = (SELECT array_agg(x ORDER BY x) FROM unnest(%s::text[]) AS x)
        LIMIT 1
        """,
        (schema, table, list(columns)),
    ).fetchone()
    return row is not None
