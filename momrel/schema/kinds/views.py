"""Views and materialized views. A view whose columns only grow at the end is replaced in place
(CREATE OR REPLACE VIEW); any other change drops and recreates it with its dependents.

pg_get_viewdef gives the query only: the options (security_barrier, security_invoker,
check_option; storage parameters of a materialized view) and whether a materialized view holds
data are carried beside it and spelled out here, since losing a security option silently is
the worst kind of wrong migration.
"""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.kinds.options import option_list, options_changes
from momrel.schema.migration import Hazard, HazardKind


def _body(obj) -> str:
    return obj.definition.strip().rstrip(";")


def _word(obj) -> sql.Composable:
    return sql.SQL("MATERIALIZED VIEW" if obj.materialized else "VIEW")


def _with(obj) -> sql.Composable:
    return sql.SQL(" WITH ({})").format(option_list(obj.options)) if obj.options else sql.SQL("")


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
    no_data = sql.SQL("\nWITH NO DATA") if obj.materialized and not obj.populated else sql.SQL("")
    return [make(sql.SQL("CREATE {} {}{} AS\n{}{}").format(
        _word(obj), ctx.ident(obj.schema, obj.name), _with(obj), sql.SQL(_body(obj)), no_data),
        "create", obj.key, _recreate_hazards(obj, ctx), provides=[obj.key])]


def drop(obj, ctx):
    return [make(sql.SQL("DROP {} {}").format(_word(obj), ctx.ident(obj.schema, obj.name)),
                 "drop", obj.key, [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"{obj.name} disappears")]
                 if ctx.new.objects.get(obj.key) is None else [],
                 removes={obj.key} | ctx.children(ctx.old, obj.key))]


def _same_query(old, new) -> bool:
    return (old.materialized, old.definition, old.columns) == (new.materialized, new.definition, new.columns)


def alter(old, new, ctx):
    name = ctx.ident(new.schema, new.name)
    if _same_query(old, new):
        # Only options or the populated state differ: changed in place, nothing recreated.
        head = sql.SQL("ALTER {} {}").format(_word(new), name)
        statements = [make(query, "alter", new.key, provides=[new.key])
                      for query in options_changes(head, old.options, new.options)]
        if old.populated != new.populated:
            no_data = sql.SQL("") if new.populated else sql.SQL(" WITH NO DATA")
            statements.append(make(
                sql.SQL("REFRESH MATERIALIZED VIEW {}{}").format(name, no_data), "alter", new.key,
                [Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK, f"readers of {new.name} wait until it is "
                                                          "refreshed and the transaction commits")],
                provides=[new.key]))
        return statements
    if old.materialized or new.materialized:
        return None
    if new.columns[:len(old.columns)] != old.columns:
        return None
    # CREATE OR REPLACE VIEW replaces the options with the ones it names (none: all reset).
    return [make(sql.SQL("CREATE OR REPLACE VIEW {}{} AS\n{}").format(name, _with(new), sql.SQL(_body(new))),
                 "alter", new.key, provides=[new.key])]
