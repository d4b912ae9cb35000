"""Primary key, unique, check, foreign key and exclusion constraints.

On a table that already exists, CHECK and FOREIGN KEY are added NOT VALID (a brief lock) and
validated afterwards outside the main transaction (no lock on writes while rows are checked).
"""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make, partitions
from momrel.schema.migration import Hazard, HazardKind, Section

NAMES = {"p": "primary key", "u": "unique", "c": "check", "f": "foreign key", "x": "exclusion"}


def _table(obj, ctx):
    return ctx.ident(obj.schema, obj.table)


def create(obj, ctx):
    table, name = _table(obj, ctx), sql.Identifier(obj.name)
    definition = obj.definition
    existing_table = not ctx.table_is_new(obj.schema, obj.table)
    validate_later = existing_table and obj.type in ("c", "f") and not definition.endswith(" NOT VALID")
    if obj.type == "f" and partitions.is_partitioned(ctx.new, obj.schema, obj.table):
        validate_later = False  # PostgreSQL refuses a NOT VALID foreign key on a partitioned table
    if validate_later:
        definition += " NOT VALID"
    hazards = []
    if existing_table and obj.type == "f" and not validate_later and not definition.endswith(" NOT VALID"):
        hazards = [Hazard(HazardKind.DATA_DEPENDENT, f"fails if existing rows violate {obj.name}, "
                                                     "checked while writes to the partitions wait")]
    if existing_table and obj.type in ("p", "u", "x"):
        hazards = [Hazard(HazardKind.INDEX_BUILD, f"builds the {NAMES[obj.type]} index, blocking writes"),
                   Hazard(HazardKind.DATA_DEPENDENT, f"fails if existing rows violate {obj.name}"),
                   Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK, f"{obj.table} is locked while the index builds")]
    statements = [make(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(table, name, sql.SQL(definition)),
                       "create", obj.key, hazards, provides=[obj.key])]
    if validate_later:
        statements.append(make(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(table, name),
                               "alter", obj.key,
                               [Hazard(HazardKind.DATA_DEPENDENT, f"fails if existing rows violate {obj.name}")],
                               section=Section.POST, requires=[obj.key]))
    return statements


def drop(obj, ctx):
    return [make(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(_table(obj, ctx), sql.Identifier(obj.name)),
                 "drop", obj.key, removes=[obj.key])]


def alter(old, new, ctx):
    return None  # a changed constraint is dropped and added again
