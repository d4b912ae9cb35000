"""Schemas and extensions."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind


def create_schema(obj, ctx):
    return [make(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(obj.name)),
                 "create", obj.key, provides=[obj.key])]


def drop_schema(obj, ctx):
    return [make(sql.SQL("DROP SCHEMA {}").format(sql.Identifier(obj.name)), "drop", obj.key,
                 [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"schema {obj.name} disappears")],
                 removes=[obj.key])]


def alter_schema(old, new, ctx):
    return []


def create_extension(obj, ctx):
    # The version is pinned: the migration was verified with this one, whatever the target
    # server's default version is.
    version = sql.SQL(" VERSION {}").format(sql.Literal(obj.version)) if obj.version else sql.SQL("")
    return [make(sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}{}").format(
        sql.Identifier(obj.name), sql.Identifier(obj.schema), version), "create", obj.key,
        provides=[obj.key])]


def drop_extension(obj, ctx):
    return [make(sql.SQL("DROP EXTENSION {}").format(sql.Identifier(obj.name)), "drop", obj.key,
                 [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"the types and functions of {obj.name} disappear")],
                 removes=[obj.key])]


def alter_extension(old, new, ctx):
    statements = []
    if old.version != new.version:
        statements.append(make(sql.SQL("ALTER EXTENSION {} UPDATE TO {}").format(
            sql.Identifier(new.name), sql.Literal(new.version)), "alter", new.key,
            [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"{new.name} changes from version {old.version} "
                                                      f"to {new.version}: its functions and types may change")],
            provides=[new.key]))
    if old.schema != new.schema:
        statements.append(make(sql.SQL("ALTER EXTENSION {} SET SCHEMA {}").format(
            sql.Identifier(new.name), sql.Identifier(new.schema)), "alter", new.key,
            [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"objects of {new.name} move to schema {new.schema}")],
            provides=[new.key]))
    return statements
