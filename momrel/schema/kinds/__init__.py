"""One SQL generator per object kind: create, drop and alter (None from alter = recreate).

Each module exposes `create(obj, ctx)`, `drop(obj, ctx)` and `alter(old, new, ctx)`, returning
Statements. Comments are not their concern (momrel.schema.kinds.comments handles every kind).
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from momrel.errors import UsageError
from momrel.schema.model import Catalog, Key


class SchemaRefused(UsageError):
    """A change momrel will not generate (it would need a hand-written migration)."""


@dataclass
class Context:
    target: str          # the schema the migration is rendered for
    old: Catalog
    new: Catalog
    probe: "object | None" = None   # momrel.schema.probe.Probe, or None (assume the worst)

    def ident(self, schema: str, name: str) -> sql.Composable:
        """A name, qualified only outside the target schema (the migration sets search_path)."""
        if schema == self.target:
            return sql.Identifier(name)
        return sql.Identifier(schema, name)

    def is_new(self, key: Key) -> bool:
        return key not in self.old.objects

    def table_is_new(self, schema: str, table: str) -> bool:
        """The table (or materialized view) does not exist before the migration."""
        return ("table", schema, table) not in self.old.objects and \
            ("view", schema, table) not in self.old.objects

    def children(self, catalog: Catalog, table_key: Key) -> set[Key]:
        """Columns, constraints, indexes, triggers and owned sequences of a table (or view)."""
        return {key for key in catalog.objects if catalog.parent(key) == table_key}
