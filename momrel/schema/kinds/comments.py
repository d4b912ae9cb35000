"""COMMENT ON for every kind that carries a comment.

A constraint carries two: its own (COMMENT ON CONSTRAINT) and the one on the index PostgreSQL
builds for it (COMMENT ON INDEX t_pkey), which no other object of the model holds. A view
carries those on its columns (COMMENT ON COLUMN v.c), which are not objects of their own.
"""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import functions, make


def target(obj, ctx) -> sql.Composable:
    kind = obj.key[0]
    if kind == "schema":
        return sql.SQL("SCHEMA {}").format(sql.Identifier(obj.name))
    if kind == "column":
        return sql.SQL("COLUMN {}.{}").format(ctx.ident(obj.schema, obj.table), sql.Identifier(obj.name))
    if kind in ("constraint", "trigger", "policy"):
        return sql.SQL("{} {} ON {}").format(sql.SQL(kind.upper()), sql.Identifier(obj.name),
                                             ctx.ident(obj.schema, obj.table))
    if kind == "function":
        return functions.signature(obj, ctx)
    word = {"table": "TABLE", "index": "INDEX", "sequence": "SEQUENCE", "enum": "TYPE",
            "collation": "COLLATION",
            "view": "MATERIALIZED VIEW" if getattr(obj, "materialized", False) else "VIEW"}[kind]
    return sql.SQL("{} {}").format(sql.SQL(word), ctx.ident(obj.schema, obj.name))


def _is(text: str | None) -> sql.Composable:
    return sql.Literal(text) if text is not None else sql.SQL("NULL")


def comment(obj, ctx):
    """The statement that sets obj's comment to what obj says (NULL removes it)."""
    return make(sql.SQL("COMMENT ON {} IS {}").format(target(obj, ctx), _is(obj.comment)),
                "comment", obj.key, requires=[obj.key])


def index_comment(constraint, ctx):
    """The comment on the index of a primary key, unique or exclusion constraint."""
    return make(sql.SQL("COMMENT ON INDEX {} IS {}").format(
        ctx.ident(constraint.schema, constraint.index_name), _is(constraint.index_comment)),
        "comment", constraint.key, requires=[constraint.key])


def view_column_comment(view, column: str, text: str | None, ctx):
    """COMMENT ON COLUMN of a view's (or materialized view's) column."""
    return make(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
        ctx.ident(view.schema, view.name), sql.Identifier(column), _is(text)),
        "comment", view.key, requires=[view.key])


def _view_column_changes(old_comments, new_comments, view, ctx) -> list:
    """A view's columns are not objects of the model: their comments travel with the view. A
    column that keeps its name under CREATE OR REPLACE VIEW keeps its comment; a recreated view
    starts with none."""
    if view.key[0] != "view":
        return []
    before, after = dict(old_comments), dict(new_comments)
    return [view_column_comment(view, column, after.get(column), ctx)
            for column, _ in view.columns if before.get(column) != after.get(column)]


def on_create(obj, ctx) -> list:
    """The comments a newly created object needs (an extension's comment is its own)."""
    statements = []
    if getattr(obj, "comment", None) is not None and obj.key[0] != "extension":
        statements.append(comment(obj, ctx))
    if getattr(obj, "index_comment", None) is not None:
        statements.append(index_comment(obj, ctx))
    statements += _view_column_changes((), getattr(obj, "column_comments", ()), obj, ctx)
    return statements


def changes(old, new, ctx) -> list:
    """The comments to set on an object that exists on both sides."""
    statements = []
    if getattr(old, "comment", None) != getattr(new, "comment", None) and new.key[0] != "extension":
        statements.append(comment(new, ctx))
    if getattr(old, "index_comment", None) != getattr(new, "index_comment", None):
        statements.append(index_comment(new, ctx))
    statements += _view_column_changes(getattr(old, "column_comments", ()),
                                       getattr(new, "column_comments", ()), new, ctx)
    return statements
