"""Sequences. Identity sequences come and go with their column; a serial's sequence is created
before its table (the default uses it) and attached to its column afterwards (OWNED BY)."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind


def options(obj, old=None, with_type: bool = True) -> sql.Composable | None:
    """Sequence options; with `old`, only those that differ (None when none does)."""
    parts = []
    if with_type and (old is None or old.data_type != obj.data_type):
        parts.append(sql.SQL("AS {}").format(sql.SQL(obj.data_type)))
    for attribute, words in (("increment", "INCREMENT BY"), ("minimum", "MINVALUE"),
                             ("maximum", "MAXVALUE"), ("start", "START WITH"), ("cache", "CACHE")):
        if old is None or getattr(old, attribute) != getattr(obj, attribute):
            parts.append(sql.SQL(f"{words} {{}}").format(sql.Literal(getattr(obj, attribute))))
    if old is None or old.cycle != obj.cycle:
        parts.append(sql.SQL("CYCLE" if obj.cycle else "NO CYCLE"))
    return sql.SQL(" ").join(parts) if parts else None


def owned_by_clause(obj, ctx) -> sql.Composable:
    if obj.owned_by is None:
        return sql.SQL("OWNED BY NONE")
    table, column = obj.owned_by
    return sql.SQL("OWNED BY {}.{}").format(ctx.ident(obj.schema, table), sql.Identifier(column))


def create(obj, ctx):
    if obj.identity:
        return []  # created by its column's GENERATED … AS IDENTITY
    name = ctx.ident(obj.schema, obj.name)
    statements = [make(sql.SQL("CREATE SEQUENCE {} {}").format(name, options(obj)), "create",
                       obj.key, provides=[obj.key])]
    if obj.owned_by:
        statements.append(_owned_by(obj, ctx))
    return statements


def _owned_by(obj, ctx, previous=None):
    # Runs after the owning column exists; it provides nothing, since that column's default
    # (nextval) needs the sequence before the column can be added. It runs before the previous
    # owner goes: dropping that column (or its table) would take the sequence along.
    requires = [("column", obj.schema, *obj.owned_by)] if obj.owned_by else []
    releases = [("column", obj.schema, *previous)] if previous else []
    return make(sql.SQL("ALTER SEQUENCE {} {}").format(ctx.ident(obj.schema, obj.name),
                                                      owned_by_clause(obj, ctx)),
                "alter", obj.key, requires=requires, releases=releases)


def drop(obj, ctx):
    if obj.identity:
        return []
    return [make(sql.SQL("DROP SEQUENCE {}").format(ctx.ident(obj.schema, obj.name)), "drop", obj.key,
                 [Hazard(HazardKind.DELETES_DATA, f"the current value of {obj.name} is lost"),
                  Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"sequence {obj.name} disappears")],
                 removes=[obj.key])]


def alter(old, new, ctx):
    if old.identity != new.identity:
        return None  # serial ↔ identity under one name: the old sequence goes first
    statements = []
    changed_options = options(new, old)
    if changed_options is not None:
        hazards = []
        if not new.minimum <= old.start <= new.maximum:
            # PostgreSQL refuses a range that leaves the current value outside (a fresh sequence
            # is at its start): the same statement restarts it at the new start.
            changed_options = sql.SQL("{} RESTART WITH {}").format(changed_options,
                                                                   sql.Literal(new.start))
            hazards.append(Hazard(HazardKind.DELETES_DATA, f"the current value of {new.name} is "
                                  f"lost: it restarts at {new.start}, since its old start "
                                  f"{old.start} is outside MINVALUE {new.minimum} .. MAXVALUE "
                                  f"{new.maximum}"))
        statements.append(make(sql.SQL("ALTER SEQUENCE {} {}").format(
            ctx.ident(new.schema, new.name), changed_options), "alter", new.key, hazards,
            provides=[new.key]))
    if old.owned_by != new.owned_by and not new.identity:
        statements.append(_owned_by(new, ctx, previous=old.owned_by))
    return statements
