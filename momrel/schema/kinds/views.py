"""Views and materialized views. A view whose columns only grow at the end is replaced in place
(CREATE OR REPLACE VIEW); any other change drops and recreates it with its dependents."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind


def _body(obj) -> str:
    return obj.definition.strip().rstrip(";")


def _recreate_hazards(obj, ctx) -> list[Hazard]:
    old = ctx.old.objects.get(obj.key)
    if old is None:
        return []
    hazards = []
    # A retyped column follows a type change flagged where it is made; a removed one is new here.
    kept = {name for name, _ in obj.columns}
    lost = [name for name, _ in old.columns if name not in kept]
    if lost:
        hazards.append(Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"columns of {obj.name} disappear: "
                                                     f"{', '.join(lost)}"))
    if obj.materialized:
        hazards.append(Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK, f"readers of {obj.name} wait until it is "
                                                     "recomputed and the transaction commits"))
    return hazards


def create(obj, ctx):
    word = "MATERIALIZED VIEW" if obj.materialized else "VIEW"
    return [make(sql.SQL("CREATE {} {} AS\n{}").format(sql.SQL(word), ctx.ident(obj.schema, obj.name),
                                                       sql.SQL(_body(obj))),
                 "create", obj.key, _recreate_hazards(obj, ctx), provides=[obj.key])]


def drop(obj, ctx):
    word = "MATERIALIZED VIEW" if obj.materialized else "VIEW"
    return [make(sql.SQL("DROP {} {}").format(sql.SQL(word), ctx.ident(obj.schema, obj.name)),
                 "drop", obj.key, [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"{obj.name} disappears")]
                 if ctx.new.objects.get(obj.key) is None else [],
                 removes={obj.key} | ctx.children(ctx.old, obj.key))]


def alter(old, new, ctx):
    if old.materialized or new.materialized:
        return None
    if new.columns[:len(old.columns)] != old.columns:
        return None
    return [make(sql.SQL("CREATE OR REPLACE VIEW {} AS\n{}").format(ctx.ident(new.schema, new.name),
                                                                    sql.SQL(_body(new))),
                 "alter", new.key, provides=[new.key])]
