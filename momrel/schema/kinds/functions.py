"""Functions and procedures: CREATE OR REPLACE when the result type stays, else recreate.

A SQL-language function with a string body (`AS $$ … $$`) has no pg_depend entries for what
the body names, yet PostgreSQL checks the body when it is created (check_function_bodies): the
tables, views and functions it uses must exist by then. So the body is parsed and what it names
becomes a requirement of the CREATE; a body that cannot be parsed makes the function wait for
everything the migration creates (fail closed). `BEGIN ATOMIC` bodies are recorded in
pg_depend and need none of this.
"""

from __future__ import annotations

import re

import pglast
from pglast import ast
from pglast.visitors import Visitor
from psycopg import sql

from momrel.schema.kinds import make
from momrel.schema.migration import Hazard, HazardKind
from momrel.schema.model import Key

# What a SQL body can name that a migration may create: relations it reads or writes, their
# columns, the functions it calls, the (enum) types it casts to.
RELATION_KINDS = ("table", "view", "sequence")
FALLBACK_KINDS = ("table", "column", "view", "function")


def create(obj, ctx):
    return [make(sql.SQL(obj.definition), "create", obj.key, provides=[obj.key],
                 requires=body_requirements(obj, ctx.new))]


def signature(obj, ctx) -> sql.Composable:
    """`FUNCTION f(integer)` or `PROCEDURE p(text)`: how DROP, COMMENT ON and GRANT name one."""
    return sql.SQL("{} {}({})").format(sql.SQL("PROCEDURE" if obj.kind == "p" else "FUNCTION"),
                                       ctx.ident(obj.schema, obj.name), sql.SQL(obj.arguments))


def drop(obj, ctx):
    return [make(sql.SQL("DROP {}").format(signature(obj, ctx)),
                 "drop", obj.key, [Hazard(HazardKind.BACKWARD_INCOMPATIBLE, f"{obj.name}({obj.arguments}) disappears")]
                 if obj.key not in ctx.new.objects else [], removes=[obj.key])]


def alter(old, new, ctx):
    if (old.kind, old.result) != (new.kind, new.result):
        return None
    return [make(sql.SQL(new.definition), "alter", new.key, provides=[new.key],
                 requires=body_requirements(new, ctx.new))]


# ---------------------------------------------------------------- SQL string bodies
class _NamesInBody(Visitor):
    """The relations, functions and types a parsed SQL body names, as (schema or None, name)."""

    def __init__(self):
        self.relations: set[tuple] = set()
        self.functions: set[tuple] = set()
        self.types: set[tuple] = set()

    @staticmethod
    def _qualified(names) -> tuple:
        parts = tuple(n.sval for n in names if isinstance(n, ast.String))
        return (parts[-2] if len(parts) > 1 else None, parts[-1]) if parts else (None, "")

    def visit_RangeVar(self, ancestors, node):
        self.relations.add((node.schemaname, node.relname))

    def visit_FuncCall(self, ancestors, node):
        self.functions.add(self._qualified(node.funcname))

    def visit_TypeName(self, ancestors, node):
        self.types.add(self._qualified(node.names))


def _string_body(definition: str) -> tuple[str | None, str | None]:
    """(language, body) of a CREATE FUNCTION/PROCEDURE as pg_get_functiondef prints it; body is
    None for BEGIN ATOMIC (and for C functions' two-part AS)."""
    statement = pglast.parse_sql(definition)[0].stmt
    options = {option.defname: option.arg for option in statement.options or ()}
    language = options.get("language")
    language = language.sval.lower() if isinstance(language, ast.String) else None
    body = options.get("as")
    if isinstance(body, tuple) and len(body) == 1 and isinstance(body[0], ast.String):
        return language, body[0].sval
    return language, None


def _named(catalog, kinds, wanted: set[tuple]) -> set[Key]:
    """Objects of `kinds` whose (schema, name) is one of `wanted`; an unqualified name matches
    in every schema (over-asking only adds an ordering edge)."""
    found = set()
    for key in catalog.objects:
        if key[0] in kinds and ((key[1], key[2]) in wanted or (None, key[2]) in wanted):
            found.add(key)
    return found


def _dependents_of(catalog, key: Key) -> set[Key]:
    """Everything that depends on `key`, directly or not, and the tables holding those (a column
    whose default calls the function is created by its CREATE TABLE): never a requirement of it
    (a cycle)."""
    dependents, found, work = catalog.dependents(), set(), [key]
    while work:
        for dependent in dependents.get(work.pop(), ()):
            if dependent not in found:
                found.add(dependent)
                work.append(dependent)
    return found | {catalog.parent(k) for k in found if k[0] == "column"}


def body_requirements(obj, catalog) -> set[Key]:
    """What a string body of `obj` names in `catalog` (the new side) that must exist before the
    CREATE, which PostgreSQL validates: for SQL, everything the body names (unparsable:
    everything it could name); for PL/pgSQL, the types its DECLARE sections name."""
    try:
        language, body = _string_body(obj.definition)
        if body is None or language not in ("sql", "plpgsql"):
            return set()
        if language == "plpgsql":
            required = _declared_types(body, catalog)
        else:
            names = _NamesInBody()
            names(pglast.parse_sql(body))
            relations = _named(catalog, RELATION_KINDS, names.relations)
            columns = {key for key in catalog.objects if key[0] == "column"
                       and ("table", key[1], key[2]) in relations}
            required = (relations | columns | _named(catalog, ("function",), names.functions)
                        | _named(catalog, ("enum",), names.types))
    except pglast.parser.ParseError:
        required = {key for key in catalog.objects if key[0] in FALLBACK_KINDS}
    return required - {obj.key} - _dependents_of(catalog, obj.key)


# ---------------------------------------------------------------- PL/pgSQL declarations
# PL/pgSQL compiles its declarations at CREATE (check_function_bodies), resolving each variable's
# type: `r files%ROWTYPE`, `v files.path%TYPE`, `rows files[]`, `s job_state`. The statements
# are checked only for syntax. pglast's parse_plpgsql resolves types itself and fails on an
# array of a row type, so the DECLARE sections are scanned instead: every (qualified) name in
# them that is a table, view, enum or column of the new catalog becomes a requirement. Reading
# too much (a variable named like a table) only adds an ordering edge.
_NOISE = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", re.DOTALL)
_DECLARE = re.compile(r"\bdeclare\b(.*?)(?=\bbegin\b)", re.IGNORECASE | re.DOTALL)
_PART = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QUALIFIED = re.compile(rf"{_PART}(?:\s*\.\s*{_PART})*(?:\s*%\s*(?:row)?type\b)?", re.IGNORECASE)
DECLARED_KINDS = ("table", "view", "enum")


def _unquoted(part: str) -> str:
    part = part.strip()
    return part[1:-1].replace('""', '"') if part.startswith('"') else part.lower()


def _declared_types(body: str, catalog) -> set[Key]:
    wanted_types: set[tuple] = set()
    wanted_columns: set[tuple] = set()
    for section in _DECLARE.findall(_NOISE.sub(" ", body)):
        for match in _QUALIFIED.finditer(section):
            text = re.sub(r"\s*%\s*(?:row)?type$", "", match.group(0), flags=re.IGNORECASE)
            parts = tuple(_unquoted(p) for p in re.findall(_PART, text))
            wanted_types.add((parts[-2] if len(parts) > 1 else None, parts[-1]))
            if len(parts) > 1:  # table.column%TYPE, or schema.table.column%TYPE
                wanted_types.add((parts[-3] if len(parts) > 2 else None, parts[-2]))
                wanted_columns.add((parts[-3] if len(parts) > 2 else None, parts[-2], parts[-1]))
    columns = {key for key in catalog.objects if key[0] == "column"
               and ((key[1], key[2], key[3]) in wanted_columns or (None, key[2], key[3]) in wanted_columns)}
    return _named(catalog, DECLARED_KINDS, wanted_types) | columns
