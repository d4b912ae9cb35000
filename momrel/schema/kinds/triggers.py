"""Triggers (their functions come from momrel.schema.kinds.functions)."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make


def create(obj, ctx):
    return [make(sql.SQL(obj.definition), "create", obj.key, provides=[obj.key])]


def drop(obj, ctx):
    return [make(sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(obj.name),
                                                         ctx.ident(obj.schema, obj.table)),
                 "drop", obj.key, removes=[obj.key])]


def alter(old, new, ctx):
    return None
