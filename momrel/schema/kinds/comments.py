"""COMMENT ON for every kind that carries a comment."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make


def target(obj, ctx) -> sql.Composable:
    kind = obj.key[0]
    if kind == "schema":
        return sql.SQL("SCHEMA {}").format(sql.Identifier(obj.name))
    if kind == "column":
        return sql.SQL("COLUMN {}.{}").format(ctx.ident(obj.schema, obj.table), sql.Identifier(obj.name))
    if kind in ("constraint", "trigger"):
        return sql.SQL("{} {} ON {}").format(sql.SQL(kind.upper()), sql.Identifier(obj.name),
                                             ctx.ident(obj.schema, obj.table))
    if kind == "function":
        return sql.SQL("{} {}({})").format(sql.SQL("PROCEDURE" if obj.kind == "p" else "FUNCTION"),
                                           ctx.ident(obj.schema, obj.name), sql.SQL(obj.arguments))
    word = {"table": "TABLE", "index": "INDEX", "sequence": "SEQUENCE", "enum": "TYPE",
            "view": "MATERIALIZED VIEW" if getattr(obj, "materialized", False) else "VIEW"}[kind]
    return sql.SQL("{} {}").format(sql.SQL(word), ctx.ident(obj.schema, obj.name))


def comment(obj, ctx):
    """The statement that sets obj's comment to what obj says (NULL removes it)."""
    text = sql.Literal(obj.comment) if obj.comment is not None else sql.SQL("NULL")
    return make(sql.SQL("COMMENT ON {} IS {}").format(target(obj, ctx), text), "comment", obj.key,
                requires=[obj.key])
