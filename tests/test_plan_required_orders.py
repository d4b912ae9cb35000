"""More planner cases on hand-built catalogs (the builders of test_plan_units.py): orders
PostgreSQL requires that pg_depend does not record (one primary key per table, PL/pgSQL
declarations), and comments on view columns."""

from __future__ import annotations

from dataclasses import replace

import pytest

from momrel.schema.model import Constraint
from test_plan_units import (SCHEMA, Entry, col, column_key, columns_of, files, function, index,
                             function_key, plan, table, table_key, view, view_key)


# ---------------------------------------------------------------- one primary key per table
def named_primary_key(table_name: str, name: str, *columns: str) -> Entry:
    return Entry(Constraint(SCHEMA, table_name, name, "p", f"PRIMARY KEY ({', '.join(columns)})", name),
                 frozenset(columns_of(table_name, *columns)))


@pytest.mark.parametrize("old_key, new_key", [
    (named_primary_key("files", "files_pk", "id"), named_primary_key("files", "files_id_pkey", "id", "path")),
    (named_primary_key("files", "files_id_pkey", "id", "path"), named_primary_key("files", "files_pk", "id")),
])
def test_primary_key_under_another_name_is_added_after_the_old_one_is_dropped(old_key, new_key):
    """A table holds one primary key: adding the new one first fails with "multiple primary
    keys for table", whatever the names' order says."""
    statements = [(s.action, s.key) for s in plan([files(), old_key], [files(), new_key])]
    assert statements == [("drop", old_key.obj.key), ("create", new_key.obj.key)]


def test_primary_keys_of_other_tables_do_not_wait_for_each_other():
    old = [files(), *table("exports", col("id")), named_primary_key("files", "files_pk", "id")]
    new = [files(), *table("exports", col("id")), named_primary_key("exports", "a_exports_pk", "id")]
    statements = [(s.action, s.key) for s in plan(old, new)]
    assert statements == [("create", ("constraint", SCHEMA, "exports", "a_exports_pk")),
                          ("drop", ("constraint", SCHEMA, "files", "files_pk"))]


# ---------------------------------------------------------------- PL/pgSQL declarations
def plpgsql(name: str, declarations: str, result: str = "integer") -> Entry:
    return function(name, f"\nDECLARE\n    {declarations}\nBEGIN\n    RETURN NULL;\nEND\n",
                    result=result, language="plpgsql")


@pytest.mark.parametrize("declaration", ["r zz_jobs%ROWTYPE;", "batch zz_jobs[];", "r public.zz_jobs;",
                                         'r "zz_jobs"%rowtype;'])
def test_plpgsql_declaring_a_row_type_is_created_after_its_table(declaration):
    """PostgreSQL compiles PL/pgSQL declarations at CREATE (the statements only for syntax)."""
    new = [*table("zz_jobs", col("id")), plpgsql("a_count", declaration)]
    assert [s.key for s in plan([], new)] == [table_key("zz_jobs"), function_key("a_count")]


def test_plpgsql_declaring_a_column_type_is_created_after_the_column():
    new = [files(col("checksum", "text")), plpgsql("a_sum", "v files.checksum%TYPE; n integer := 0;")]
    assert [(s.action, s.key) for s in plan([files()], new)] == [
        ("create", column_key("files", "checksum")), ("create", function_key("a_sum"))]


def test_plpgsql_names_outside_declare_sections_and_in_strings_are_not_read():
    new = [*table("zz_jobs", col("id")),
           plpgsql("a_count", "n text := 'zz_jobs'; -- zz_jobs%ROWTYPE\n    /* zz_jobs[] */")]
    assert [s.key for s in plan([], new)] == [function_key("a_count"), table_key("zz_jobs")]


def test_plpgsql_declaring_a_table_that_uses_the_function_makes_no_cycle():
    """A column default calling the function: the table depends on it, so the declaration is
    left out rather than ordered into a cycle (PostgreSQL would refuse that schema's CREATE too
    unless check_function_bodies is off)."""
    new = [*table("zz_jobs", col("id", default="a_next()", uses={function_key("a_next")})),
           plpgsql("a_next", "r zz_jobs%ROWTYPE;", result="bigint")]
    assert [s.key for s in plan([], new)] == [function_key("a_next"), table_key("zz_jobs")]


# ---------------------------------------------------------------- comments on view columns
def file_paths(*columns: str, comments=()) -> Entry:
    entry = view("file_paths", "files", {c: "text" if c == "path" else "bigint" for c in columns})
    return replace(entry, obj=replace(entry.obj, column_comments=tuple(comments)))


def test_view_column_comment_added_changed_and_removed_in_place():
    before = [files(), file_paths("id", "path", comments=[("id", "File id"), ("path", "Media path")])]
    after = [files(), file_paths("id", "path", comments=[("path", "Bucket path")])]
    assert [s.sql for s in plan(before, after)] == [
        'COMMENT ON COLUMN "file_paths"."id" IS NULL',
        "COMMENT ON COLUMN \"file_paths\".\"path\" IS 'Bucket path'"]


def test_view_column_comment_is_set_again_after_the_view_is_recreated():
    comments = [("path", "Media path")]
    before = [files(), file_paths("id", "path", comments=comments)]
    after = [files(), file_paths("path", "id", comments=comments)]
    assert [(s.action, s.key) for s in plan(before, after)] == [
        ("drop", view_key("file_paths")), ("create", view_key("file_paths")),
        ("comment", view_key("file_paths"))]
    assert plan(before, after)[-1].sql == "COMMENT ON COLUMN \"file_paths\".\"path\" IS 'Media path'"


def test_view_column_comment_follows_an_appended_column():
    """CREATE OR REPLACE VIEW keeps the comments of the columns it keeps."""
    before = [files(), file_paths("id", comments=[("id", "File id")])]
    after = [files(), file_paths("id", "path", comments=[("id", "File id"), ("path", "Media path")])]
    assert [(s.action, s.sql.split(" AS")[0]) for s in plan(before, after)] == [
        ("alter", 'CREATE OR REPLACE VIEW "file_paths"'),
        ("comment", 'COMMENT ON COLUMN "file_paths"."path" IS \'Media path\'')]


def test_sql_body_reading_a_table_whose_index_uses_the_function_still_follows_the_table():
    """Only a column using the function (created by its CREATE TABLE) frees the function from
    waiting for the table; an index using it comes after both anyway."""
    new = [*table("zz_jobs", col("id")), function("a_total", "SELECT count(*)::integer FROM zz_jobs"),
           index("zz_jobs", "zz_jobs_total_idx", "a_total()", uses={function_key("a_total")})]
    assert [s.key for s in plan([], new)][:2] == [table_key("zz_jobs"), function_key("a_total")]
