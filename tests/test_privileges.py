"""Privileges (GRANT/REVOKE) in schema diff: the generator on hand-built catalogs (the builders
of test_plan_units), what parse.py refuses, and how the catalog reads acls on a real server.

The end-to-end cases (psql + pg_dump, both directions) are tests/schema_cases/*grant*,
function_execute_revoked_from_public and schema_and_type_usage.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from momrel.schema.catalog import read_catalog
from momrel.schema.model import Sequence
from momrel.schema.parse import parse_schema
from momrel.schema.scratch import ScratchServer, connect_in_schema, load_schema
from momrel.schema.verify import compare
from support import raises_momrel_error
from test_plan_units import (SCHEMA, Entry, col, column_key, function, function_key, plan,
                             table, table_key, view)

PUBLIC = ""


def granted(entry: Entry, *privileges: tuple[str, str, bool]) -> Entry:
    return Entry(replace(entry.obj, privileges=tuple(sorted(privileges))), entry.uses)


def files(*, table_privileges=(), id_privileges=()) -> list[Entry]:
    entries = table("files", col("id", not_null=True), col("path", "text", not_null=True))
    entries[0] = granted(entries[0], *table_privileges)
    entries[1] = granted(entries[1], *id_privileges)
    return entries


def sqls(statements) -> list[str]:
    return [s.sql for s in statements]


# ---------------------------------------------------------------- generation
def test_a_new_function_gets_only_what_differs_from_execute_to_public():
    plain = function("f", "SELECT 1")
    assert sqls(plan([], [granted(plain, (PUBLIC, "EXECUTE", False))])) == [plain.obj.definition]
    statements = plan([], [granted(plain, ("momentry_app", "EXECUTE", False))])
    assert sqls(statements) == [plain.obj.definition,
                                'REVOKE EXECUTE ON FUNCTION "f"() FROM PUBLIC',
                                'GRANT EXECUTE ON FUNCTION "f"() TO "momentry_app"']
    assert all(s.hazards == [] for s in statements)  # nobody used the new function yet


def test_only_privileges_changed_is_grants_not_a_recreated_view():
    source = files()
    old = view("paths", "files", {"path": "text"})
    new = granted(old, (PUBLIC, "SELECT", False))
    statements = plan([source, old], [source, new])
    assert sqls(statements) == ['GRANT SELECT ON TABLE "paths" TO PUBLIC']
    assert statements[0].action == "alter" and statements[0].key == ("view", SCHEMA, "paths")


def test_grant_option_added_and_taken_off():
    old = files(table_privileges=[("a", "SELECT", False), ("b", "SELECT", True)])
    new = files(table_privileges=[("a", "SELECT", True), ("b", "SELECT", False)])
    statements = plan([old], [new])
    assert sqls(statements) == ['GRANT SELECT ON TABLE "files" TO "a" WITH GRANT OPTION',
                                'REVOKE GRANT OPTION FOR SELECT ON TABLE "files" FROM "b"']
    assert statements[0].hazards == []
    assert [h.message for h in statements[1].hazards] == [
        "b can no longer grant SELECT on table public.files to other roles"]


def test_privileges_of_one_grantee_are_one_statement_in_grant_order():
    old = files(table_privileges=[("app", "DELETE", False), ("app", "SELECT", False),
                                  ("app", "TRUNCATE", False)])
    new = files(table_privileges=[("app", "INSERT", False), ("app", "SELECT", False),
                                  ("app", "UPDATE", False)])
    statements = plan([old], [new])
    assert sqls(statements) == ['REVOKE DELETE, TRUNCATE ON TABLE "files" FROM "app"',
                                'GRANT INSERT, UPDATE ON TABLE "files" TO "app"']
    assert [h.message for h in statements[0].hazards] == ["app loses DELETE, TRUNCATE on table public.files"]


def test_a_column_grant_is_made_again_after_the_table_revoke_that_takes_it():
    old = files(table_privileges=[("app", "SELECT", False)], id_privileges=[("app", "SELECT", False)])
    new = files(id_privileges=[("app", "SELECT", False)])
    statements = plan([old], [new])
    assert sqls(statements) == ['REVOKE SELECT ON TABLE "files" FROM "app"',
                                'GRANT SELECT ("id") ON TABLE "files" TO "app"']
    assert statements[1].key == column_key("files", "id")


def test_a_column_revoke_under_a_table_grant_loses_nothing():
    old = files(table_privileges=[("app", "SELECT", False)], id_privileges=[("app", "SELECT", False)])
    new = files(table_privileges=[("app", "SELECT", False)])
    [statement] = plan([old], [new])
    assert statement.sql == 'REVOKE SELECT ("id") ON TABLE "files" FROM "app"'
    assert statement.hazards == []  # app still reads every column through the table


def test_grants_of_a_new_table_and_its_columns_follow_its_create():
    new = files(table_privileges=[("app", "INSERT", False)], id_privileges=[("reader", "SELECT", False)])
    statements = plan([], [new])
    assert statements[0].key == table_key("files") and statements[0].action == "create"
    assert sqls(statements[1:]) == ['GRANT INSERT ON TABLE "files" TO "app"',
                                    'GRANT SELECT ("id") ON TABLE "files" TO "reader"']


def test_a_recreated_function_is_granted_again_and_warns_only_of_what_was_held():
    old = granted(function("f", "SELECT 1"), (PUBLIC, "EXECUTE", False), ("app", "EXECUTE", False))
    new = granted(function("f", "SELECT 1::bigint", result="bigint"), ("app", "EXECUTE", False))
    statements = plan([old], [new])
    assert sqls(statements)[-2:] == ['REVOKE EXECUTE ON FUNCTION "f"() FROM PUBLIC',
                                     'GRANT EXECUTE ON FUNCTION "f"() TO "app"']
    assert [h.message for h in statements[-2].hazards] == [
        "PUBLIC (every role) loses EXECUTE on function public.f()"]
    assert statements[-1].hazards == []
    assert function_key("f") == statements[-1].key


# ---------------------------------------------------------------- parse
@pytest.mark.parametrize("statement", [
    "GRANT SELECT, UPDATE (path) ON files TO momentry_app WITH GRANT OPTION",
    "REVOKE EXECUTE ON FUNCTION f(integer) FROM PUBLIC",
    "GRANT USAGE ON SCHEMA reporting TO momentry_reader",
    "GRANT USAGE ON TYPE job_state TO momentry_app",
    "GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO momentry_reader",
    "GRANT EXECUTE ON ALL ROUTINES IN SCHEMA reporting TO momentry_app",
    "GRANT USAGE ON SEQUENCE ids TO momentry_app GRANTED BY CURRENT_USER",
])
def test_grants_on_schema_objects_parse(statement):
    assert parse_schema(statement + ";", "a.sql", "public").statement_count == 1


@pytest.mark.parametrize("statement, refused", [
    ("GRANT momentry_reader TO momentry_app", "GRANT/REVOKE of a role to a role"),
    ("REVOKE momentry_reader FROM momentry_app", "GRANT/REVOKE of a role to a role"),
    ("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC", "ALTER DEFAULT PRIVILEGES"),
    ("GRANT CONNECT ON DATABASE momentry TO momentry_app", "GRANT … ON DATABASE"),
    ("GRANT USAGE ON LANGUAGE plpgsql TO momentry_app", "GRANT … ON LANGUAGE"),
    ("GRANT SELECT ON files TO momentry_app GRANTED BY postgres", "GRANT … GRANTED BY a role"),
])
def test_what_is_not_a_grant_on_a_schema_object_is_refused(statement, refused):
    with raises_momrel_error(2, match=f"a.sql:2: {refused}.* is not supported"):
        parse_schema("CREATE TABLE files (id bigint);\n" + statement + ";", "a.sql", "public")


# ---------------------------------------------------------------- catalog
@pytest.fixture(scope="module")
def scratch(pg_server):
    with ScratchServer(pg_server.url("postgres")) as server:
        yield server


TABLE_AND_FUNCTION = """\
CREATE TABLE files (id bigint PRIMARY KEY, path text NOT NULL);
CREATE FUNCTION f(n integer) RETURNS integer LANGUAGE sql AS $$ SELECT n $$;
CREATE TYPE job_state AS ENUM ('queued', 'done');
"""


def _catalog(url: str):
    with connect_in_schema(url, "public", autocommit=True) as conn:
        return read_catalog(conn)


def test_a_default_written_out_equals_the_default(scratch):
    """GRANT then REVOKE leaves an explicit acl where there was NULL: the same privileges."""
    with scratch.database() as untouched, scratch.database() as written_out:
        load_schema(untouched, TABLE_AND_FUNCTION, "schema.sql", "public")
        load_schema(written_out, TABLE_AND_FUNCTION + """\
GRANT SELECT ON files TO PUBLIC;
REVOKE SELECT ON files FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION f(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION f(integer) TO PUBLIC;
REVOKE USAGE ON TYPE job_state FROM PUBLIC;
GRANT USAGE ON TYPE job_state TO PUBLIC;
GRANT USAGE ON SCHEMA public TO PUBLIC;
""", "schema.sql", "public")
        before, after = _catalog(untouched), _catalog(written_out)
        assert compare(after, before) == []
        assert after.objects[("function", "public", "f", "n integer")].privileges == \
            ((PUBLIC, "EXECUTE", False),)
        assert after.objects[("table", "public", "files")].privileges == ()


def test_privileges_are_read_without_the_owners_nor_the_target_schemas(scratch):
    with scratch.database() as url:
        load_schema(url, TABLE_AND_FUNCTION + """\
GRANT SELECT, UPDATE (path) ON files TO PUBLIC;
REVOKE ALL ON FUNCTION f(integer) FROM PUBLIC;
CREATE SCHEMA reporting;
GRANT USAGE ON SCHEMA reporting TO PUBLIC;
""", "schema.sql", "public")
        with connect_in_schema(url, "public", autocommit=True) as conn:
            conn.execute("GRANT ALL ON files TO CURRENT_USER")  # the owner's: not the schema's
        catalog = _catalog(url)
    assert catalog.objects[("table", "public", "files")].privileges == ((PUBLIC, "SELECT", False),)
    assert catalog.objects[("column", "public", "files", "path")].privileges == ((PUBLIC, "UPDATE", False),)
    assert catalog.objects[("function", "public", "f", "n integer")].privileges == ()
    assert catalog.objects[("schema", "reporting")].privileges == ((PUBLIC, "USAGE", False),)
    assert catalog.objects[("schema", "public")].privileges == ()  # the database's setup: =U


def test_a_column_grant_on_a_view_is_refused(scratch):
    with scratch.database() as url:
        load_schema(url, TABLE_AND_FUNCTION + "CREATE VIEW paths AS SELECT path FROM files;\n"
                    "GRANT SELECT (path) ON paths TO PUBLIC;\n", "schema.sql", "public")
        with raises_momrel_error(2, match="column privileges .* on view paths"):
            _catalog(url)


def test_a_grant_on_an_identity_sequence_follows_the_table_that_creates_it():
    jobs = table("jobs", col("id", not_null=True))
    jobs[1] = Entry(replace(jobs[1].obj, identity="d"))
    hidden = Entry(Sequence(SCHEMA, "jobs_id_seq", "bigint", 1, 1, 1, 2**63 - 1, 1, False, ("jobs", "id"),
                            True, privileges=(("app", "USAGE", False),)))
    statements = plan([], [jobs, hidden])
    assert [s.action for s in statements] == ["create", "alter"]
    assert statements[1].sql == 'GRANT USAGE ON SEQUENCE "jobs_id_seq" TO "app"'
