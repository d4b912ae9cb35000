"""One SQL generator per object kind: create, drop and alter (None from alter = recreate).

Each module exposes `create(obj, ctx)`, `drop(obj, ctx)` and `alter(old, new, ctx)`, returning
Statements. Comments are not their concern (momrel.schema.kinds.comments handles every kind).
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from momrel.schema.migration import Action, Facet, Section, Statement
from momrel.schema.model import Catalog, Key


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


def make(query: sql.Composable, action: str, key: Key, hazards=(), section: Section = Section.MAIN,
         provides=(), removes=(), replaces=(), requires=(), fallback=None, releases=(),
         frees=()) -> Statement:
    """A statement from composed SQL (identifiers already quoted by psycopg.sql)."""
    return Statement(query.as_string(None), Action(action), key, list(hazards), Section(section),
                     provides=frozenset(provides), removes=frozenset(removes),
                     replaces=frozenset(replaces), requires=frozenset(requires),
                     releases=frozenset(releases), frees=frozenset(frees), fallback=fallback)


def make_column_alter(table: sql.Composable, column: str, clause: sql.Composable, facet: Facet,
                      key: Key, hazards=(), **relations) -> Statement:
    """`ALTER TABLE t ALTER COLUMN c <clause>`, kept as head and clause so that the planner can
    merge several columns' type changes into one ALTER TABLE without touching SQL text."""
    statement = make(sql.SQL("ALTER TABLE {}").format(table), "alter", key, hazards, **relations)
    statement.clauses = (sql.SQL("ALTER COLUMN {} {}").format(sql.Identifier(column), clause)
                         .as_string(None),)
    statement.facet = facet
    return statement
