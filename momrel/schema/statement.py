"""A migration statement: its SQL, its hazards, and what it creates or removes (for ordering)."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql

from momrel.schema.model import Key

# Sections of a migration, in order. PRE and MAIN each run in one transaction; POST statements
# run one by one outside a transaction (CREATE INDEX CONCURRENTLY cannot run inside one).
PRE, MAIN, POST = "pre", "main", "post"
SECTIONS = (PRE, MAIN, POST)

# Hazard kinds (the vocabulary of stripe's pg-schema-diff).
DELETES_DATA = "deletes-data"
TABLE_REWRITE = "table-rewrite"
ACCESS_EXCLUSIVE_LOCK = "access-exclusive-lock"
INDEX_BUILD = "index-build"
DATA_DEPENDENT = "data-dependent"
BACKWARD_INCOMPATIBLE = "backward-incompatible"
HAZARD_KINDS = (DELETES_DATA, TABLE_REWRITE, ACCESS_EXCLUSIVE_LOCK, INDEX_BUILD, DATA_DEPENDENT,
                BACKWARD_INCOMPATIBLE)


@dataclass(frozen=True)
class Hazard:
    kind: str
    message: str


@dataclass
class Statement:
    sql: str
    action: str                     # create | drop | alter | rename | comment
    key: Key                        # the object the statement is about
    hazards: list[Hazard] = field(default_factory=list)
    section: str = MAIN
    provides: frozenset = frozenset()   # keys that exist after it (created or altered)
    removes: frozenset = frozenset()    # keys that are gone after it
    replaces: frozenset = frozenset()   # keys rebuilt in place: dependents must be out of the way
    requires: frozenset = frozenset()   # extra keys that must exist before it
    releases: frozenset = frozenset()   # keys it stops depending on (their drops come after it)
    frees: frozenset = frozenset()      # keys whose name it gives up (renamed out of the way)
    fallback: "Statement | None" = None  # a MAIN-section form, if POST turns out impossible
    parent: Key | None = None           # the table an index, column, constraint belongs to


def make(query: sql.Composable, action: str, key: Key, hazards=(), section: str = MAIN,
         provides=(), removes=(), replaces=(), requires=(), fallback=None, releases=(),
         frees=()) -> Statement:
    return Statement(query.as_string(None), action, key, list(hazards), section,
                     frozenset(provides), frozenset(removes), frozenset(replaces),
                     frozenset(requires), frozenset(releases), frozenset(frees), fallback)
