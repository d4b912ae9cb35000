"""GRANT and REVOKE for every kind that carries privileges: schemas, enum types, sequences,
tables, views, materialized views, functions and procedures, and columns.

A model object holds its privileges as sorted (grantee, privilege, with grant option) triples,
grantee "" for PUBLIC, without the owner's own (momrel.schema.catalog). Like comments, they are
not the concern of the kind's own generator: an object on both sides gets GRANT for what is new
and REVOKE for what is gone; a created one gets, after its CREATE, what differs from what
PostgreSQL gives a new object of its kind (EXECUTE to PUBLIC on a function, USAGE to PUBLIC on a
type, nothing on the others: the defaults of the model's `privileges` fields).

Column privileges: PostgreSQL's REVOKE of a table privilege takes the same privilege (or its
grant option) off every column of the table too. So a column's grants are computed against
what is left after the table's revokes, and run after them.
"""

from __future__ import annotations

from dataclasses import fields

from psycopg import sql

from momrel.schema.kinds import functions, make
from momrel.schema.migration import Hazard, HazardKind
from momrel.schema.model import Key, describe

PUBLIC = ""

# The order GRANT's documentation lists them in, so statements read naturally.
PRIVILEGE_ORDER = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER",
                   "MAINTAIN", "USAGE", "CREATE", "EXECUTE")


def table_grants_key(schema: str, table: str) -> Key:
    """What a table's privilege statements provide and its columns' privilege statements
    require: a column grant made before a table REVOKE of the same privilege would be lost."""
    return ("privileges", schema, table)


def on_create(obj, ctx) -> list:
    """The grants and revokes a newly created (or recreated) object needs."""
    if not hasattr(obj, "privileges"):
        return []
    earlier = ctx.old.objects.get(obj.key)  # a recreated object: what its clients held
    held = set(earlier.privileges) if earlier is not None else set()
    return _statements(obj, _created_with(obj), set(obj.privileges), held, ctx)


def _created_with(obj) -> set:
    """What CREATE gives everybody but the owner: the model's default for the kind."""
    return set(next(f.default for f in fields(obj) if f.name == "privileges"))


def changes(old, new, ctx) -> list:
    """The grants and revokes for an object that exists on both sides."""
    if not hasattr(new, "privileges") or old.privileges == new.privileges and new.key[0] != "column":
        return []
    before = set(old.privileges)
    if new.key[0] == "column":
        before = _left_after_table_revokes(new, before, ctx)
    return _statements(new, before, set(new.privileges), set(old.privileges), ctx)


def _left_after_table_revokes(column, before: set, ctx) -> set:
    table_key = ("table", column.schema, column.table)
    old_table, new_table = ctx.old.objects.get(table_key), ctx.new.objects.get(table_key)
    if old_table is None or new_table is None:
        return before
    had, has = _by_privilege(old_table.privileges), _by_privilege(new_table.privileges)
    left = set()
    for grantee, privilege, grantable in before:
        on_table = (grantee, privilege)
        if on_table in had and on_table not in has:
            continue  # REVOKE privilege ON TABLE took it off the column too
        if grantable and had.get(on_table) and has.get(on_table) is False:
            grantable = False  # and REVOKE GRANT OPTION FOR privilege ON TABLE its grant option
        left.add((grantee, privilege, grantable))
    return left


def _by_privilege(privileges) -> dict[tuple[str, str], bool]:
    return {(grantee, privilege): grantable for grantee, privilege, grantable in privileges}


def _statements(obj, before: set, after: set, held: set, ctx) -> list:
    """REVOKE what `before` has and `after` has not, then GRANT the rest, per grantee. `held` is
    what clients held before the migration: losing any of it is a hazard, unless the grantee
    keeps it on the whole table (a column's privilege)."""
    had, has = _by_privilege(before), _by_privilege(after)
    held_by = {privilege: grantable for privilege, grantable in _by_privilege(held).items()
               if not _kept_on_table(obj, privilege, grantable, ctx)}
    statements = []
    for grantee in sorted({g for g, _ in had} | {g for g, _ in has}):
        privileges = sorted({p for g, p in had if g == grantee} | {p for g, p in has if g == grantee},
                            key=_privilege_rank)
        gone = [p for p in privileges if (grantee, p) in had and (grantee, p) not in has]
        option_gone = [p for p in privileges if had.get((grantee, p)) and has.get((grantee, p)) is False]
        new_plain = [p for p in privileges if has.get((grantee, p)) is False and (grantee, p) not in had]
        new_option = [p for p in privileges if has.get((grantee, p)) and not had.get((grantee, p))]
        if gone:
            lost = [p for p in gone if (grantee, p) in held_by]
            statements.append(_revoke(obj, grantee, gone, False, lost, ctx))
        if option_gone:
            lost = [p for p in option_gone if held_by.get((grantee, p))]
            statements.append(_revoke(obj, grantee, option_gone, True, lost, ctx))
        if new_plain:
            statements.append(_grant(obj, grantee, new_plain, False, ctx))
        if new_option:
            statements.append(_grant(obj, grantee, new_option, True, ctx))
    return statements


def _kept_on_table(obj, privilege: tuple[str, str], grantable: bool, ctx) -> bool:
    if obj.key[0] != "column":
        return False
    table = ctx.new.objects.get(("table", obj.schema, obj.table))
    on_table = _by_privilege(table.privileges).get(privilege) if table is not None else None
    return on_table is not None and (on_table or not grantable)


def _privilege_rank(privilege: str):
    return (PRIVILEGE_ORDER.index(privilege) if privilege in PRIVILEGE_ORDER else len(PRIVILEGE_ORDER),
            privilege)


def _grant(obj, grantee: str, privileges: list[str], with_grant_option: bool, ctx):
    option = sql.SQL(" WITH GRANT OPTION") if with_grant_option else sql.SQL("")
    query = sql.SQL("GRANT {} ON {} TO {}{}").format(
        _privilege_list(obj, privileges), target(obj, ctx), _role(grantee), option)
    return _make(obj, query, [])


def _revoke(obj, grantee: str, privileges: list[str], grant_option_only: bool, lost: list[str], ctx):
    what = sql.SQL("GRANT OPTION FOR ") if grant_option_only else sql.SQL("")
    query = sql.SQL("REVOKE {}{} ON {} FROM {}").format(
        what, _privilege_list(obj, privileges), target(obj, ctx), _role(grantee))
    hazards = []
    if lost:
        who = "PUBLIC (every role)" if grantee == PUBLIC else grantee
        if grant_option_only:
            message = f"{who} can no longer grant {', '.join(lost)} on {describe(obj.key)} to other roles"
        else:
            message = f"{who} loses {', '.join(lost)} on {describe(obj.key)}"
        hazards.append(Hazard(HazardKind.BACKWARD_INCOMPATIBLE, message))
    return _make(obj, query, hazards)


def _make(obj, query, hazards):
    key = obj.key
    if key[0] == "column":
        table = table_grants_key(obj.schema, obj.table)
        return make(query, "alter", key, hazards, requires=[key, table])
    if key[0] == "table":
        return make(query, "alter", key, hazards, requires=[key],
                    provides=[table_grants_key(obj.schema, obj.name)])
    return make(query, "alter", key, hazards, requires=[key])


def _privilege_list(obj, privileges: list[str]) -> sql.Composable:
    column = sql.SQL(" ({})").format(sql.Identifier(obj.name)) if obj.key[0] == "column" else sql.SQL("")
    return sql.SQL(", ").join(sql.SQL("{}{}").format(sql.SQL(p), column) for p in privileges)


def _role(grantee: str) -> sql.Composable:
    return sql.SQL("PUBLIC") if grantee == PUBLIC else sql.Identifier(grantee)


def target(obj, ctx) -> sql.Composable:
    """The object as GRANT names it (views and materialized views are TABLEs to GRANT)."""
    kind = obj.key[0]
    if kind == "schema":
        return sql.SQL("SCHEMA {}").format(sql.Identifier(obj.name))
    if kind == "column":
        return sql.SQL("TABLE {}").format(ctx.ident(obj.schema, obj.table))
    if kind == "function":
        return functions.signature(obj, ctx)
    word = {"table": "TABLE", "view": "TABLE", "sequence": "SEQUENCE", "enum": "TYPE"}[kind]
    return sql.SQL("{} {}").format(sql.SQL(word), ctx.ident(obj.schema, obj.name))
