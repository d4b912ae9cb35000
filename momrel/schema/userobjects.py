"""Which catalog rows are the schema file's: the SQL fragments the catalog reader
(momrel.schema.catalog) and the verification facts (momrel.schema.facts) share."""

from __future__ import annotations

from psycopg import sql

# Namespaces that do not belong to PostgreSQL itself.
USER_NAMESPACE_CONDITION = "nspname !~ '^pg_' AND nspname <> 'information_schema'"
USER_NAMESPACE_OIDS = f"SELECT oid FROM pg_namespace WHERE {USER_NAMESPACE_CONDITION}"


def not_extension(catalog: str, oid_column: str) -> str:
    """Objects created by an extension belong to the extension, not to the schema file."""
    return sql.SQL(
        "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = {}::regclass "
        "AND e.objid = {} AND e.deptype = 'e')"
    ).format(sql.Literal(catalog), sql.Identifier(*oid_column.split("."))).as_string(None)
