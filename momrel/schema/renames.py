"""Renames: the declared ones (`-- @renamed from=old` in the new file) and the names PostgreSQL
derived from them (constraints, indexes, sequences, triggers).

Renames run first, in the scratch database holding the old side, which is then read again: from
there on PostgreSQL itself has rewritten every definition that mentions the old names, and the
rest of the diff compares like with like.
"""

from __future__ import annotations

from psycopg import sql

from momrel.schema.model import Catalog
from momrel.schema.parse import Rename
from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind, Statement


def reversed_renames(renames: list[Rename]) -> list[Rename]:
    """The same renames seen from the new file back to the old one (for --down)."""
    table_names = {(r.schema, r.table): r.old for r in renames if r.kind == "table"}
    flipped = []
    for r in renames:
        if r.kind == "table":
            flipped.append(Rename("table", r.schema, r.old, r.new, r.old, r.line))
        else:
            table = table_names.get((r.schema, r.table), r.table)
            flipped.append(Rename("column", r.schema, table, r.new, r.old, r.line))
    return flipped


def declared_table_renames(renames, old: Catalog, new: Catalog, ctx_ident) -> list[Statement]:
    """Only where the old side has the old name and the new side the new one: an annotation may
    stay in the file after the release that applied it."""
    statements = []
    for r in renames:
        if r.kind != "table":
            continue
        before, after = ("table", r.schema, r.old), ("table", r.schema, r.new)
        if before in old.objects and after not in old.objects and after in new.objects \
                and before not in new.objects:
            statements.append(make(sql.SQL("ALTER TABLE {} RENAME TO {}").format(
                ctx_ident(r.schema, r.old), sql.Identifier(r.new)), "rename", after,
                [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"queries naming {r.old} fail until the application "
                                               f"uses {r.new}")]))
    return statements


def declared_column_renames(renames, old: Catalog, new: Catalog, ctx_ident) -> list[Statement]:
    statements = []
    for r in renames:
        if r.kind != "column":
            continue
        before, after = ("column", r.schema, r.table, r.old), ("column", r.schema, r.table, r.new)
        if before in old.objects and after not in old.objects and after in new.objects \
                and before not in new.objects:
            statements.append(make(sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(
                ctx_ident(r.schema, r.table), sql.Identifier(r.old), sql.Identifier(r.new)),
                "rename", after,
                [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"queries naming {r.table}.{r.old} fail until the "
                                               f"application uses {r.new}")]))
    return statements


def _unique_matches(old_items: dict, new_items: dict, signature) -> list[tuple]:
    """Pairs (old, new) whose signatures match one to one among the unmatched names."""
    old_by_signature: dict = {}
    for obj in old_items.values():
        old_by_signature.setdefault(signature(obj), []).append(obj)
    new_by_signature: dict = {}
    for obj in new_items.values():
        new_by_signature.setdefault(signature(obj), []).append(obj)
    return [(olds[0], new_by_signature[sig][0]) for sig, olds in old_by_signature.items()
            if len(olds) == 1 and len(new_by_signature.get(sig, ())) == 1]


def derived_renames(old: Catalog, new: Catalog, ctx_ident) -> list[Statement]:
    """Same definition under another name, on the same table: rename instead of rebuild."""
    statements = []

    def unmatched(kind):
        old_only = {k: o for k, o in old.of_kind(kind).items() if k not in new.objects}
        new_only = {k: o for k, o in new.of_kind(kind).items() if k not in old.objects}
        return old_only, new_only

    old_only, new_only = unmatched("constraint")
    # A constraint a partition or child inherits is renamed with its parent's (PostgreSQL
    # refuses to rename it on its own).
    old_only = {k: c for k, c in old_only.items() if not c.inherited}
    new_only = {k: c for k, c in new_only.items() if not c.inherited}
    for before, after in _unique_matches(old_only, new_only,
                                         lambda c: (c.schema, c.table, c.type, c.definition)):
        statements.append(make(sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(
            ctx_ident(after.schema, after.table), sql.Identifier(before.name),
            sql.Identifier(after.name)), "rename", after.key))
    old_only, new_only = unmatched("index")
    for before, after in _unique_matches(old_only, new_only, lambda i: (i.schema, i.table, i.shape)):
        statements.append(make(sql.SQL("ALTER INDEX {} RENAME TO {}").format(
            ctx_ident(before.schema, before.name), sql.Identifier(after.name)), "rename", after.key))
    old_only, new_only = unmatched("trigger")
    for before, after in _unique_matches(old_only, new_only, lambda t: (t.schema, t.table, t.shape)):
        statements.append(make(sql.SQL("ALTER TRIGGER {} ON {} RENAME TO {}").format(
            sql.Identifier(before.name), ctx_ident(after.schema, after.table),
            sql.Identifier(after.name)), "rename", after.key))
    old_only, new_only = unmatched("sequence")
    for before, after in _unique_matches(
            {k: s for k, s in old_only.items() if s.owned_by},
            {k: s for k, s in new_only.items() if s.owned_by},
            lambda s: (s.schema, s.owned_by, s.identity)):
        statements.append(make(sql.SQL("ALTER SEQUENCE {} RENAME TO {}").format(
            ctx_ident(before.schema, before.name), sql.Identifier(after.name)), "rename", after.key))
    return statements
