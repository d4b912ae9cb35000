"""The schema model: a catalog read into plain, comparable values.

Every object has a key, a tuple whose first item is its kind. Two models are equal when they
hold the same keys with equal objects; fields marked ``compare=False`` (column positions) do not
take part, because PostgreSQL appends added columns and column order is not part of the diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

Key = tuple  # ("table", schema, name), ("column", schema, table, name), ...
# A privilege on an object: (grantee, privilege, with grant option), grantee "" for PUBLIC.
# The owner's own are not part of the schema: who runs the migration owns what it creates.
Privilege = tuple[str, str, bool]
# What PostgreSQL grants on a new object besides its owner (acldefault), the default of
# `privileges`: EXECUTE on functions and procedures, USAGE on types, to PUBLIC; else nothing.
EXECUTE_TO_PUBLIC: tuple[Privilege, ...] = (("", "EXECUTE", False),)
USAGE_TO_PUBLIC: tuple[Privilege, ...] = (("", "USAGE", False),)

KINDS = ("schema", "extension", "collation", "enum", "sequence", "function", "table", "column",
         "constraint", "index", "view", "trigger", "policy")


@dataclass(frozen=True)
class Schema:
    name: str
    comment: str | None = None
    privileges: tuple[Privilege, ...] = ()  # sorted; GRANT/REVOKE (kinds/privileges.py)

    @property
    def key(self) -> Key:
        return ("schema", self.name)


@dataclass(frozen=True)
class Extension:
    name: str
    schema: str
    version: str = ""     # pg_extension.extversion: a migration pins it, both ways
    comment: str | None = field(default=None, compare=False)  # set by the extension itself

    @property
    def key(self) -> Key:
        return ("extension", self.name)


@dataclass(frozen=True)
class Collation:
    schema: str
    name: str
    provider: str             # c libc, i icu, b builtin
    collate: str | None       # libc: LC_COLLATE
    ctype: str | None         # libc: LC_CTYPE
    locale: str | None        # icu (and builtin): the locale
    rules: str | None         # icu: tailoring rules
    deterministic: bool
    comment: str | None = None

    @property
    def key(self) -> Key:
        return ("collation", self.schema, self.name)


@dataclass(frozen=True)
class Enum:
    schema: str
    name: str
    labels: tuple[str, ...]
    comment: str | None = None
    privileges: tuple[Privilege, ...] = USAGE_TO_PUBLIC  # sorted; GRANT/REVOKE (kinds/privileges.py)

    @property
    def key(self) -> Key:
        return ("enum", self.schema, self.name)


@dataclass(frozen=True)
class Sequence:
    schema: str
    name: str
    data_type: str
    start: int
    increment: int
    minimum: int
    maximum: int
    cache: int
    cycle: bool
    owned_by: tuple[str, str] | None  # (table, column) in the same schema
    identity: bool                    # the hidden sequence of an identity column
    comment: str | None = None
    privileges: tuple[Privilege, ...] = ()  # sorted; GRANT/REVOKE (kinds/privileges.py)

    @property
    def key(self) -> Key:
        return ("sequence", self.schema, self.name)


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    comment: str | None = None
    # Storage parameters (reloptions, then the TOAST table's as `toast.name=value`), in the
    # order PostgreSQL keeps them.
    options: tuple[str, ...] = ()
    unlogged: bool = False
    replica_identity: str = "d"       # d default, n nothing, f full, i an index (below)
    replica_index: str | None = None  # the index of REPLICA IDENTITY USING INDEX
    row_security: bool = False        # ENABLE ROW LEVEL SECURITY
    force_row_security: bool = False  # FORCE ROW LEVEL SECURITY (the owner too)
    privileges: tuple[Privilege, ...] = ()  # sorted; GRANT/REVOKE (kinds/privileges.py)
    # Partitioning and inheritance (kinds/partitions.py). A partition's parent and bound, a
    # partitioned table's key (pg_get_partkeydef: it cannot change in place), INHERITS parents.
    partition_key: str | None = None          # RANGE (created_at), LIST (kind), HASH (file_id)
    partition_of: tuple[str, str] | None = None  # (schema, table) of the partitioned parent
    partition_bound: str | None = None        # pg_get_expr(relpartbound): FOR VALUES … | DEFAULT
    inherits: tuple[tuple[str, str], ...] = ()   # (schema, table) of INHERITS parents, in order

    @property
    def key(self) -> Key:
        return ("table", self.schema, self.name)


@dataclass(frozen=True)
class Column:
    schema: str
    table: str
    name: str
    data_type: str            # format_type(): PostgreSQL's own spelling, typmod included
    not_null: bool
    default: str | None       # pg_get_expr of the default (None for generated columns)
    identity: str             # '' | 'a' (ALWAYS) | 'd' (BY DEFAULT)
    generated: str | None     # expression of a STORED generated column
    collation: str | None     # only when it differs from the type's default
    comment: str | None = None
    position: int = field(default=0, compare=False)
    privileges: tuple[Privilege, ...] = ()  # sorted; GRANT/REVOKE (kinds/privileges.py)
    # Only from a parent (attislocal = false): created and dropped with the parent's column or
    # the partition, never on its own.
    inherited: bool = False

    @property
    def key(self) -> Key:
        return ("column", self.schema, self.table, self.name)


@dataclass(frozen=True)
class Constraint:
    schema: str
    table: str
    name: str
    type: str                 # p primary key, u unique, c check, f foreign key, x exclusion
    definition: str           # pg_get_constraintdef
    index_name: str | None    # the index PostgreSQL builds for p/u/x
    comment: str | None = None
    index_comment: str | None = None  # COMMENT ON INDEX of that index
    # Cloned from a parent's constraint or inherited (conislocal = false): it comes and goes
    # with the parent's, or with the partition.
    inherited: bool = False

    @property
    def key(self) -> Key:
        return ("constraint", self.schema, self.table, self.name)


@dataclass(frozen=True)
class Index:
    schema: str
    table: str
    name: str
    definition: str           # pg_get_indexdef
    comment: str | None = None
    # The definition with the index name taken out: equal for an index that was only renamed.
    shape: str = field(default="", compare=False)
    # The partitioned index this partition's index is attached to: created by the parent's
    # CREATE INDEX, CREATE TABLE … PARTITION OF or ATTACH PARTITION, never on its own.
    parent_index: str | None = None

    @property
    def key(self) -> Key:
        return ("index", self.schema, self.name)


@dataclass(frozen=True)
class View:
    schema: str
    name: str
    materialized: bool
    definition: str           # pg_get_viewdef
    columns: tuple[tuple[str, str], ...]  # (name, type): a type change under a view shows here
    comment: str | None = None
    # reloptions, in the order PostgreSQL keeps them: security_barrier, security_invoker, check_option (views),
    # storage parameters (materialized views); pg_get_viewdef shows none of them.
    options: tuple[str, ...] = ()
    populated: bool = True    # a materialized view created WITH NO DATA is not
    privileges: tuple[Privilege, ...] = ()  # sorted; GRANT/REVOKE (kinds/privileges.py)
    # COMMENT ON COLUMN view.col: (column, comment) in column order. A view's columns are not
    # objects of their own, and the comments go when the view is recreated (kinds/comments.py).
    column_comments: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> Key:
        return ("view", self.schema, self.name)


@dataclass(frozen=True)
class Function:
    schema: str
    name: str
    arguments: str            # pg_get_function_identity_arguments: the overload's identity
    kind: str                 # f function, p procedure
    result: str | None        # pg_get_function_result: CREATE OR REPLACE cannot change it
    definition: str           # pg_get_functiondef
    comment: str | None = None
    privileges: tuple[Privilege, ...] = EXECUTE_TO_PUBLIC  # sorted; GRANT/REVOKE (kinds/privileges.py)

    @property
    def key(self) -> Key:
        return ("function", self.schema, self.name, self.arguments)


@dataclass(frozen=True)
class Trigger:
    schema: str
    table: str
    name: str
    definition: str           # pg_get_triggerdef
    comment: str | None = None
    shape: str = field(default="", compare=False)

    @property
    def key(self) -> Key:
        return ("trigger", self.schema, self.table, self.name)


@dataclass(frozen=True)
class Policy:
    schema: str
    table: str
    name: str
    command: str              # ALL, SELECT, INSERT, UPDATE, DELETE
    permissive: bool          # PERMISSIVE (or RESTRICTIVE)
    roles: tuple[str, ...]    # role names, sorted; "" is PUBLIC (roles live outside the schema)
    using: str | None         # pg_get_expr of USING
    check: str | None         # pg_get_expr of WITH CHECK
    comment: str | None = None

    @property
    def key(self) -> Key:
        return ("policy", self.schema, self.table, self.name)


SchemaObject = (Schema | Extension | Collation | Enum | Sequence | Table | Column | Constraint | Index
                | View | Function | Trigger | Policy)


@dataclass
class Catalog:
    """One database's objects plus what depends on what (from pg_depend)."""

    objects: dict[Key, SchemaObject]
    depends_on: dict[Key, set[Key]]
    server_version: str = ""
    # momrel.schema.facts: the wider reading verification compares too (empty when not read).
    facts: dict[tuple[str, str], str] = field(default_factory=dict)

    def of_kind(self, kind: str) -> dict[Key, SchemaObject]:
        return {key: obj for key, obj in self.objects.items() if key[0] == kind}

    def dependents(self) -> dict[Key, set[Key]]:
        """The reverse of depends_on: for each object, the objects that depend on it."""
        reverse: dict[Key, set[Key]] = {}
        for key, targets in self.depends_on.items():
            for target in targets:
                reverse.setdefault(target, set()).add(key)
        return reverse

    def parent(self, key: Key) -> Key | None:
        """The table (or view) an object belongs to: columns, constraints, indexes, triggers,
        and sequences owned by a column (serial, identity)."""
        obj = self.objects.get(key)
        if key[0] == "sequence" and obj is not None and obj.owned_by:
            return ("table", obj.schema, obj.owned_by[0])
        if key[0] in ("column", "constraint", "trigger", "policy"):
            return ("table", key[1], key[2])
        if key[0] == "index" and obj is not None:
            table_key = ("table", obj.schema, obj.table)
            return table_key if table_key in self.objects else ("view", obj.schema, obj.table)
        return None


COMMENT_FIELDS = {"comment": None, "index_comment": None, "column_comments": ()}  # name: cleared


def without_comments(obj):
    """obj with its comments cleared: what is left is what CREATE and ALTER change."""
    present = {f.name for f in fields(obj)}
    return replace(obj, **{name: cleared for name, cleared in COMMENT_FIELDS.items() if name in present})


def without_comments_and_privileges(obj):
    """obj without its comments and privileges: what is left is what CREATE and ALTER change
    (COMMENT ON and GRANT/REVOKE change the rest)."""
    obj = without_comments(obj)
    return replace(obj, privileges=()) if hasattr(obj, "privileges") else obj


def describe(key: Key) -> str:
    """A key as people write it: `column dev.files.status`, `function dev.f(integer)`."""
    kind = key[0]
    if kind in ("schema", "extension"):
        return f"{kind} {key[1]}"
    if kind == "function":
        return f"function {key[1]}.{key[2]}({key[3]})"
    return f"{kind} {'.'.join(key[1:])}"


def differing_fields(old: SchemaObject, new: SchemaObject) -> list[str]:
    """Names of the compared fields whose values differ."""
    return [f.name for f in fields(old) if f.compare and getattr(old, f.name) != getattr(new, f.name)]
