"""Enum types. A value is added in place (ALTER TYPE … ADD VALUE … BEFORE/AFTER), never by
recreating the type: recreating breaks every index, view and default that uses it.

Removing or reordering values has no in-place form. Then the type is recreated: the old one is
renamed out of the way, the new one created, every column of the type converted through text
(momrel.schema.plan brings along the indexes, views, constraints and functions that use the
type), and the old type dropped last. Rows holding a removed value make the conversion fail.
"""

from __future__ import annotations

from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind, Section


def create(obj, ctx):
    labels = sql.SQL(", ").join(sql.Literal(label) for label in obj.labels)
    return [make(sql.SQL("CREATE TYPE {} AS ENUM ({})").format(ctx.ident(obj.schema, obj.name), labels),
                 "create", obj.key, provides=[obj.key])]


RETIRED_SUFFIX = "__momrel_old"


def drop(obj, ctx):
    if obj.key in ctx.new.objects:
        return _retire(obj, ctx)
    return [make(sql.SQL("DROP TYPE {}").format(ctx.ident(obj.schema, obj.name)), "drop", obj.key,
                 [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"type {obj.name} disappears")], removes=[obj.key])]


def columns_of(catalog, key) -> list:
    """Columns whose type is the enum (or an array of it)."""
    return sorted(k for k in catalog.dependents().get(key, ()) if k[0] == "column")


def _retire(obj, ctx):
    """Recreation, old side: rename it away now, drop it once no column uses it any more."""
    retired = obj.name[:63 - len(RETIRED_SUFFIX)] + RETIRED_SUFFIX
    return [
        make(sql.SQL("ALTER TYPE {} RENAME TO {}").format(ctx.ident(obj.schema, obj.name),
                                                          sql.Identifier(retired)),
             "rename", obj.key, frees=[obj.key]),
        make(sql.SQL("DROP TYPE {}").format(ctx.ident(obj.schema, retired)), "drop", obj.key,
             removes=[obj.key], requires=columns_of(ctx.old, obj.key)),
    ]


def _is_subsequence(short, long) -> bool:
    remaining = iter(long)
    return all(item in remaining for item in short)


def alter(old, new, ctx):
    if old.labels == new.labels:
        return []
    if not _is_subsequence(old.labels, new.labels):
        return None  # values removed or reordered: recreate
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
            section=Section.PRE, provides=[new.key]))
    return statements
