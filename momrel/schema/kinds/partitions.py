"""Partitioned tables, partitions and table inheritance.

What a partition (or an inheriting table) gets from its parent is PostgreSQL's to make: the
columns of CREATE TABLE … PARTITION OF, the constraints and indexes cloned from the parent's,
the copies a parent's ADD COLUMN, ADD CONSTRAINT or CREATE INDEX makes on every partition, and
what ATTACH PARTITION clones or attaches. The model marks those objects (Column.inherited,
Constraint.inherited, Index.parent_index); their own generators emit nothing for them, and the
statement that makes them says so (`provides`), so that what uses them is ordered after it.

A table's partition key cannot change in place, and tables are never recreated: a changed key
(a plain table becoming partitioned included) is refused.
"""

from __future__ import annotations

from psycopg import sql

from momrel.errors import SchemaRefused
from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind
from momrel.schema.model import Key


def is_implicit(obj) -> bool:
    """Made by PostgreSQL from a parent's object (or with the partition), never on its own."""
    return bool(getattr(obj, "inherited", False) or getattr(obj, "parent_index", None))


def parents(table) -> tuple[Key, ...]:
    """The tables a table gets columns and constraints from: its partitioned parent, or the
    parents it INHERITS."""
    if table.partition_of:
        return (("table", *table.partition_of),)
    return tuple(("table", *parent) for parent in table.inherits)


def is_partitioned(catalog, schema: str, table: str) -> bool:
    obj = catalog.objects.get(("table", schema, table))
    return obj is not None and obj.partition_key is not None


def _implicit_children(catalog, table_key: Key) -> set[Key]:
    return {key for key in catalog.objects if catalog.parent(key) == table_key
            and is_implicit(catalog.objects[key])}


def _links(table) -> tuple:
    return (table.partition_of, table.partition_bound, table.inherits)


def links_change(ctx, schema: str, table: str) -> bool:
    """The table is on both sides and is attached, detached, re-bound, or inherits otherwise."""
    key = ("table", schema, table)
    old, new = ctx.old.objects.get(key), ctx.new.objects.get(key)
    return old is not None and new is not None and _links(old) != _links(new)


def _descendants(catalog, table_key: Key) -> set[Key]:
    found, work = set(), [table_key]
    while work:
        parent = work.pop()
        for key, obj in catalog.of_kind("table").items():
            if parent in parents(obj) and key not in found:
                found.add(key)
                work.append(key)
    return found


def copies_in(catalog, obj) -> set[Key]:
    """The implicit objects a parent's column, constraint or index has on the partitions (or
    inheriting tables) of `catalog`: the same column, the cloned or inherited constraints, the
    indexes attached to it (through sub-partitions too)."""
    kind = obj.key[0]
    if kind == "index":
        found, names = set(), {obj.name}
        while names:  # sub-partitions: a partition's index is itself a parent
            children = {key for key, index in catalog.of_kind("index").items()
                        if index.schema == obj.schema and index.parent_index in names}
            found |= children - found
            names = {key[2] for key in children} - {obj.name}
        return found
    if kind not in ("column", "constraint"):
        return set()
    tables = _descendants(catalog, ("table", obj.schema, obj.table))
    return {key for key, other in catalog.of_kind(kind).items()
            if ("table", key[1], key[2]) in tables and other.inherited
            and (kind != "column" or key[3] == obj.name)}


def copies_on_descendants(obj, ctx) -> set[Key]:
    """What a new column, constraint or index of a parent creates on the partitions that exist
    already (a new partition's CREATE TABLE provides its own), for `provides`."""
    return {key for key in copies_in(ctx.new, obj) if ctx.is_new(key)
            and not ctx.table_is_new(key[1], ctx.new.objects[key].table)}


# ---------------------------------------------------------------- CREATE TABLE
def create_clauses(obj, ctx) -> tuple[sql.Composable | None, sql.Composable]:
    """(PARTITION OF parent, or None for a column list) and what follows the column list."""
    of = None
    if obj.partition_of:
        of = sql.SQL("PARTITION OF {} {}").format(ctx.ident(*obj.partition_of),
                                                   sql.SQL(obj.partition_bound))
    tail = []
    if obj.inherits:
        tail.append(sql.SQL("INHERITS ({})").format(
            sql.SQL(", ").join(ctx.ident(*parent) for parent in obj.inherits)))
    if obj.partition_key:
        tail.append(sql.SQL("PARTITION BY {}").format(sql.SQL(obj.partition_key)))
    return of, sql.SQL("").join(sql.SQL(" ") + part for part in tail)


def created_with_table(obj, ctx) -> set[Key]:
    """The partition's (or inheriting table's) objects its CREATE TABLE makes."""
    return _implicit_children(ctx.new, obj.key)


# ---------------------------------------------------------------- ALTER TABLE
def changes(old, new, ctx) -> list:
    """Attach, detach, a new bound (detach, then attach), INHERIT and NO INHERIT."""
    if old.partition_key != new.partition_key:
        raise SchemaRefused(
            f"table {new.schema}.{new.name}: its partitioning changes ({old.partition_key or 'not partitioned'}"
            f" → {new.partition_key or 'not partitioned'}), which PostgreSQL cannot do in place and "
            "momrel never recreates tables (write this migration by hand: new table, copy, swap)")
    statements = []
    child = ctx.ident(new.schema, new.name)
    if old.partition_of and (old.partition_of, old.partition_bound) != (new.partition_of, new.partition_bound):
        parent = ctx.ident(*old.partition_of)
        statements.append(make(
            sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(parent, child), "alter", new.key,
            [Hazard(HazardKind.BACKWARD_INCOMPATIBLE,
                    f"rows of {new.name} no longer appear in {old.partition_of[1]}, and rows for its "
                    f"bound ({old.partition_bound}) can no longer be inserted there")],
            releases={("table", *old.partition_of)} | _implicit_children(ctx.old, old.key),
            provides=_freed_children(old, ctx)))
    if new.partition_of and (old.partition_of, old.partition_bound) != (new.partition_of, new.partition_bound):
        parent_key = ("table", *new.partition_of)
        statements.append(make(
            sql.SQL("ALTER TABLE {} ATTACH PARTITION {} {}").format(
                ctx.ident(*new.partition_of), child, sql.SQL(new.partition_bound)), "alter", new.key,
            [Hazard(HazardKind.DATA_DEPENDENT,
                    f"fails if a row of {new.name} is outside {new.partition_bound} (or if the default "
                    f"partition of {new.partition_of[1]} holds rows for it)"),
             Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK,
                    f"{new.name} is scanned under an ACCESS EXCLUSIVE lock to check its rows, unless a "
                    f"CHECK constraint of {new.name} already implies the bound")],
            requires=_before_attaching(new, parent_key, ctx),
            provides=_implicit_children(ctx.new, new.key)))
    for parent in old.inherits:
        if parent not in new.inherits:
            statements.append(make(
                sql.SQL("ALTER TABLE {} NO INHERIT {}").format(child, ctx.ident(*parent)), "alter",
                new.key, [Hazard(HazardKind.BACKWARD_INCOMPATIBLE,
                                 f"queries on {parent[1]} no longer see the rows of {new.name}")],
                releases={("table", *parent)} | _implicit_children(ctx.old, old.key),
                provides=_freed_children(old, ctx)))
    for parent in new.inherits:
        if parent not in old.inherits:
            _refuse_inherited_only(old, new, ctx)
            statements.append(make(
                sql.SQL("ALTER TABLE {} INHERIT {}").format(child, ctx.ident(*parent)), "alter",
                new.key, requires=_before_attaching(new, ("table", *parent), ctx),
                provides=_implicit_children(ctx.new, new.key)))
    return statements


def _freed_children(old, ctx) -> set[Key]:
    """What stays on a detached (or no longer inheriting) table as its own."""
    return {key for key in _implicit_children(ctx.old, old.key)
            if key in ctx.new.objects and not is_implicit(ctx.new.objects[key])}


def _before_attaching(new, parent_key: Key, ctx) -> set[Key]:
    """ATTACH and INHERIT need the parent, and the child's and parent's columns (and the child's
    CHECK constraints the parent's must match) to be there already."""
    needed = {parent_key}
    for table in (new.key, parent_key):
        needed |= {key for key, obj in ctx.new.objects.items()
                   if key[0] in ("column", "constraint") and ("table", key[1], key[2]) == table
                   and not (table == new.key and is_implicit(obj) and ctx.is_new(key))}
    return needed


def _refuse_inherited_only(old, new, ctx) -> None:
    """INHERIT keeps the child's columns and CHECK constraints its own (attislocal,
    conislocal); one declared only in the parent (CREATE TABLE … INHERITS without it) cannot be
    reached from an existing table."""
    for key, obj in ctx.new.objects.items():
        if key[0] in ("column", "constraint") and ("table", key[1], key[2]) == new.key \
                and obj.inherited:
            raise SchemaRefused(
                f"table {new.schema}.{new.name} starts inheriting, but its {key[0]} {obj.name} is "
                f"only declared in the parent: INHERIT keeps an existing table's columns and "
                f"constraints its own, so declare {obj.name} in {new.name}'s CREATE TABLE … "
                "INHERITS too")


# ---------------------------------------------------------------- implicit objects
def implicit_create(obj, ctx):
    """None when the object is a normal one; else the statements for an implicit object: none
    (its table's CREATE, its parent's object, or ATTACH makes it), except a column a table being
    attached needs first (ATTACH requires the same columns)."""
    if not is_implicit(obj):
        return None
    if obj.key[0] == "column" and not ctx.table_is_new(obj.schema, obj.table) \
            and links_change(ctx, obj.schema, obj.table):
        return None  # the standalone table gets the column first, then ATTACH adopts it
    return []


def implicit_drop(obj, ctx):
    """None when the object goes by its own statement: a normal object, or what a detached
    table keeps but the new schema does not have; else [] (it goes with its parent's object)."""
    if not is_implicit(obj):
        return None
    if ("table", obj.schema, obj.table) in ctx.new.objects and links_change(ctx, obj.schema, obj.table):
        return None
    return []


def implicit_alter(old, new, ctx):
    """[] when the difference is PostgreSQL's to make (ATTACH, DETACH, INHERIT, NO INHERIT, or
    the parent's own change recursing); None when the object's generator decides."""
    if not (is_implicit(old) or is_implicit(new)):
        return None
    if links_change(ctx, new.schema, new.table):
        return []
    if new.key[0] == "column" and is_implicit(old) and is_implicit(new):
        return [] if _same_as_parents(old, ctx.old) and _same_as_parents(new, ctx.new) else None
    if new.key[0] in ("constraint", "index") and is_implicit(new):
        # Recreated with the parent's, or an index of the partition the parent's new index
        # adopts (CREATE INDEX on a partitioned table attaches a matching one).
        return []
    return None


_COLUMN_FIELDS = ("data_type", "not_null", "default", "identity", "generated", "collation")


def _same_as_parents(column, catalog) -> bool:
    table = catalog.objects[("table", column.schema, column.table)]
    for parent in parents(table):
        theirs = catalog.objects.get(("column", parent[1], parent[2], column.name))
        if theirs is not None:
            return all(getattr(theirs, f) == getattr(column, f) for f in _COLUMN_FIELDS)
    return False


def _copies_stay_local(obj, copies: set[Key], ctx) -> bool:
    """A column an inheriting table has from its parent and keeps as its own when the parent's
    goes (its copy is in the new schema, not inherited there)."""
    if obj.key[0] != "column" or not copies or is_partitioned(ctx.old, obj.schema, obj.table):
        return False  # a partition cannot keep a column its partitioned table drops
    return all(key in ctx.new.objects and not is_implicit(ctx.new.objects[key]) for key in copies)


def _drop_column_from_parent_only(column, ctx):
    """`ALTER TABLE ONLY parent DROP COLUMN`: the inheriting tables keep the column, and it
    becomes their own (PostgreSQL marks it local), with its values."""
    return make(sql.SQL("ALTER TABLE ONLY {} DROP COLUMN {}").format(
        ctx.ident(column.schema, column.table), sql.Identifier(column.name)), "drop", column.key,
        [Hazard(HazardKind.DELETES_DATA, f"the values of {column.table}.{column.name} in "
                                         f"{column.table}'s own rows are deleted"),
         Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"{column.table}.{column.name} disappears")],
        removes={column.key})


def aware(create, drop, alter):
    """A column, constraint or index generator that leaves implicit objects to PostgreSQL, and
    whose statements for a parent's object provide (or remove) the copies on its partitions."""
    def create_(obj, ctx):
        statements = implicit_create(obj, ctx)
        if statements is not None:
            return statements
        statements = create(obj, ctx)
        copies = copies_on_descendants(obj, ctx)
        for statement in statements + [s.fallback for s in statements if s.fallback]:
            if statement.action.value == "create" and copies:
                statement.provides = statement.provides | copies
        return statements

    def drop_(obj, ctx):
        statements = implicit_drop(obj, ctx)
        if statements is not None:
            return statements
        copies = copies_in(ctx.old, obj)
        if _copies_stay_local(obj, copies, ctx):
            return [_drop_column_from_parent_only(obj, ctx)]
        statements = drop(obj, ctx)
        for statement in statements + [s.fallback for s in statements if s.fallback]:
            statement.removes = statement.removes | copies
        return statements

    def alter_(old, new, ctx):
        statements = implicit_alter(old, new, ctx)
        return alter(old, new, ctx) if statements is None else statements

    return create_, drop_, alter_
