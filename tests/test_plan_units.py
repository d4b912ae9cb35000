"""The planner on hand-built catalogs, without a server: each case checks in milliseconds what
tests/schema_cases checks end to end against PostgreSQL (statements, their order, sections,
hazards), so a planner change is checked in seconds.

The builders below produce the model objects and depends_on edges the way
momrel.schema.catalog reads them: every object depends on its schema, and a column,
constraint, index or trigger on its table (catalog.py adds these itself); what pg_depend
records is given explicitly as `uses` (a column on its enum type or on the sequence its default
calls, an index on the columns and functions it uses, a view on the columns it reads, a foreign
key on the unique index it references, a trigger on its function), so each case shows the
edges it relies on. Definitions are spelled as pg_get_*def prints them.

No probe is given (probe=None), so the planner assumes the worst of every change it cannot ask
PostgreSQL about: a default rewrites the table, a type change rewrites it and may fail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from momrel.schema.model import (Catalog, Column, Constraint, Enum, Function, Index, Key, Schema,
                                 Sequence, Table, Trigger, View)
from momrel.schema.plan import plan_changes
from support import raises_momrel_error

SCHEMA = "public"


# ---------------------------------------------------------------- keys
def table_key(table: str) -> Key:
    return ("table", SCHEMA, table)


def column_key(table: str, column: str) -> Key:
    return ("column", SCHEMA, table, column)


def columns_of(table: str, *columns: str) -> set[Key]:
    return {column_key(table, c) for c in columns}


def index_key(name: str) -> Key:
    return ("index", SCHEMA, name)


def enum_key(name: str) -> Key:
    return ("enum", SCHEMA, name)


def sequence_key(name: str) -> Key:
    return ("sequence", SCHEMA, name)


def view_key(name: str) -> Key:
    return ("view", SCHEMA, name)


def function_key(name: str, arguments: str = "") -> Key:
    return ("function", SCHEMA, name, arguments)


# ---------------------------------------------------------------- objects
@dataclass(frozen=True)
class Entry:
    """One model object and its pg_depend edges (what it depends on besides schema and table)."""

    obj: object
    uses: frozenset = frozenset()


def col(name: str, data_type: str = "bigint", *, not_null: bool = False, default: str | None = None,
        generated: str | None = None, comment: str | None = None, uses=()) -> Entry:
    """A column for table(), which fills in its table and position."""
    return Entry(Column(SCHEMA, "", name, data_type, not_null, default, "", generated, None, comment),
                 frozenset(uses))


def table(name: str, *columns: Entry, comment: str | None = None) -> list[Entry]:
    entries = [Entry(Table(SCHEMA, name, comment))]
    for position, column in enumerate(columns, start=1):
        entries.append(Entry(replace(column.obj, table=name, position=position), column.uses))
    return entries


def primary_key(table: str, *columns: str) -> Entry:
    name = f"{table}_pkey"
    return Entry(Constraint(SCHEMA, table, name, "p", f"PRIMARY KEY ({', '.join(columns)})", name),
                 frozenset(columns_of(table, *columns)))


def foreign_key(table: str, column: str, references: str, referenced_column: str, *,
                through: Key) -> Entry:
    """`through`: the unique index (or constraint) that makes the referenced column unique."""
    return Entry(Constraint(SCHEMA, table, f"{table}_{column}_fkey", "f",
                            f"FOREIGN KEY ({column}) REFERENCES {references}({referenced_column})", None),
                 frozenset({column_key(table, column), column_key(references, referenced_column),
                            through}))


def index(table: str, name: str, *columns: str, unique: bool = False, where: str | None = None,
          uses=(), comment: str | None = None) -> Entry:
    """An index on `columns` (names or expressions); `uses`: what its expressions and WHERE
    clause use besides the columns it is on."""
    word = "UNIQUE INDEX" if unique else "INDEX"
    tail = f" ON {SCHEMA}.{table} USING btree ({', '.join(columns)})" + (f" WHERE ({where})" if where else "")
    named = columns_of(table, *(c for c in columns if c.isidentifier()))
    return Entry(Index(SCHEMA, table, name, f"CREATE {word} {name}{tail}", comment, f"CREATE {word}{tail}"),
                 frozenset(named) | frozenset(uses))


def view(name: str, source: str, columns: dict[str, str], *, where: str | None = None,
         reads=None) -> Entry:
    """A view selecting `columns` (name -> type) from `source`. `reads`: its pg_depend edges;
    by default the columns it selects from table `source` (over a view: that view)."""
    selected = ",\n    ".join(columns)
    definition = f" SELECT {selected}\n   FROM {source}" + (f"\n  WHERE ({where})" if where else "") + ";"
    reads = columns_of(source, *columns) if reads is None else reads
    return Entry(View(SCHEMA, name, False, definition, tuple(columns.items())), frozenset(reads))


def enum(name: str, *labels: str) -> Entry:
    return Entry(Enum(SCHEMA, name, labels))


def sequence(name: str) -> Entry:
    return Entry(Sequence(SCHEMA, name, "bigint", 1, 1, 1, 2**63 - 1, 1, False, None, False))


def function(name: str, body: str, *, arguments: str = "", result: str = "integer",
             language: str = "sql") -> Entry:
    definition = (f"CREATE OR REPLACE FUNCTION {SCHEMA}.{name}({arguments})\n RETURNS {result}\n"
                  f" LANGUAGE {language}\nAS $function$ {body} $function$")
    return Entry(Function(SCHEMA, name, arguments, "f", result, definition))


def trigger(table: str, name: str, function_name: str) -> Entry:
    tail = f"BEFORE UPDATE ON {SCHEMA}.{table} FOR EACH ROW EXECUTE FUNCTION {function_name}()"
    return Entry(Trigger(SCHEMA, table, name, f"CREATE TRIGGER {name} {tail}", None, f"CREATE TRIGGER {tail}"),
                 frozenset({function_key(function_name)}))


def catalog(*parts: Entry | list[Entry]) -> Catalog:
    """The schema's catalog holding the given entries, with depends_on as catalog.py builds it."""
    entries = [Entry(Schema(SCHEMA, "standard public schema"))]
    for part in parts:
        entries += part if isinstance(part, list) else [part]
    objects = {entry.obj.key: entry.obj for entry in entries}
    assert len(objects) == len(entries), "an object is given twice"
    depends_on = {}
    for entry in entries:
        edges = set(entry.uses)
        if not isinstance(entry.obj, Schema):
            edges.add(("schema", SCHEMA))
        owner = getattr(entry.obj, "table", None)
        if owner is not None:
            edges |= {k for k in (table_key(owner), view_key(owner)) if k in objects}
        assert edges <= objects.keys(), f"{entry.obj.key} uses what is not there: {edges - objects.keys()}"
        depends_on[entry.obj.key] = edges
    return Catalog(objects, depends_on, "17")


def plan(old: list, new: list) -> list:
    """The statements turning catalog(*old) into catalog(*new), assuming the worst (no probe)."""
    return plan_changes(catalog(*old), catalog(*new), SCHEMA)


def hazard_kinds(statement) -> list[str]:
    return [h.kind for h in statement.hazards]


def files(*extra: Entry) -> list[Entry]:
    """The table most cases change: files (id, path) plus `extra` columns."""
    return table("files", col("id", not_null=True), col("path", "text", not_null=True), *extra)


# ---------------------------------------------------------------- tables
def test_identical_catalogs_plan_nothing():
    everything = [files(), primary_key("files", "id"), index("files", "files_path_idx", "path"),
                  view("paths", "files", {"path": "text"})]
    assert plan(everything, everything) == []


def test_new_table_is_created_with_its_columns_then_its_key():
    statements = plan([], [files(), primary_key("files", "id")])
    assert [s.sql for s in statements] == [
        'CREATE TABLE "files" (\n    "id" bigint NOT NULL,\n    "path" text NOT NULL\n)',
        'ALTER TABLE "files" ADD CONSTRAINT "files_pkey" PRIMARY KEY (id)',
    ]
    assert [(s.section, s.action, s.key) for s in statements] == [
        ("main", "create", table_key("files")),
        ("main", "create", ("constraint", SCHEMA, "files", "files_pkey")),
    ]
    assert all(s.hazards == [] for s in statements)  # nothing to lock or lose on a new table


def test_dropped_table_goes_in_one_statement_with_what_it_holds():
    old = [files(), primary_key("files", "id"), index("files", "files_path_idx", "path")]
    [statement] = plan(old, [])
    assert (statement.sql, statement.section, statement.action) == ('DROP TABLE "files"', "main", "drop")
    assert statement.key == table_key("files")
    assert hazard_kinds(statement) == ["deletes-data", "backward-incompatible"]


# ---------------------------------------------------------------- columns
@pytest.mark.parametrize("column, sql, hazards", [
    (col("size"), 'ADD COLUMN "size" bigint', []),
    (col("size", not_null=True), 'ADD COLUMN "size" bigint NOT NULL', ["data-dependent"]),
    # Without a probe a default is taken for volatile: every row is rewritten.
    (col("size", not_null=True, default="0"), 'ADD COLUMN "size" bigint DEFAULT 0 NOT NULL',
     ["table-rewrite", "access-exclusive-lock"]),
    (col("double", generated="(id * 2)"), 'ADD COLUMN "double" bigint GENERATED ALWAYS AS ((id * 2)) STORED',
     ["table-rewrite", "access-exclusive-lock"]),
])
def test_added_column_and_its_hazards(column, sql, hazards):
    [statement] = plan([files()], [files(column)])
    assert statement.sql == f'ALTER TABLE "files" {sql}'
    assert (statement.section, statement.action) == ("main", "create")
    assert statement.key == column_key("files", column.obj.name)
    assert hazard_kinds(statement) == hazards


def test_dropped_column_deletes_its_data():
    [statement] = plan([files(col("legacy", "text"))], [files()])
    assert statement.sql == 'ALTER TABLE "files" DROP COLUMN "legacy"'
    assert (statement.section, statement.action, statement.key) == \
        ("main", "drop", column_key("files", "legacy"))
    assert hazard_kinds(statement) == ["deletes-data", "backward-incompatible"]

    # A generated column holds nothing that cannot be computed again.
    [statement] = plan([files(col("double", generated="(id * 2)"))], [files()])
    assert hazard_kinds(statement) == ["backward-incompatible"]


def test_drop_and_add_of_the_same_type_say_it_looks_like_a_rename():
    added, dropped = plan([files(col("legacy", "text"))], [files(col("checksum", "text"))])
    assert (added.action, added.key, added.hazards) == ("create", column_key("files", "checksum"), [])
    assert (dropped.action, dropped.key) == ("drop", column_key("files", "legacy"))
    assert hazard_kinds(dropped) == ["deletes-data", "backward-incompatible", "deletes-data"]
    assert "`-- @renamed from=legacy`" in dropped.hazards[-1].message


def test_column_type_change_locks_rewrites_and_may_fail():
    [statement] = plan([files(col("frames", "integer"))], [files(col("frames"))])
    assert statement.sql == 'ALTER TABLE "files" ALTER COLUMN "frames" TYPE bigint USING "frames"::bigint'
    assert (statement.section, statement.action) == ("main", "alter")
    assert hazard_kinds(statement) == ["access-exclusive-lock", "table-rewrite", "data-dependent"]


def test_type_changes_on_one_table_become_one_alter_table():
    """One rewrite of the table instead of one per column; another table's change stays apart."""
    old = [files(col("a", "integer"), col("b", "integer")), table("other", col("c", "integer"))]
    new = [files(col("a"), col("b")), table("other", col("c"))]
    merged, other = plan(old, new)
    assert merged.sql == ('ALTER TABLE "files" ALTER COLUMN "a" TYPE bigint USING "a"::bigint,\n'
                          '    ALTER COLUMN "b" TYPE bigint USING "b"::bigint')
    assert merged.key == column_key("files", "a")
    assert hazard_kinds(merged) == ["access-exclusive-lock", "table-rewrite", "data-dependent",
                                    "table-rewrite", "data-dependent"]
    assert other.sql == 'ALTER TABLE "other" ALTER COLUMN "c" TYPE bigint USING "c"::bigint'


def test_not_null_set_and_dropped():
    set_, dropped = plan([files(col("a"), col("b", not_null=True))],
                         [files(col("a", not_null=True), col("b"))])
    assert set_.sql == 'ALTER TABLE "files" ALTER COLUMN "a" SET NOT NULL'
    assert hazard_kinds(set_) == ["data-dependent", "access-exclusive-lock"]
    assert dropped.sql == 'ALTER TABLE "files" ALTER COLUMN "b" DROP NOT NULL'
    assert dropped.hazards == []
    assert {(s.section, s.action) for s in (set_, dropped)} == {("main", "alter")}


def jobs(default: str | None, uses=()) -> list[Entry]:
    return table("jobs", col("id", not_null=True, default=default, uses=uses))


def test_default_moves_to_a_new_sequence_between_its_create_and_the_old_ones_drop():
    old = [sequence("old_ids"), jobs("nextval('old_ids'::regclass)", [sequence_key("old_ids")])]
    new = [sequence("new_ids"), jobs("nextval('new_ids'::regclass)", [sequence_key("new_ids")])]
    statements = plan(old, new)
    assert [(s.action, s.key) for s in statements] == [
        ("create", sequence_key("new_ids")),
        ("alter", column_key("jobs", "id")),
        ("drop", sequence_key("old_ids")),
    ]
    assert statements[0].sql == ('CREATE SEQUENCE "new_ids" AS bigint INCREMENT BY 1 MINVALUE 1 '
                                 'MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE')
    assert statements[1].sql == """ALTER TABLE "jobs" ALTER COLUMN "id" SET DEFAULT nextval('new_ids'::regclass)"""
    assert statements[1].hazards == []
    assert statements[2].sql == 'DROP SEQUENCE "old_ids"'
    assert hazard_kinds(statements[2]) == ["deletes-data", "backward-incompatible"]


def test_default_dropped_before_the_sequence_it_calls():
    old = [sequence("old_ids"), jobs("nextval('old_ids'::regclass)", [sequence_key("old_ids")])]
    dropped_default, dropped_sequence = plan(old, [jobs(None)])
    assert dropped_default.sql == 'ALTER TABLE "jobs" ALTER COLUMN "id" DROP DEFAULT'
    assert hazard_kinds(dropped_default) == ["backward-incompatible"]
    assert dropped_sequence.sql == 'DROP SEQUENCE "old_ids"'


def test_sequence_range_that_excludes_its_start_restarts_it_in_the_same_statement():
    """PostgreSQL refuses a MAXVALUE below the current value; a fresh sequence is at its start."""
    def ids(start: int, maximum: int) -> Entry:
        return Entry(replace(sequence("ids").obj, start=start, maximum=maximum))

    [narrowed] = plan([ids(100, 2**63 - 1)], [ids(5, 50)])
    assert narrowed.sql == 'ALTER SEQUENCE "ids" MAXVALUE 50 START WITH 5 RESTART WITH 5'
    assert hazard_kinds(narrowed) == ["deletes-data"]
    [widened] = plan([ids(5, 50)], [ids(100, 2**63 - 1)])  # the old start fits: no restart
    assert widened.sql == 'ALTER SEQUENCE "ids" MAXVALUE 9223372036854775807 START WITH 100'
    assert widened.hazards == []


# ---------------------------------------------------------------- indexes and foreign keys
def test_index_on_an_existing_table_is_built_concurrently_after_the_transaction():
    [statement] = plan([files()], [files(), index("files", "files_path_idx", "path")])
    assert statement.sql == "CREATE INDEX CONCURRENTLY files_path_idx ON public.files USING btree (path)"
    assert (statement.section, statement.action, statement.key) == \
        ("post", "create", index_key("files_path_idx"))
    assert hazard_kinds(statement) == ["index-build"]


def test_index_on_a_new_table_is_built_plainly_with_it():
    create_table, create_index = plan([], [files(), index("files", "files_path_idx", "path")])
    assert create_table.key == table_key("files")
    assert create_index.sql == "CREATE INDEX files_path_idx ON public.files USING btree (path)"
    assert (create_index.section, create_index.hazards) == ("main", [])


def test_dropped_index_goes_concurrently_last():
    [statement] = plan([files(), index("files", "files_path_idx", "path")], [files()])
    assert statement.sql == 'DROP INDEX CONCURRENTLY "files_path_idx"'
    assert (statement.section, statement.action) == ("post", "drop")


def test_unique_index_a_new_foreign_key_needs_falls_back_into_the_main_transaction():
    exports = table("exports", col("id", not_null=True), col("file_path", "text", not_null=True))
    old = [files(), exports]
    new = [files(), index("files", "files_path_key", "path", unique=True), exports,
           foreign_key("exports", "file_path", "files", "path", through=index_key("files_path_key"))]
    statements = plan(old, new)
    assert [(s.section, s.action, s.sql) for s in statements] == [
        ("main", "create", "CREATE UNIQUE INDEX files_path_key ON public.files USING btree (path)"),
        ("main", "create", 'ALTER TABLE "exports" ADD CONSTRAINT "exports_file_path_fkey" '
                           "FOREIGN KEY (file_path) REFERENCES files(path) NOT VALID"),
        ("post", "alter", 'ALTER TABLE "exports" VALIDATE CONSTRAINT "exports_file_path_fkey"'),
    ]
    assert [hazard_kinds(s) for s in statements] == [["index-build", "data-dependent"], [],
                                                     ["data-dependent"]]


@pytest.mark.parametrize("new_key", [None, "path"])
def test_primary_key_goes_before_its_column_drops_not_null(new_key):
    """PostgreSQL refuses DROP NOT NULL on a column of a primary key; with the key dropped, or
    moved to another column, the old key goes first."""
    old = [files(), primary_key("files", "id")]
    new = [table("files", col("id"), col("path", "text", not_null=True))]
    if new_key:
        new.append(primary_key("files", new_key))
    statements = [(s.action, s.key) for s in plan(old, new)]
    drop_key = ("drop", ("constraint", SCHEMA, "files", "files_pkey"))
    drop_not_null = ("alter", column_key("files", "id"))
    assert statements.index(drop_key) < statements.index(drop_not_null)
    if new_key:
        assert statements[-1] == ("create", ("constraint", SCHEMA, "files", "files_pkey"))


def test_tables_referencing_each_other_are_dropped_after_their_foreign_keys():
    """Neither DROP TABLE can go first while the other table's key references it."""
    def pair(first: str, second: str) -> list:
        return [*table(first, col("id", not_null=True), col(f"{second}_id")),
                primary_key(first, "id"),
                foreign_key(first, f"{second}_id", second, "id",
                            through=("constraint", SCHEMA, second, f"{second}_pkey"))]
    statements = plan([files(), pair("t1", "t2"), pair("t2", "t1")], [files()])
    assert [(s.action, s.sql) for s in statements] == [
        ("drop", 'ALTER TABLE "t1" DROP CONSTRAINT "t1_t2_id_fkey"'),
        ("drop", 'ALTER TABLE "t2" DROP CONSTRAINT "t2_t1_id_fkey"'),
        ("drop", 'DROP TABLE "t1"'),
        ("drop", 'DROP TABLE "t2"'),
    ]


def test_foreign_key_along_a_chain_of_dropped_tables_goes_with_its_table():
    parent = [*table("parent", col("id", not_null=True)), primary_key("parent", "id")]
    child = [*table("child", col("id", not_null=True), col("parent_id")),
             foreign_key("child", "parent_id", "parent", "id",
                         through=("constraint", SCHEMA, "parent", "parent_pkey"))]
    assert [s.sql for s in plan([files(), parent, child], [files()])] == [
        'DROP TABLE "child"', 'DROP TABLE "parent"']


# ---------------------------------------------------------------- views
def long_files(frames_type: str) -> list:
    return [table("files", col("id", not_null=True), col("frames", frames_type, not_null=True)),
            view("long_files", "files", {"id": "bigint", "frames": frames_type}, where="frames > 10000")]


def test_view_reading_a_retyped_column_is_dropped_before_and_created_after():
    statements = plan(long_files("integer"), long_files("bigint"))
    assert [s.sql for s in statements] == [
        'DROP VIEW "long_files"',
        'ALTER TABLE "files" ALTER COLUMN "frames" TYPE bigint USING "frames"::bigint',
        'CREATE VIEW "long_files" AS\nSELECT id,\n    frames\n   FROM files\n  WHERE (frames > 10000)',
    ]
    assert [(s.action, s.key) for s in statements] == [
        ("drop", view_key("long_files")), ("alter", column_key("files", "frames")),
        ("create", view_key("long_files"))]
    assert statements[0].hazards == statements[2].hazards == []  # the same view comes back


def test_view_with_columns_appended_is_replaced_in_place():
    old = [files(), view("v", "files", {"id": "bigint"})]
    [statement] = plan(old, [files(), view("v", "files", {"id": "bigint", "path": "text"})])
    assert statement.sql == 'CREATE OR REPLACE VIEW "v" AS\nSELECT id,\n    path\n   FROM files'
    assert (statement.action, statement.key) == ("alter", view_key("v"))


@pytest.mark.parametrize("under, over", [("z_paths", "a_ids"), ("a_paths", "z_ids")])
def test_dependents_are_created_after_and_dropped_before_what_they_use(under, over):
    """A view over a view, named both ways round so that name order cannot be what orders them."""
    base = table("files", col("id", not_null=True), col("path", "text"))
    views = [view(under, "files", {"id": "bigint", "path": "text"}),
             view(over, under, {"id": "bigint"}, reads={view_key(under)})]
    assert [(s.action, s.key) for s in plan([base], [base, *views])] == [
        ("create", view_key(under)), ("create", view_key(over))]
    assert [(s.action, s.key) for s in plan([base, *views], [base])] == [
        ("drop", view_key(over)), ("drop", view_key(under))]


# ---------------------------------------------------------------- enums
def job_states(*labels: str) -> list:
    state = enum_key("job_state")
    return [enum("job_state", *labels),
            table("jobs", col("id", not_null=True),
                  col("state", "job_state", not_null=True, default="'queued'::job_state", uses=[state])),
            index("jobs", "jobs_open_idx", "id", where="state <> 'done'::job_state",
                  uses=[column_key("jobs", "state"), state])]


@pytest.mark.parametrize("labels, sql", [
    (("queued", "running", "done"), "ALTER TYPE \"job_state\" ADD VALUE 'running' BEFORE 'done'"),
    (("queued", "done", "failed"), "ALTER TYPE \"job_state\" ADD VALUE 'failed' AFTER 'done'"),
])
def test_enum_value_added_in_place_in_the_pre_section(labels, sql):
    [statement] = plan(job_states("queued", "done"), job_states(*labels))
    assert statement.sql == sql
    assert (statement.section, statement.action, statement.key) == ("pre", "alter", enum_key("job_state"))
    assert statement.hazards == []


def test_enum_value_removed_recreates_the_type_and_what_uses_it():
    statements = plan(job_states("queued", "running", "done"), job_states("queued", "done"))
    assert [(s.section, s.action, s.sql) for s in statements] == [
        ("main", "alter", 'ALTER TABLE "jobs" ALTER COLUMN "state" DROP DEFAULT'),
        ("main", "drop", 'DROP INDEX "jobs_open_idx"'),
        ("main", "rename", 'ALTER TYPE "job_state" RENAME TO "job_state__momrel_old"'),
        ("main", "create", "CREATE TYPE \"job_state\" AS ENUM ('queued', 'done')"),
        ("main", "alter", 'ALTER TABLE "jobs" ALTER COLUMN "state" TYPE job_state USING "state"::text::job_state'),
        ("main", "alter", """ALTER TABLE "jobs" ALTER COLUMN "state" SET DEFAULT 'queued'::job_state"""),
        ("main", "drop", 'DROP TYPE "job_state__momrel_old"'),
        ("post", "create", "CREATE INDEX CONCURRENTLY jobs_open_idx ON public.jobs USING btree (id) "
                           "WHERE (state <> 'done'::job_state)"),
    ]
    assert hazard_kinds(statements[4]) == ["access-exclusive-lock", "table-rewrite", "data-dependent"]


# ---------------------------------------------------------------- functions and triggers
def test_function_body_changed_is_replaced_in_place():
    [statement] = plan([function("answer", "SELECT 41")], [function("answer", "SELECT 42")])
    assert statement.sql == ("CREATE OR REPLACE FUNCTION public.answer()\n RETURNS integer\n"
                             " LANGUAGE sql\nAS $function$ SELECT 42 $function$")
    assert (statement.section, statement.action, statement.key) == ("main", "alter", function_key("answer"))
    assert statement.hazards == []


def test_function_body_changed_under_an_expression_index_rebuilds_the_index():
    """PostgreSQL does not recompute an index when a function it uses changes."""
    def schema(body):
        return [function("norm", body, arguments="text", result="text"), files(),
                index("files", "files_norm_idx", "norm(path)",
                      uses=[column_key("files", "path"), function_key("norm", "text")])]

    statements = plan(schema("SELECT lower($1)"), schema("SELECT upper($1)"))
    assert [(s.section, s.action, s.key) for s in statements] == [
        ("main", "alter", function_key("norm", "text")),
        ("main", "drop", index_key("files_norm_idx")),
        ("post", "create", index_key("files_norm_idx")),
    ]
    assert statements[2].sql == \
        "CREATE INDEX CONCURRENTLY files_norm_idx ON public.files USING btree (norm(path))"


def test_sql_string_body_is_created_after_what_it_names():
    """PostgreSQL checks a SQL body at CREATE but records no pg_depend for a string body: the
    planner reads the body. Named so that kind and name order would put the functions first."""
    new = [*table("zz_jobs", col("id"), col("state", "text")),
           view("zz_open", "zz_jobs", {"id": "bigint"}, where="state <> 'done'"),
           function("z_open_count", "SELECT count(*) FROM zz_open", result="bigint"),
           function("a_any_open", "SELECT z_open_count() > 0", result="boolean"),
           function("m_states", "SELECT state FROM public.zz_jobs", result="SETOF text")]
    assert [(s.action, s.key) for s in plan([], new)] == [
        ("create", table_key("zz_jobs")),
        ("create", function_key("m_states")),
        ("create", view_key("zz_open")),
        ("create", function_key("z_open_count")),
        ("create", function_key("a_any_open")),
    ]


def test_sql_body_reading_a_new_column_comes_after_it():
    new = [files(col("checksum", "text")), function("a_sums", "SELECT checksum FROM files",
                                                    result="SETOF text")]
    assert [(s.action, s.key) for s in plan([files()], new)] == [
        ("create", column_key("files", "checksum")), ("create", function_key("a_sums"))]


def test_sql_body_that_cannot_be_parsed_waits_for_everything_created():
    """Fail closed: the body might name any of them."""
    new = [*table("zz_jobs", col("id")), view("zz_ids", "zz_jobs", {"id": "bigint"}),
           function("a_broken", "SELECT FROM WHERE (")]
    assert [s.key for s in plan([], new)][-1] == function_key("a_broken")


def test_plpgsql_body_is_not_read():
    """PL/pgSQL bodies are checked only for syntax at CREATE: no requirement is added."""
    new = [*table("zz_jobs", col("id")),
           function("a_count", "BEGIN RETURN (SELECT count(*) FROM zz_jobs); END", language="plpgsql")]
    assert [s.key for s in plan([], new)] == [function_key("a_count"), table_key("zz_jobs")]


def test_trigger_comes_after_its_new_function():
    touch = function("touch", "BEGIN RETURN NEW; END", result="trigger", language="plpgsql")
    statements = plan([files()], [files(), touch, trigger("files", "files_touch", "touch")])
    assert [(s.action, s.key[0]) for s in statements] == [("create", "function"), ("create", "trigger")]
    assert statements[1].sql == ("CREATE TRIGGER files_touch BEFORE UPDATE ON public.files "
                                 "FOR EACH ROW EXECUTE FUNCTION touch()")


def test_column_whose_default_needs_a_recreated_function_is_refused():
    """Changing a function's result type recreates it; a column cannot come along (exit 2)."""
    def schema(result):
        return [function("next_id", f"SELECT 1::{result}", result=result),
                table("t", col("id", "integer", default="next_id()", uses=[function_key("next_id")]))]

    with raises_momrel_error(2, match="column public.t.id depends on function public.next_id()"):
        plan(schema("integer"), schema("bigint"))


def test_a_dependency_cycle_is_reported_not_guessed():
    """No real catalog holds two views over each other; the planner refuses, naming them (exit 2)."""
    def loop_view(name, other):
        return Entry(View(SCHEMA, name, False, " SELECT 1 AS x;", (("x", "integer"),)),
                     frozenset({view_key(other)}))

    with raises_momrel_error(2, match="the statements for view public.a, view public.b depend on "
                                       "each other in a cycle") as refusal:
        plan([], [loop_view("a", "b"), loop_view("b", "a")])
    message = str(refusal.value)
    assert "\n" not in message and "(create view public." in message
    assert message.endswith("write this change by hand")


# ---------------------------------------------------------------- sections and comments
def test_sections_run_pre_then_main_then_post():
    old = [enum("state", "a"), files()]
    new = [enum("state", "a", "b"), files(col("note", "text")), index("files", "files_path_idx", "path")]
    statements = plan(old, new)
    assert [(s.section, s.key) for s in statements] == [
        ("pre", enum_key("state")),
        ("main", column_key("files", "note")),
        ("post", index_key("files_path_idx")),
    ]


def test_comments_changed_added_and_removed():
    old = [table("files", col("id"), col("path", "text", comment="where"), comment="Files")]
    new = [table("files", col("id", comment="the key"), col("path", "text"), comment="Videos")]
    statements = plan(old, new)
    assert [(s.section, s.action, s.sql) for s in statements] == [
        ("main", "comment", "COMMENT ON TABLE \"files\" IS 'Videos'"),
        ("main", "comment", "COMMENT ON COLUMN \"files\".\"id\" IS 'the key'"),
        ("main", "comment", 'COMMENT ON COLUMN "files"."path" IS NULL'),
    ]
    assert all(s.hazards == [] for s in statements)


def test_comments_of_a_new_table_follow_its_create():
    statements = plan([], [table("files", col("id", comment="the key"), comment="Files")])
    assert [(s.action, s.key) for s in statements] == [
        ("create", table_key("files")), ("comment", table_key("files")),
        ("comment", column_key("files", "id"))]


def test_comment_on_a_concurrent_index_follows_it_into_post():
    create, comment = plan([files()], [files(), index("files", "files_path_idx", "path",
                                                      comment="for lookups")])
    assert (create.section, create.action) == ("post", "create")
    assert (comment.section, comment.action, comment.sql) == \
        ("post", "comment", "COMMENT ON INDEX \"files_path_idx\" IS 'for lookups'")


# ---------------------------------------------------------------- partitions and inheritance
def detections(*extra: Entry, key: str | None = "RANGE (file_id)") -> list[Entry]:
    """A partitioned table face_detections (file_id, score) plus `extra` columns."""
    entries = table("face_detections", col("file_id", not_null=True), col("score", "real"), *extra)
    return [Entry(replace(entries[0].obj, partition_key=key))] + entries[1:]


def partition(name: str, bound: str, *columns: str, parent: str = "face_detections") -> list[Entry]:
    """A partition of `parent` whose columns all come from it (attislocal = false)."""
    entries = table(name, *(col(c) for c in columns))
    return ([Entry(replace(entries[0].obj, partition_of=(SCHEMA, parent), partition_bound=bound),
                   frozenset({table_key(parent)}))]
            + [Entry(replace(e.obj, inherited=True), e.uses) for e in entries[1:]])


def attached_index(table: str, name: str, parent: str, *columns: str) -> Entry:
    entry = index(table, name, *columns)
    return Entry(replace(entry.obj, parent_index=parent), entry.uses)


FIRST = "FOR VALUES FROM ('0') TO ('1000000')"


def test_new_partition_is_created_of_its_parent_with_nothing_of_its_own():
    parent = [detections(), index("face_detections", "fd_score_idx", "score")]
    new = parent + [partition("fd_0", FIRST, "file_id", "score"),
                    attached_index("fd_0", "fd_0_score_idx", "fd_score_idx", "score")]
    [create] = plan(parent, new)
    assert create.sql == f'CREATE TABLE "fd_0" PARTITION OF "face_detections" {FIRST}'
    assert {column_key("fd_0", "file_id"), index_key("fd_0_score_idx")} <= create.provides


def test_column_added_to_a_partitioned_table_is_added_once_to_the_parent():
    old = [detections(), partition("fd_0", FIRST, "file_id", "score")]
    new = [detections(col("frame", "integer")), partition("fd_0", FIRST, "file_id", "score", "frame")]
    [add] = plan(old, new)
    assert add.sql == 'ALTER TABLE "face_detections" ADD COLUMN "frame" integer'
    assert column_key("fd_0", "frame") in add.provides


def test_index_on_a_partitioned_table_is_built_plainly_and_makes_the_partitions_own():
    old = [detections(), partition("fd_0", FIRST, "file_id", "score")]
    parent_index = index("face_detections", "fd_score_idx", "score")
    parent_index = Entry(replace(parent_index.obj, definition=parent_index.obj.definition.replace(
        " ON ", " ON ONLY ")), parent_index.uses)
    new = old + [parent_index, attached_index("fd_0", "fd_0_score_idx", "fd_score_idx", "score")]
    [create] = plan(old, new)
    assert create.sql == "CREATE INDEX fd_score_idx ON public.face_detections USING btree (score)"
    assert (create.section, hazard_kinds(create)) == ("main", ["index-build"])
    assert index_key("fd_0_score_idx") in create.provides


def test_detached_partition_keeps_what_it_had_and_drops_it_after_detach():
    parent = [detections(), index("face_detections", "fd_score_idx", "score")]
    old = parent + [partition("fd_0", FIRST, "file_id", "score"),
                    attached_index("fd_0", "fd_0_score_idx", "fd_score_idx", "score")]
    new = parent + [table("fd_0", col("file_id", not_null=True), col("score", "real"))]
    detach, drop = plan(old, new)
    assert detach.sql == 'ALTER TABLE "face_detections" DETACH PARTITION "fd_0"'
    assert hazard_kinds(detach) == ["backward-incompatible"]
    assert drop.sql == 'DROP INDEX CONCURRENTLY "fd_0_score_idx"'


def test_partition_with_a_new_bound_is_detached_then_attached():
    old = [detections(), partition("fd_0", FIRST, "file_id", "score")]
    new = [detections(), partition("fd_0", "FOR VALUES FROM ('0') TO ('10')", "file_id", "score")]
    detach, attach = plan(old, new)
    assert detach.sql == 'ALTER TABLE "face_detections" DETACH PARTITION "fd_0"'
    assert attach.sql == """ALTER TABLE "face_detections" ATTACH PARTITION "fd_0" FOR VALUES FROM ('0') TO ('10')"""
    assert sorted(hazard_kinds(attach)) == ["access-exclusive-lock", "data-dependent"]


@pytest.mark.parametrize("old_key, new_key", [(None, "HASH (file_id)"), ("RANGE (file_id)", "LIST (file_id)")])
def test_changed_partition_key_is_refused(old_key, new_key):
    with raises_momrel_error(2) as refusal:
        plan([detections(key=old_key)], [detections(key=new_key)])
    assert "table public.face_detections: its partitioning changes" in str(refusal.value)


def test_inherit_and_no_inherit():
    events = table("events", col("id", not_null=True))
    child = table("login_events", col("id", not_null=True))
    inheriting = [Entry(replace(child[0].obj, inherits=((SCHEMA, "events"),)), frozenset({table_key("events")}))] \
        + child[1:]
    [inherit] = plan([events, child], [events, inheriting])
    assert inherit.sql == 'ALTER TABLE "login_events" INHERIT "events"'
    [no_inherit] = plan([events, inheriting], [events, child])
    assert no_inherit.sql == 'ALTER TABLE "login_events" NO INHERIT "events"'
    assert hazard_kinds(no_inherit) == ["backward-incompatible"]
