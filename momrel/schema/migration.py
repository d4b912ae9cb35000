"""A migration as data: typed statements in sections, where it starts, how it was checked.

The planner builds these values and never edits SQL text: a statement is a head (`ALTER TABLE
t`) and, for table alterations, clauses (`ALTER COLUMN c TYPE bigint …`) that the planner may
merge by what they change (which column, which facet). SQL text is rendered from them last
(`Statement.sql`, momrel.schema.render). `to_data`/`from_data` carry a migration through
`--format json` and back, so `momrel schema apply` runs exactly what `momrel schema diff` planned.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from momrel.schema.model import Key, describe


class Section(enum.StrEnum):
    """PRE and MAIN each run in one transaction; POST statements run one by one outside a
    transaction (CREATE INDEX CONCURRENTLY cannot run inside one). PRE holds new enum values,
    which cannot be used in the transaction that adds them."""

    PRE = "pre"
    MAIN = "main"
    POST = "post"


SECTIONS = tuple(Section)


class Action(enum.StrEnum):
    CREATE = "create"
    DROP = "drop"
    ALTER = "alter"
    RENAME = "rename"
    COMMENT = "comment"


class HazardKind(enum.StrEnum):
    """The vocabulary of stripe's pg-schema-diff."""

    DELETES_DATA = "deletes-data"
    TABLE_REWRITE = "table-rewrite"
    ACCESS_EXCLUSIVE_LOCK = "access-exclusive-lock"
    INDEX_BUILD = "index-build"
    DATA_DEPENDENT = "data-dependent"
    BACKWARD_INCOMPATIBLE = "backward-incompatible"


class Facet(enum.StrEnum):
    """Which part of a column an ALTER COLUMN changes: the planner merges and filters on it."""

    TYPE = "type"
    DEFAULT = "default"
    NOT_NULL = "not-null"
    IDENTITY = "identity"
    EXPRESSION = "expression"


@dataclass(frozen=True)
class Hazard:
    kind: HazardKind
    message: str


@dataclass(eq=False)
class Statement:
    head: str                       # the whole statement, or `ALTER TABLE t` when it has clauses
    action: Action
    key: Key                        # the object the statement is about
    hazards: list[Hazard] = field(default_factory=list)
    section: Section = Section.MAIN
    clauses: tuple[str, ...] = ()   # table alterations: `ALTER COLUMN c …`, merged per table
    facet: Facet | None = None      # for column alterations: what they change
    parent: Key | None = None       # the table an index, column, constraint belongs to
    # Planning relations: what the statement graph orders by. They are not part of a planned
    # migration (not in its JSON, not compared).
    provides: frozenset = frozenset()   # keys that exist after it (created or altered)
    removes: frozenset = frozenset()    # keys that are gone after it
    replaces: frozenset = frozenset()   # keys rebuilt in place: dependents must be out of the way
    requires: frozenset = frozenset()   # extra keys that must exist before it
    releases: frozenset = frozenset()   # keys it stops depending on (their drops come after it)
    frees: frozenset = frozenset()      # keys whose name it gives up (renamed out of the way)
    fallback: "Statement | None" = None  # a MAIN-section form, if POST turns out impossible

    @property
    def sql(self) -> str:
        if not self.clauses:
            return self.head
        return self.head + " " + ",\n    ".join(self.clauses)

    @property
    def first_line(self) -> str:
        return self.sql.strip().splitlines()[0]

    def can_merge(self, other: "Statement") -> bool:
        """Type changes of columns of one table, in one section, become one ALTER TABLE:
        PostgreSQL then rewrites the table and rebuilds its indexes once, not once per column."""
        return (self.facet is other.facet is Facet.TYPE and self.section is other.section
                and self.head == other.head and bool(self.clauses) and bool(other.clauses))

    def merge(self, other: "Statement") -> None:
        self.clauses += other.clauses
        self.hazards += [h for h in other.hazards if h not in self.hazards]
        self.replaces |= other.replaces
        self.provides |= other.provides

    def executed(self) -> tuple:
        """What running and reviewing it depends on (the equality of planned statements)."""
        return (self.head, self.clauses, self.action, self.key, tuple(self.hazards), self.section,
                self.facet, self.parent)

    def __eq__(self, other) -> bool:
        return isinstance(other, Statement) and self.executed() == other.executed()

    __hash__ = None  # mutable while planned


@dataclass(frozen=True)
class Endpoint:
    """One side of a migration: the schema source it was planned from."""

    spec: str                # what the user typed: a ref, WORKTREE or a path
    where: str               # the file as messages name it: `v1:sql/momentry.sql`
    path: str
    commit: str | None
    sha256: str              # of the schema file's text
    description: str         # one line for headers

    @classmethod
    def of(cls, source) -> "Endpoint":
        """From a momrel.schema.source.SchemaSource."""
        return cls(source.spec, source.where, source.path, source.commit, source.sha256,
                   source.describe())


@dataclass(frozen=True)
class StartingPoint:
    """The schema a migration starts from, as the catalog sees it: a digest per object of the
    target schema, so a database elsewhere can be checked to be exactly there before anything
    runs (momrel.schema.startpoint)."""

    server_major: int                  # pg_get_*def output can differ between major versions
    sha256: str                        # of all objects together
    objects: dict[str, str]            # describe(key) → digest of the object's compared fields


@dataclass
class Migration:
    schema: str                  # the schema it is rendered for (search_path)
    direction: str               # "up" (FROM → TO) or "down" (TO → FROM)
    source: Endpoint             # the side it starts from
    result: Endpoint             # the side it produces
    statements: list[Statement]
    start: StartingPoint | None = None
    server_version: str = ""     # of the scratch server it was planned and verified on
    verified: bool = False
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = field(default=0.0, compare=False)
    # describe(key) → (line in the FROM file, line in the TO file): where reviewers look
    locations: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    @property
    def hazardous(self) -> list[Statement]:
        return [s for s in self.statements if s.hazards]

    def in_section(self, section: Section) -> list[Statement]:
        return [s for s in self.statements if s.section is section]

    def line_in_source(self, key: Key) -> int | None:
        return self.locations.get(describe(key), (None, None))[0]

    def line_in_result(self, key: Key) -> int | None:
        return self.locations.get(describe(key), (None, None))[1]
