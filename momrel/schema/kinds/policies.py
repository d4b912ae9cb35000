"""Row security policies (CREATE POLICY). ALTER POLICY changes the roles and the expressions in
place; a changed command or PERMISSIVE/RESTRICTIVE, or an expression taken away (ALTER POLICY
cannot remove one), drops and creates the policy again, in one transaction so no query sees
the table without it."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind


def _roles(obj) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(r) if r else sql.SQL("PUBLIC") for r in obj.roles)


def _expressions(obj) -> list[sql.Composable]:
    parts = []
    if obj.using is not None:
        parts.append(sql.SQL("USING ({})").format(sql.SQL(obj.using)))
    if obj.check is not None:
        parts.append(sql.SQL("WITH CHECK ({})").format(sql.SQL(obj.check)))
    return parts


def create(obj, ctx):
    query = sql.SQL(" ").join([
        sql.SQL("CREATE POLICY {} ON {} AS {} FOR {} TO {}").format(
            sql.Identifier(obj.name), ctx.ident(obj.schema, obj.table),
            sql.SQL("PERMISSIVE" if obj.permissive else "RESTRICTIVE"), sql.SQL(obj.command),
            _roles(obj)),
        *_expressions(obj)])
    return [make(query, "create", obj.key, provides=[obj.key])]


def drop(obj, ctx):
    hazards = [] if obj.key in ctx.new.objects else [
        Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"policy {obj.name} on {obj.table} no longer "
                                                 "decides which rows its roles see or write")]
    return [make(sql.SQL("DROP POLICY {} ON {}").format(sql.Identifier(obj.name),
                                                        ctx.ident(obj.schema, obj.table)),
                 "drop", obj.key, hazards, removes=[obj.key])]


def alter(old, new, ctx):
    if (old.command, old.permissive) != (new.command, new.permissive):
        return None
    if (old.using is not None and new.using is None) or (old.check is not None and new.check is None):
        return None
    query = sql.SQL(" ").join([
        sql.SQL("ALTER POLICY {} ON {} TO {}").format(sql.Identifier(new.name),
                                                     ctx.ident(new.schema, new.table), _roles(new)),
        *_expressions(new)])
    return [make(query, "alter", new.key, [
        Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"policy {new.name} on {new.table} changes which "
                                                 "rows its roles see or write")], provides=[new.key])]
