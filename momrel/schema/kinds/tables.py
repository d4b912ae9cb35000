"""Tables and their columns. Tables are never recreated; a column only when its generation
expression changes (PostgreSQL cannot alter one in place before version 17)."""

from __future__ import annotations

from psycopg import sql

from dataclasses import replace

from momrel.errors import SchemaRefused
from momrel.schema.kinds import make, make_column_alter, partitions, sequences
from momrel.schema.kinds.options import option_list, options_changes
from momrel.schema.migration import Facet, Hazard, HazardKind

IDENTITY_WORDS = {"a": "ALWAYS", "d": "BY DEFAULT"}


def _identity_sequence(catalog, column):
    for obj in catalog.of_kind("sequence").values():
        if obj.identity and obj.schema == column.schema and obj.owned_by == (column.table, column.name):
            return obj
    return None


def owned_sequences(catalog, column) -> set:
    return {obj.key for obj in catalog.of_kind("sequence").values()
            if obj.schema == column.schema and obj.owned_by == (column.table, column.name)}


def _identity_clause(column, ctx) -> sql.Composable:
    sequence = _identity_sequence(ctx.new, column)
    clause = sql.SQL("GENERATED {} AS IDENTITY").format(sql.SQL(IDENTITY_WORDS[column.identity]))
    if sequence is None:
        return clause
    # The sequence's type follows the column's; only the other options are spelled out.
    option_text = sequences.options(sequence, with_type=False)
    return sql.SQL("{} (SEQUENCE NAME {} {})").format(
        clause, ctx.ident(sequence.schema, sequence.name), option_text)


def column_definition(column, ctx) -> sql.Composable:
    parts = [sql.Identifier(column.name), sql.SQL(column.data_type)]
    if column.collation:
        parts += [sql.SQL("COLLATE"), sql.Identifier(column.collation)]
    if column.generated:
        parts.append(sql.SQL("GENERATED ALWAYS AS ({}) STORED").format(sql.SQL(column.generated)))
    elif column.default is not None:
        parts.append(sql.SQL("DEFAULT {}").format(sql.SQL(column.default)))
    if column.not_null:
        parts.append(sql.SQL("NOT NULL"))
    if column.identity:
        parts.append(_identity_clause(column, ctx))
    return sql.SQL(" ").join(parts)


# ---------------------------------------------------------------- tables
def create_table(obj, ctx):
    columns = sorted((c for c in ctx.new.of_kind("column").values()
                      if c.schema == obj.schema and c.table == obj.name), key=lambda c: c.position)
    provided = {obj.key} | {c.key for c in columns} | partitions.created_with_table(obj, ctx)
    for column in columns:
        provided |= owned_sequences(ctx.new, column) if column.identity else set()
    # A partition's columns, and an inheriting table's inherited ones, come from the parent.
    partition_of, tail = partitions.create_clauses(obj, ctx)
    own = [c for c in columns if not c.inherited]
    body = partition_of or sql.SQL("(\n    {}\n)" if own else "()").format(
        sql.SQL(",\n    ").join(column_definition(c, ctx) for c in own))
    query = sql.SQL("CREATE {}TABLE {} {}{}{}").format(
        sql.SQL("UNLOGGED " if obj.unlogged else ""), ctx.ident(obj.schema, obj.name), body, tail,
        sql.SQL(" WITH ({})").format(option_list(obj.options)) if obj.options else sql.SQL(""))
    # What CREATE TABLE cannot say comes after it, as the changes from a plain table.
    plain = replace(obj, replica_identity="d", replica_index=None, row_security=False,
                    force_row_security=False)
    return [make(query, "create", obj.key, provides=provided)] + _attribute_changes(plain, obj, ctx)


def drop_table(obj, ctx):
    removed = {obj.key} | ctx.children(ctx.old, obj.key)
    return [make(sql.SQL("DROP TABLE {}").format(ctx.ident(obj.schema, obj.name)), "drop", obj.key,
                 [Hazard(HazardKind.DELETES_DATA, f"all rows of {obj.name} are deleted"),
                  Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"table {obj.name} disappears")],
                 removes=removed)]


def alter_table(old, new, ctx):
    return partitions.changes(old, new, ctx) + _attribute_changes(old, new, ctx)


REPLICA_IDENTITY_WORDS = {"d": "DEFAULT", "n": "NOTHING", "f": "FULL"}


def _replica_index_key(table, ctx):
    """The index REPLICA IDENTITY USING INDEX names: a plain index or a constraint's."""
    key = ("index", table.schema, table.replica_index)
    if key in ctx.new.objects:
        return key
    for constraint in ctx.new.of_kind("constraint").values():
        if (constraint.schema, constraint.table, constraint.index_name) == \
                (table.schema, table.name, table.replica_index):
            return constraint.key
    return None


def _attribute_changes(old, new, ctx) -> list:
    """Storage parameters, persistence, replica identity and row security of a table. They
    provide nothing: what uses the table needs it to exist, not these settings."""
    name = ctx.ident(new.schema, new.name)
    head = sql.SQL("ALTER TABLE {}").format(name)
    statements = [make(query, "alter", new.key)
                  for query in options_changes(head, old.options, new.options)]
    if old.unlogged != new.unlogged:
        word = "UNLOGGED" if new.unlogged else "LOGGED"
        hazards = [Hazard(HazardKind.TABLE_REWRITE, f"{new.name} is rewritten to become {word.lower()}"),
                   Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK, f"{new.name} is locked while it is rewritten")]
        if new.unlogged:
            hazards.append(Hazard(HazardKind.DELETES_DATA, f"after a crash {new.name} is emptied "
                                                           "(an unlogged table is not written to the WAL)"))
        statements.append(make(sql.SQL("{} SET {}").format(head, sql.SQL(word)), "alter", new.key,
                               hazards))
    if (old.replica_identity, old.replica_index) != (new.replica_identity, new.replica_index):
        if new.replica_identity == "i":
            index_key = _replica_index_key(new, ctx)
            statements.append(make(sql.SQL("{} REPLICA IDENTITY USING INDEX {}").format(
                head, sql.Identifier(new.replica_index)), "alter", new.key,
                requires=[index_key] if index_key else []))
        else:
            statements.append(make(sql.SQL("{} REPLICA IDENTITY {}").format(
                head, sql.SQL(REPLICA_IDENTITY_WORDS[new.replica_identity])), "alter", new.key))
    for field, words, enabled, disabled in (
            ("row_security", ("ENABLE", "DISABLE"),
             f"roles without a policy on {new.name} see and change none of its rows",
             f"the policies of {new.name} stop applying: every role sees all its rows"),
            ("force_row_security", ("FORCE", "NO FORCE"),
             f"the owner of {new.name} is subject to its policies too",
             f"the owner of {new.name} bypasses its policies again")):
        on = getattr(new, field)
        if getattr(old, field) != on:
            statements.append(make(sql.SQL("{} {} ROW LEVEL SECURITY").format(
                head, sql.SQL(words[0] if on else words[1])), "alter", new.key,
                [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, enabled if on else disabled)]))
    return statements


# ---------------------------------------------------------------- columns
def _table(column, ctx):
    return ctx.ident(column.schema, column.table)


def create_column(column, ctx):
    hazards = []
    if column.generated:
        hazards.append(Hazard(HazardKind.TABLE_REWRITE, "a stored generated column is computed for every row"))
    elif column.identity:
        hazards.append(Hazard(HazardKind.TABLE_REWRITE, "an identity column is filled for every row"))
    elif column.default is not None:
        if ctx.probe is None or ctx.probe.default_rewrites(column):
            hazards.append(Hazard(HazardKind.TABLE_REWRITE, f"the default {column.default} is volatile: "
                                                 "every row is rewritten"))
    if any(h.kind == HazardKind.TABLE_REWRITE for h in hazards):
        hazards.append(Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK, f"{column.table} is locked while it is rewritten"))
    if column.not_null and column.default is None and not column.identity and not column.generated:
        hazards.append(Hazard(HazardKind.DATA_DEPENDENT, "NOT NULL without a default fails if the table has rows"))
    provided = {column.key} | (owned_sequences(ctx.new, column) if column.identity else set())
    query = sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(_table(column, ctx),
                                                          column_definition(column, ctx))
    return [make(query, "create", column.key, hazards, provides=provided)]


def drop_column(column, ctx):
    query = sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(_table(column, ctx),
                                                           sql.Identifier(column.name))
    hazards = [] if column.generated else [
        Hazard(HazardKind.DELETES_DATA, f"the values of {column.table}.{column.name} are deleted")]
    hazards.append(Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"{column.table}.{column.name} disappears"))
    return [make(query, "drop", column.key, hazards,
                 removes={column.key} | owned_sequences(ctx.old, column))]


def _type_change_hazards(old, new, ctx) -> list[Hazard]:
    hazards = [Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK, f"{new.table} is locked while the type changes")]
    rewrites = ctx.probe.type_change_rewrites(old, new) if ctx.probe else True
    if rewrites:
        hazards.append(Hazard(HazardKind.TABLE_REWRITE, f"every row of {new.table} is rewritten "
                                             f"({new.name}: {old.data_type} → {new.data_type})"))
    if ctx.probe is None or not ctx.probe.type_change_is_safe(old, new, rewrites):
        hazards.append(Hazard(HazardKind.DATA_DEPENDENT, f"existing values of {new.name} must convert to "
                                              f"{new.data_type}"))
    return hazards


def _default_dependencies(column, ctx) -> set:
    """What the old default used (sequences, functions): dropped only after it is replaced."""
    return {k for k in ctx.old.depends_on.get(column.key, ()) if k[0] in ("sequence", "function")}


def _is_enum(data_type: str, catalog, ctx) -> bool:
    """Whether format_type's spelling names an enum of `catalog` (or an array of one)."""
    base = data_type.removesuffix("[]")
    for enum in catalog.of_kind("enum").values():
        spelled = ctx.ident(enum.schema, enum.name).as_string(None)
        if base in (spelled, spelled.replace('"', ""), enum.name):
            return True
    return False


def retype_clause(old, new, ctx, collate=sql.SQL("")) -> sql.Composable:
    """TYPE … USING …: enums have no casts to other types but text, so they go through text
    (enum → enum, and an enum into its recreated self, too)."""
    via = sql.SQL("")
    if _is_enum(old.data_type, ctx.old, ctx) or _is_enum(new.data_type, ctx.new, ctx):
        via = sql.SQL("::text[]" if new.data_type.endswith("[]") else "::text")
    return sql.SQL("TYPE {}{} USING {}{}::{}").format(sql.SQL(new.data_type), collate,
                                                      sql.Identifier(new.name), via,
                                                      sql.SQL(new.data_type))


def _refuse_without_cast(old, new, retype, ctx) -> None:
    """A type PostgreSQL cannot cast to (bigint → timestamp) needs a conversion only a person
    can write: refused at planning rather than failing verification."""
    if ctx.probe is not None and ctx.probe.type_change_has_no_cast(old, retype):
        raise SchemaRefused(
            f"momrel cannot change the type of column {new.table}.{new.name} from {old.data_type} "
            f"to {new.data_type}: PostgreSQL has no cast between them; write this change by hand "
            "(e.g. add a new column, fill it with an UPDATE that converts the values, drop the old one)")


def retype_to_recreated_enum(old, new, ctx) -> list:
    """A column of an enum that is recreated keeps its type name but must move to the new type."""
    table = _table(new, ctx)
    statements = []
    if old.default is not None:  # the old default is typed with the old enum
        statements.append(make_column_alter(table, new.name, sql.SQL("DROP DEFAULT"),
                                            Facet.DEFAULT, new.key))
    statements.append(make_column_alter(table, new.name, retype_clause(old, new, ctx), Facet.TYPE,
                                        new.key, [
        Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK, f"{new.table} is locked while the type changes"),
        Hazard(HazardKind.TABLE_REWRITE, f"every row of {new.table} is rewritten ({new.name}: to the "
                                         f"recreated {new.data_type})"),
        Hazard(HazardKind.DATA_DEPENDENT, f"fails if a row of {new.table} holds an enum value that "
                                          "is removed")],
        replaces=[new.key]))
    if new.default is not None:
        statements.append(make_column_alter(table, new.name,
                                            sql.SQL("SET DEFAULT {}").format(sql.SQL(new.default)),
                                            Facet.DEFAULT, new.key, provides=[new.key]))
    return statements


def alter_column(old, new, ctx):
    if new.generated and old.generated != new.generated:
        return None  # recreate: a generation expression cannot be changed or added in place
    table, name = _table(new, ctx), sql.Identifier(new.name)
    statements = []

    def alter(facet, clause, hazards=(), **relations):
        relations.setdefault("provides", [new.key])
        statements.append(make_column_alter(table, new.name, clause, facet, new.key, hazards,
                                            **relations))

    # Statements that only take something away provide nothing: what the column depends on in
    # the new schema (a sequence, a function) is needed only by those that set it.
    if old.generated and not new.generated:
        alter(Facet.EXPRESSION, sql.SQL("DROP EXPRESSION"), provides=[])
    default_changes = old.default != new.default
    type_changes = (old.data_type, old.collation) != (new.data_type, new.collation)
    # The old default goes first when it could not survive what follows: no new default, an
    # identity taking over, or a type change it may not cast to. Otherwise SET DEFAULT replaces it.
    if old.default is not None and (new.default is None or (new.identity and not old.identity)
                                    or (default_changes and type_changes)):
        alter(Facet.DEFAULT, sql.SQL("DROP DEFAULT"),
              [] if new.default is not None or new.identity else
              [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, "inserts that rely on the default now store NULL")],
              releases=_default_dependencies(old, ctx), provides=[])
    if type_changes:
        collate = sql.SQL(" COLLATE {}").format(sql.Identifier(new.collation)) if new.collation else sql.SQL("")
        retype = retype_clause(old, new, ctx, collate)
        _refuse_without_cast(old, new, retype, ctx)
        alter(Facet.TYPE, retype, _type_change_hazards(old, new, ctx), replaces=[new.key], provides=[])
    if old.identity and not new.identity:
        alter(Facet.IDENTITY, sql.SQL("DROP IDENTITY"),
              [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, "inserts without a value no longer get one")],
              removes=owned_sequences(ctx.old, old), provides=[])
    if new.not_null and not old.not_null:
        alter(Facet.NOT_NULL, sql.SQL("SET NOT NULL"),
              [Hazard(HazardKind.DATA_DEPENDENT, "fails if any row holds NULL"),
               Hazard(HazardKind.ACCESS_EXCLUSIVE_LOCK, f"{new.table} is scanned under an exclusive lock")])
    if new.identity and not old.identity:
        alter(Facet.IDENTITY, sql.SQL("ADD ") + _identity_clause(new, ctx),
              provides={new.key} | owned_sequences(ctx.new, new))
        sequence = _identity_sequence(ctx.new, new)
        if sequence is not None and sequence.increment > 0:
            # Existing rows keep their values: the identity continues after the largest one
            # instead of colliding with it from its start value.
            table_name = sql.Literal(_table(new, ctx).as_string(None))
            statements.append(make(
                sql.SQL("SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence({}, {}), "
                        "coalesce(max({}), 0) + 1, false) FROM {}").format(
                    table_name, sql.Literal(new.name), name, table),
                "alter", new.key, provides=[new.key]))
    elif new.identity and old.identity != new.identity:
        alter(Facet.IDENTITY, sql.SQL("SET GENERATED {}").format(sql.SQL(IDENTITY_WORDS[new.identity])))
    if new.default is not None and default_changes:
        alter(Facet.DEFAULT, sql.SQL("SET DEFAULT {}").format(sql.SQL(new.default)),
              releases=_default_dependencies(old, ctx))
    if old.not_null and not new.not_null:
        alter(Facet.NOT_NULL, sql.SQL("DROP NOT NULL"), provides=[])
    return statements
