"""Enum types. A value is added in place (ALTER TYPE … ADD VALUE … BEFORE/AFTER), never by
recreating the type: recreating breaks every index, view and default that uses it."""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import SchemaRefused
from momrel.schema.statement import BACKWARD_INCOMPATIBLE, PRE, Hazard, make


def create(obj, ctx):
    labels = sql.SQL(", ").join(sql.Literal(label) for label in obj.labels)
    return [make(sql.SQL("CREATE TYPE {} AS ENUM ({})").format(ctx.ident(obj.schema, obj.name), labels),
                 "create", obj.key, provides=[obj.key])]


def drop(obj, ctx):
    return [make(sql.SQL("DROP TYPE {}").format(ctx.ident(obj.schema, obj.name)), "drop", obj.key,
                 [Hazard(BACKWARD_INCOMPATIBLE, f"type {obj.name} disappears")], removes=[obj.key])]


def _is_subsequence(short, long) -> bool:
    remaining = iter(long)
    return all(item in remaining for item in short)


def alter(old, new, ctx):
    if old.labels == new.labels:
        return []
    if not _is_subsequence(old.labels, new.labels):
        raise SchemaRefused(
            f"enum {new.schema}.{new.name}: values removed or reordered "
            f"({', '.join(old.labels)} → {', '.join(new.labels)}); PostgreSQL can only add enum "
            "values in place, so this migration must be written by hand")
    statements = []
    present = list(old.labels)
    for position, label in enumerate(new.labels):
        if label in present:
            continue
        # Anchor on the next existing value when there is one, else after the previous one.
        following = next((l for l in new.labels[position + 1:] if l in present), None)
        if following is not None:
            where = sql.SQL("BEFORE {}").format(sql.Literal(following))
            present.insert(present.index(following), label)
        else:
            where = sql.SQL("AFTER {}").format(sql.Literal(new.labels[position - 1]))
            present.insert(present.index(new.labels[position - 1]) + 1, label)
        statements.append(make(sql.SQL("ALTER TYPE {} ADD VALUE {} {}").format(
            ctx.ident(new.schema, new.name), sql.Literal(label), where), "alter", new.key,
            section=PRE, provides=[new.key]))
    return statements
