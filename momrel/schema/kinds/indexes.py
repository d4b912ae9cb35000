"""Indexes that no constraint owns. On a table that already has rows they are built
CONCURRENTLY, outside the main transaction; on a table created by the migration, plainly."""

from __future__ import annotations

import re

from psycopg import sql

from momrel.schema.kinds import make, partitions
from momrel.schema.migration import Hazard, HazardKind, Section

_INDEX_WORD = re.compile(r"^CREATE (UNIQUE )?INDEX ")


def create(obj, ctx):
    partitioned = partitions.is_partitioned(ctx.new, obj.schema, obj.table)
    # pg_get_indexdef says ON ONLY for a partitioned table's index; without ONLY, CREATE INDEX
    # builds (or attaches) the index of every partition too.
    definition = obj.definition.replace(" ON ONLY ", " ON ", 1) if partitioned else obj.definition
    plain = make(sql.SQL(definition), "create", obj.key, provides=[obj.key])
    if ctx.table_is_new(obj.schema, obj.table) or _view_is_rebuilt(obj, ctx):
        return [plain]  # nothing to block: the relation is created by this migration
    unique = [Hazard(HazardKind.DATA_DEPENDENT, f"fails if existing rows hold duplicates for {obj.name}")] \
        if obj.definition.startswith("CREATE UNIQUE ") else []
    if partitioned:  # PostgreSQL cannot build a partitioned table's index CONCURRENTLY
        plain.hazards = [Hazard(HazardKind.INDEX_BUILD, f"builds {obj.name} on every partition of "
                                                        f"{obj.table} while blocking writes to them")] + unique
        return [plain]
    plain.hazards = [Hazard(HazardKind.INDEX_BUILD, f"builds {obj.name} while blocking writes to {obj.table}")] + unique
    concurrent = _INDEX_WORD.sub(lambda m: f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY ", obj.definition, count=1)
    return [make(sql.SQL(concurrent), "create", obj.key,
                 [Hazard(HazardKind.INDEX_BUILD, f"builds {obj.name} without blocking writes; if it fails, "
                                      "drop the INVALID index it leaves before running again")] + unique,
                 section=Section.POST, provides=[obj.key], fallback=plain)]


def _view_is_rebuilt(obj, ctx) -> bool:
    key = ("view", obj.schema, obj.table)
    return key in ctx.new.objects and ctx.old.objects.get(key) != ctx.new.objects.get(key)


def drop(obj, ctx):
    plain = make(sql.SQL("DROP INDEX {}").format(ctx.ident(obj.schema, obj.name)), "drop", obj.key,
                 section=Section.MAIN, removes=[obj.key])
    if obj.key in ctx.new.objects or partitions.is_partitioned(ctx.old, obj.schema, obj.table):
        # Rebuilt: it must be gone before its new definition is created. A partitioned table's
        # index cannot be dropped CONCURRENTLY.
        return [plain]
    # Gone for good: dropped last, without blocking reads and writes of the table.
    return [make(sql.SQL("DROP INDEX CONCURRENTLY {}").format(ctx.ident(obj.schema, obj.name)),
                 "drop", obj.key, section=Section.POST, removes=[obj.key], fallback=plain)]


def alter(old, new, ctx):
    return None
