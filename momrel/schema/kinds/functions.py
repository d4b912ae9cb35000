"""Functions and procedures: CREATE OR REPLACE when the result type stays, else recreate."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind


def create(obj, ctx):
    return [make(sql.SQL(obj.definition), "create", obj.key, provides=[obj.key])]


def drop(obj, ctx):
    word = "PROCEDURE" if obj.kind == "p" else "FUNCTION"
    return [make(sql.SQL("DROP {} {}({})").format(sql.SQL(word), ctx.ident(obj.schema, obj.name),
                                                  sql.SQL(obj.arguments)),
                 "drop", obj.key, [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"{obj.name}({obj.arguments}) disappears")]
                 if obj.key not in ctx.new.objects else [], removes=[obj.key])]


def alter(old, new, ctx):
    if (old.kind, old.result) != (new.kind, new.result):
        return None
    return [make(sql.SQL(new.definition), "alter", new.key, provides=[new.key])]
