"""Collations (CREATE COLLATION). PostgreSQL cannot alter one's definition: a changed collation
is dropped and created again, which the planner refuses while a column uses it (columns are
never recreated)."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind

PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


def _definition(obj) -> sql.Composable:
    options = [sql.SQL("provider = {}").format(sql.SQL(PROVIDERS[obj.provider]))]
    if obj.provider == "c":
        if obj.collate == obj.ctype:
            options.append(sql.SQL("locale = {}").format(sql.Literal(obj.collate)))
        else:
            options += [sql.SQL("lc_collate = {}").format(sql.Literal(obj.collate)),
                        sql.SQL("lc_ctype = {}").format(sql.Literal(obj.ctype))]
    else:
        options.append(sql.SQL("locale = {}").format(sql.Literal(obj.locale)))
        if obj.rules is not None:
            options.append(sql.SQL("rules = {}").format(sql.Literal(obj.rules)))
    if not obj.deterministic:
        options.append(sql.SQL("deterministic = false"))
    return sql.SQL(", ").join(options)


def create(obj, ctx):
    return [make(sql.SQL("CREATE COLLATION {} ({})").format(ctx.ident(obj.schema, obj.name),
                                                            _definition(obj)),
                 "create", obj.key, provides=[obj.key])]


def drop(obj, ctx):
    hazards = [] if obj.key in ctx.new.objects else [
        Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"collation {obj.name} disappears")]
    return [make(sql.SQL("DROP COLLATION {}").format(ctx.ident(obj.schema, obj.name)), "drop",
                 obj.key, hazards, removes=[obj.key])]


def alter(old, new, ctx):
    return None
