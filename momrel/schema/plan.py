"""From two catalogs to an ordered list of statements.

compare → statements (one generator per kind) → a statement graph ordered with graphlib:
- a statement that creates X comes after the statements creating what X depends on in the new
  catalog; a statement that drops X comes before the statements dropping what X depended on in
  the old one (pg_depend on each side);
- an object that must be recreated, or whose dependency is dropped or rebuilt, brings its
  dependents along (dropped before, created after);
- a name that is freed is reused only after it is freed;
- adds come before drops wherever the graph leaves the choice.
Then sections: PRE (enum values, committed before use), MAIN (one transaction), POST (outside a
transaction: CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT).
"""

from __future__ import annotations

import graphlib
import heapq

from momrel.errors import PlanError, SchemaRefused
from momrel.schema.kinds import (Context, collations, comments, constraints, enums, functions, indexes,
                                 policies, schemas, sequences, tables, triggers, views)
from momrel.schema.kinds import partitions, privileges
from momrel.schema.model import Catalog, Key, describe, without_comments_and_privileges
from momrel.schema.migration import SECTIONS, Action, Facet, Hazard, HazardKind, Statement


class _Kind:
    def __init__(self, create, drop, alter):
        self.create, self.drop, self.alter = create, drop, alter


GENERATORS = {
    "schema": _Kind(schemas.create_schema, schemas.drop_schema, schemas.alter_schema),
    "extension": _Kind(schemas.create_extension, schemas.drop_extension, schemas.alter_extension),
    "collation": _Kind(collations.create, collations.drop, collations.alter),
    "enum": _Kind(enums.create, enums.drop, enums.alter),
    "sequence": _Kind(sequences.create, sequences.drop, sequences.alter),
    "table": _Kind(tables.create_table, tables.drop_table, tables.alter_table),
    # What partitions and inheriting tables get from their parent is left to PostgreSQL.
    "column": _Kind(*partitions.aware(tables.create_column, tables.drop_column, tables.alter_column)),
    "constraint": _Kind(*partitions.aware(constraints.create, constraints.drop, constraints.alter)),
    "index": _Kind(*partitions.aware(indexes.create, indexes.drop, indexes.alter)),
    "view": _Kind(views.create, views.drop, views.alter),
    "function": _Kind(functions.create, functions.drop, functions.alter),
    "trigger": _Kind(triggers.create, triggers.drop, triggers.alter),
    "policy": _Kind(policies.create, policies.drop, policies.alter),
}

# Tie-breaks when the graph leaves the order open: adds first, in the order one writes a schema;
# then drops, in the reverse order.
CREATE_ORDER = ("schema", "extension", "collation", "enum", "sequence", "function", "table", "column",
                "constraint", "index", "view", "trigger", "policy")
ACTION_ORDER = {"rename": 0, "create": 1, "alter": 1, "comment": 2, "drop": 3}

# Dependents that a column type change cannot carry along (PostgreSQL refuses the ALTER).
REBUILT_WITH_COLUMN_TYPE = ("view", "trigger", "function", "policy")


def plan_changes(old: Catalog, new: Catalog, target: str, probe=None) -> list[Statement]:
    """The ordered statements that turn `old` into `new` (renames already applied to `old`)."""
    ctx = Context(target, old, new, probe)
    only_old = old.objects.keys() - new.objects.keys()
    only_new = new.objects.keys() - old.objects.keys()
    both = old.objects.keys() & new.objects.keys()

    recreate: set[Key] = set()
    alters: dict[Key, list[Statement]] = {}
    for key in sorted(both):
        if without_comments_and_privileges(old.objects[key]) == \
                without_comments_and_privileges(new.objects[key]):
            continue
        statements = GENERATORS[key[0]].alter(old.objects[key], new.objects[key], ctx)
        if statements is None:
            recreate.add(key)
        elif statements:
            alters[key] = statements
    _retype_columns_of_recreated_enums(ctx, both, recreate, alters)
    _bring_dependents(old, both, only_old, recreate, alters)

    groups: list[list[Statement]] = []
    cross_references = _foreign_keys_in_drop_cycles(old, only_old)
    implicit = _dropped_with_parent(ctx, only_old | recreate) - cross_references
    for key in sorted(only_old | recreate):
        if key not in implicit:
            group = GENERATORS[key[0]].drop(old.objects[key], ctx)
            for statement in group:  # those foreign keys are dropped on their own, first
                statement.removes -= cross_references
            groups.append(group)
    provided_by_table = {k for key in only_new if key[0] == "table"
                         for k in ctx.children(new, key) if k[0] == "column"}
    for key in sorted(only_new | recreate):
        if key in provided_by_table:
            continue
        obj = new.objects[key]
        groups.append(GENERATORS[key[0]].create(obj, ctx) + comments.on_create(obj, ctx)
                      + privileges.on_create(obj, ctx))
    for key in sorted(alters):
        groups.append(alters[key])
    for key in sorted(both - recreate):
        groups.append(comments.changes(old.objects[key], new.objects[key], ctx))
        groups.append(privileges.changes(old.objects[key], new.objects[key], ctx))
    for key in sorted(only_new):  # columns created with their table still carry comments
        if key in provided_by_table and new.objects[key].comment is not None:
            groups.append([comments.comment(new.objects[key], ctx)])
        if key in provided_by_table:  # and their grants
            groups.append(privileges.on_create(new.objects[key], ctx))
    groups = [g for g in groups if g]
    _flag_lookalike_renames(groups, old, new, only_old, only_new)
    return order(groups, old, new, recreate)


def _flag_lookalike_renames(groups, old: Catalog, new: Catalog, only_old, only_new) -> None:
    """A drop that looks like half of an undeclared rename says so (it stays drop + add)."""
    def columns(catalog, schema, table):
        return {(c.name, c.data_type) for c in catalog.of_kind("column").values()
                if c.schema == schema and c.table == table}

    hints: dict[Key, str] = {}
    for key in only_old:
        if key[0] == "column" and ("table", key[1], key[2]) in new.objects:
            dropped = old.objects[key]
            twins = sorted(k[3] for k in only_new if k[0] == "column" and k[1:3] == key[1:3]
                           and new.objects[k].data_type == dropped.data_type)
            if twins:
                hints[key] = (f"{key[2]}.{key[3]} looks renamed to {' or '.join(twins)}; if it is, "
                              f"declare `-- @renamed from={key[3]}` above the new column")
        elif key[0] == "table" and not old.objects[key].partition_of:
            # (Partitions all have their parent's columns: dropping the oldest and adding the
            # next one is routine, not a rename.)
            shape = columns(old, key[1], key[2])
            twins = sorted(k[2] for k in only_new if k[0] == "table" and k[1] == key[1]
                           and columns(new, k[1], k[2]) == shape)
            if twins:
                hints[key] = (f"table {key[2]} looks renamed to {' or '.join(twins)}; if it is, "
                              f"declare `-- @renamed from={key[2]}` above its CREATE TABLE")
    for group in groups:
        for statement in group:
            if statement.action is Action.DROP and statement.key in hints:
                statement.hazards.append(Hazard(HazardKind.DELETES_DATA, hints[statement.key]))


def _retype_columns_of_recreated_enums(ctx: Context, both, recreate, alters) -> None:
    for enum_key in [k for k in recreate if k[0] == "enum"]:
        for column_key in enums.columns_of(ctx.old, enum_key):
            if column_key not in both:
                continue
            if any(s.replaces for s in alters.get(column_key, ())):
                continue  # already changes type (through text)
            forced = tables.retype_to_recreated_enum(ctx.old.objects[column_key],
                                                     ctx.new.objects[column_key], ctx)
            # The forced statements move the default across too; other changes stay.
            rest = [s for s in alters.get(column_key, ()) if s.facet is not Facet.DEFAULT]
            alters[column_key] = forced + rest


def _bring_dependents(old: Catalog, both, only_old, recreate, alters) -> None:
    """Recreate what depends on a dropped or recreated object, or on a column whose type changes."""
    dependents = old.dependents()
    rebuilt_in_place = {key for key, statements in alters.items() if any(s.replaces for s in statements)}
    # An index or constraint computed with a function whose body changes holds stale results:
    # PostgreSQL does not recompute it, so it is recreated.
    for key in [k for k in alters if k[0] == "function"]:
        for dependent in dependents.get(key, ()):
            if dependent[0] in ("index", "constraint") and dependent in both:
                recreate.add(dependent)
                alters.pop(dependent, None)
    work = list(only_old | recreate | rebuilt_in_place)
    while work:
        key = work.pop()
        for dependent in dependents.get(key, ()):
            if dependent not in both or dependent in recreate:
                continue
            if key[0] in ("sequence", "enum") and dependent[0] == "column":
                continue  # the column's own alter moves its default (or type) off it
            if key in rebuilt_in_place and key not in recreate and \
                    dependent[0] not in REBUILT_WITH_COLUMN_TYPE:
                continue  # indexes and constraints are rebuilt by ALTER COLUMN … TYPE itself
            if dependent[0] in ("table", "column", "schema", "enum", "sequence", "extension"):
                if key in only_old:
                    continue  # no dependency on a dropped object can survive in the new schema
                raise SchemaRefused(f"{describe(dependent)} depends on {describe(key)}, which must "
                                    "be recreated; momrel does not recreate it (write this by hand)")
            recreate.add(dependent)
            alters.pop(dependent, None)
            work.append(dependent)


def _dropped_with_parent(ctx: Context, dropped: set[Key]) -> set[Key]:
    """Objects that go away with a dropped table (or a dropped column's owned sequence)."""
    implicit = set()
    for key in dropped:
        if key[0] in ("table", "view"):
            implicit |= ctx.children(ctx.old, key)
        if key[0] == "column":
            implicit |= tables.owned_sequences(ctx.old, ctx.old.objects[key])
    for key, obj in ctx.old.of_kind("sequence").items():
        if obj.identity:
            implicit.add(key)  # goes with its column's DROP IDENTITY / DROP COLUMN
    return implicit & dropped


def _foreign_keys_in_drop_cycles(old: Catalog, dropped: set[Key]) -> set[Key]:
    """Foreign keys between dropped tables that reference each other (directly or through
    others). Neither DROP TABLE can go first while the other table's key references it, so
    these keys are dropped on their own before the tables; a key within one table, or one along
    a chain without a cycle, still goes with its table."""
    references: dict[Key, set[Key]] = {}   # dropped table -> dropped tables it references
    foreign_keys: dict[Key, tuple[Key, set[Key]]] = {}
    for key, obj in old.of_kind("constraint").items():
        table = ("table", key[1], key[2])
        if obj.type != "f" or table not in dropped:
            continue
        targets = {old.parent(k) or k for k in old.depends_on.get(key, ())} & dropped
        targets = {k for k in targets if k[0] == "table" and k != table}
        foreign_keys[key] = (table, targets)
        references.setdefault(table, set()).update(targets)

    def reaches(start: Key, goal: Key) -> bool:
        seen, work = set(), [start]
        while work:
            table = work.pop()
            if table == goal:
                return True
            if table not in seen:
                seen.add(table)
                work.extend(references.get(table, ()))
        return False

    return {key for key, (table, targets) in foreign_keys.items()
            if any(reaches(target, table) for target in targets)}


def _primary_keys_on(catalog: Catalog, column: Key) -> set[Key]:
    """The primary keys a column is part of: PostgreSQL refuses its DROP NOT NULL until they
    are gone."""
    return {key for key, obj in catalog.of_kind("constraint").items()
            if obj.type == "p" and column in catalog.depends_on.get(key, ())}


def _drops_not_null(statement: Statement, old: Catalog, new: Catalog) -> bool:
    if statement.facet is not Facet.NOT_NULL or statement.key not in old.objects:
        return False
    after = new.objects.get(statement.key)
    return old.objects[statement.key].not_null and after is not None and not after.not_null


def _name_claim(key: Key, catalog: Catalog):
    """The namespace entry an object occupies: relations, indexes and types share one per schema."""
    obj = catalog.objects.get(key)
    if key[0] in ("table", "view", "sequence", "index", "enum"):
        return ("relation", key[1], key[2])
    if key[0] == "constraint" and obj is not None and obj.index_name:
        return ("relation", key[1], obj.index_name)
    return None


def _claims(key: Key, catalog: Catalog) -> set[tuple]:
    """What an object occupies that one other object at a time can hold: its name, and a
    primary key its table's one primary-key slot (a new key under another name is refused with
    "multiple primary keys" until the old one is dropped)."""
    claims = {_name_claim(key, catalog)} - {None}
    obj = catalog.objects.get(key)
    if key[0] == "constraint" and obj is not None and obj.type == "p":
        claims.add(("primary key", key[1], key[2]))
    return claims


def order(groups: list[list[Statement]], old: Catalog, new: Catalog, recreate=frozenset()) -> list[Statement]:
    statements = [s for group in groups for s in group]
    index_of = {id(s): i for i, s in enumerate(statements)}
    graph: dict[int, set[int]] = {i: set() for i in range(len(statements))}  # node -> predecessors

    providers: dict[Key, list[int]] = {}
    removers: dict[Key, list[int]] = {}
    freers: dict[Key, list[int]] = {}
    claims_freed: dict[tuple, list[int]] = {}
    for i, s in enumerate(statements):
        for key in s.provides | s.replaces:
            providers.setdefault(key, []).append(i)
        for key in s.removes | s.replaces:
            removers.setdefault(key, []).append(i)
        for key in s.frees:
            freers.setdefault(key, []).append(i)
    for i, s in enumerate(statements):
        # A name is free once renamed away (when that happens) or else once dropped.
        for key in s.frees | {k for k in s.removes if k not in freers}:
            for claim in _claims(key, old):
                claims_freed.setdefault(claim, []).append(i)

    for group in groups:  # a generator's statements run in the order it gave them
        for before, after in zip(group, group[1:]):
            graph[index_of[id(after)]].add(index_of[id(before)])
    for i, s in enumerate(statements):
        needed = set(s.requires)
        for key in s.provides | s.replaces:
            needed |= new.depends_on.get(key, set())
        for key in needed:
            graph[i].update(p for p in providers.get(key, ()) if p != i)
        for key in s.removes | s.replaces:
            for dependency in old.depends_on.get(key, ()):
                # A dropped object also goes before its dependency is renamed away: it is named
                # (DROP FUNCTION f(job_state)) through the old name.
                later = removers.get(dependency, []) + \
                    (freers.get(dependency, []) if key in s.removes else [])
                for r in later:
                    if r != i:
                        graph[r].add(i)
        if _drops_not_null(s, old, new):
            for key in _primary_keys_on(old, s.key):
                graph[i].update(r for r in removers.get(key, ()) if r != i)
        for key in s.releases:  # e.g. DROP DEFAULT before the sequence or function it used goes
            for r in removers.get(key, ()):
                if r != i:
                    graph[r].add(i)
        for key in s.provides:
            for claim in _claims(key, new):
                graph[i].update(r for r in claims_freed.get(claim, ()) if r != i)
            if key in recreate:
                # After the old one is gone, or only renamed out of the way when it must
                # outlive the new one for a while (an enum its columns are converted from).
                graph[i].update(r for r in freers.get(key, removers.get(key, ())) if r != i)
                # A recreated object comes back only once what it used to depend on is gone:
                # a foreign key re-added before the old primary key is dropped would attach to it.
                for dependency in old.depends_on.get(key, ()):
                    graph[i].update(r for r in removers.get(dependency, ()) if r != i)

    _settle_sections(statements, graph)
    for statement in statements:
        statement.parent = new.parent(statement.key) or old.parent(statement.key)
    return _merge_type_changes(_sorted(statements, graph))


def _merge_type_changes(statements: list[Statement]) -> list[Statement]:
    """Adjacent ALTER COLUMN … TYPE on one table become one ALTER TABLE: PostgreSQL then
    rewrites the table and rebuilds its indexes once instead of once per column."""
    merged: list[Statement] = []
    for statement in statements:
        if merged and merged[-1].can_merge(statement):
            merged[-1].merge(statement)
        else:
            merged.append(statement)
    return merged


def _settle_sections(statements: list[Statement], graph) -> None:
    """A POST statement something in MAIN needs falls back to its MAIN form (e.g. a unique index
    a new foreign key uses); a comment follows its object into POST."""
    rank = {section: n for n, section in enumerate(SECTIONS)}
    changed = True
    while changed:
        changed = False
        for i, predecessors in graph.items():
            for p in predecessors:
                if rank[statements[p].section] <= rank[statements[i].section]:
                    continue
                if statements[i].action is Action.COMMENT:
                    statements[i].section = statements[p].section
                elif statements[p].fallback is not None:
                    statements[p] = statements[p].fallback
                else:
                    raise PlanError(
                        f"momrel cannot order this migration: {statements[i].action} "
                        f"{describe(statements[i].key)} ({statements[i].section}) must follow "
                        f"{statements[p].action} {describe(statements[p].key)}, which runs in the "
                        f"later {statements[p].section} section; write this change by hand")
                changed = True


def _cycle_message(cycle: list[Statement]) -> str:
    """One line naming the objects whose statements wait for each other (graphlib repeats the
    first node at the end)."""
    steps = " → ".join(f"{s.action} {describe(s.key)}" for s in cycle)
    objects = sorted({describe(s.key) for s in cycle})
    return (f"momrel cannot order this migration: the statements for {', '.join(objects)} depend "
            f"on each other in a cycle ({steps}); write this change by hand")


def _sorted(statements: list[Statement], graph) -> list[Statement]:
    sorter = graphlib.TopologicalSorter(graph)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise PlanError(_cycle_message([statements[i] for i in exc.args[1]])) from None

    def priority(i: int):
        s = statements[i]
        kind_rank = CREATE_ORDER.index(s.key[0])
        if s.action == "drop":
            kind_rank = -kind_rank
        return (SECTIONS.index(s.section), ACTION_ORDER[s.action], kind_rank, describe(s.key), i)

    ready: list = []
    result = []
    while sorter.is_active():
        for i in sorter.get_ready():
            heapq.heappush(ready, (priority(i), i))
        _, i = heapq.heappop(ready)
        result.append(statements[i])
        sorter.done(i)
    return result
