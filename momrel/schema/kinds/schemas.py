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
    return [make(sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}").format(
        sql.Identifier(obj.name), sql.Identifier(obj.schema)), "create", obj.key, provides=[obj.key])]


def drop_extension(obj, ctx):
    return [make(sql.SQL("DROP EXTENSION {}").format(sql.Identifier(obj.name)), "drop", obj.key,
                 [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"the types and functions of {obj.name} disappear")],
                 removes=[obj.key])]


def alter_extension(old, new, ctx):
    return [make(sql.SQL("ALTER EXTENSION {} SET SCHEMA {}").format(
        sql.Identifier(new.name), sql.Identifier(new.schema)), "alter", new.key,
        [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"objects of {new.name} move to schema {new.schema}")],
        provides=[new.key])]
