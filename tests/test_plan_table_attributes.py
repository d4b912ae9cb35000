"""The planner on hand-built catalogs, for what a table carries besides its columns: storage
parameters, persistence, replica identity, row security and its policies, and the collations
columns use (tests/schema_cases checks the same end to end against PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

from momrel.schema.model import Collation, Policy
from test_plan_units import (SCHEMA, Entry, catalog, col, column_key, files, hazard_kinds, index,
                             index_key, plan, table_key)


def with_table(entries: list[Entry], **attributes) -> list[Entry]:
    """`entries` (a table() list) with its Table's attributes changed."""
    return [Entry(replace(entries[0].obj, **attributes), entries[0].uses)] + entries[1:]


def policy(name: str, command: str = "SELECT", using: str | None = "(NOT hidden)",
           check: str | None = None, permissive: bool = True, uses=()) -> Entry:
    return Entry(Policy(SCHEMA, "files", name, command, permissive, ("",), using, check),
                 frozenset(uses) | {column_key("files", "hidden")})


def hidden_files() -> list[Entry]:
    return files(col("hidden", "boolean", not_null=True))


# ---------------------------------------------------------------- storage and persistence
def test_storage_parameters_are_reset_then_set_in_their_order():
    statements = plan([with_table(files(), options=("fillfactor=90",))],
                      [with_table(files(), options=("autovacuum_enabled=false", "toast.autovacuum_enabled=false"))])
    assert [s.sql for s in statements] == [
        'ALTER TABLE "files" RESET ("fillfactor")',
        'ALTER TABLE "files" SET ("autovacuum_enabled" = \'false\', "toast"."autovacuum_enabled" = \'false\')']
    assert all(s.hazards == [] for s in statements)


def test_a_new_table_carries_its_options_and_persistence_in_create():
    statements = plan([], [with_table(files(), options=("fillfactor=70",), unlogged=True)])
    assert statements[0].sql.startswith('CREATE UNLOGGED TABLE "files" (')
    assert statements[0].sql.endswith(") WITH (\"fillfactor\" = '70')")
    assert len(statements) == 1


def test_set_unlogged_rewrites_and_loses_rows_on_a_crash():
    [statement] = plan([files()], [with_table(files(), unlogged=True)])
    assert statement.sql == 'ALTER TABLE "files" SET UNLOGGED'
    assert set(hazard_kinds(statement)) == {"table-rewrite", "access-exclusive-lock", "deletes-data"}
    [back] = plan([with_table(files(), unlogged=True)], [files()])
    assert back.sql == 'ALTER TABLE "files" SET LOGGED'
    assert "deletes-data" not in hazard_kinds(back)


# ---------------------------------------------------------------- replica identity
def test_replica_identity_using_a_new_index_comes_after_the_index():
    path_index = index("files", "files_path_key", "path", unique=True)
    statements = plan([files()], [with_table(files(), replica_identity="i", replica_index="files_path_key"),
                                  path_index])
    order = [s.sql.split(" ")[0:3] for s in statements]
    assert [s.sql for s in statements][-1] == \
        'ALTER TABLE "files" REPLICA IDENTITY USING INDEX "files_path_key"'
    assert statements[0].key == index_key("files_path_key"), order
    # The index is needed in the main transaction, so it is built there (not CONCURRENTLY).
    assert "CONCURRENTLY" not in statements[0].sql


def test_replica_identity_full_and_back_to_default():
    [full] = plan([files()], [with_table(files(), replica_identity="f")])
    assert full.sql == 'ALTER TABLE "files" REPLICA IDENTITY FULL'
    [default] = plan([with_table(files(), replica_identity="f")], [files()])
    assert default.sql == 'ALTER TABLE "files" REPLICA IDENTITY DEFAULT'


# ---------------------------------------------------------------- row security and policies
def test_enabling_row_security_is_flagged_and_policies_follow():
    statements = plan([hidden_files()],
                      [with_table(hidden_files(), row_security=True, force_row_security=True),
                       policy("files_visible")])
    assert [s.sql for s in statements] == [
        'ALTER TABLE "files" ENABLE ROW LEVEL SECURITY',
        'ALTER TABLE "files" FORCE ROW LEVEL SECURITY',
        'CREATE POLICY "files_visible" ON "files" AS PERMISSIVE FOR SELECT TO PUBLIC USING ((NOT hidden))']
    assert hazard_kinds(statements[0]) == ["backward-incompatible"]


def test_a_changed_policy_expression_is_altered_in_place():
    [statement] = plan([hidden_files(), policy("files_visible")],
                       [hidden_files(), policy("files_visible", using="(hidden IS FALSE)")])
    assert statement.sql == 'ALTER POLICY "files_visible" ON "files" TO PUBLIC USING ((hidden IS FALSE))'


def test_a_changed_command_or_a_removed_expression_recreates_the_policy():
    for changed in (policy("files_visible", command="ALL"),
                    policy("files_visible", permissive=False),
                    policy("files_visible", using=None, check="(NOT hidden)")):
        statements = plan([hidden_files(), policy("files_visible")], [hidden_files(), changed])
        assert [s.action.value for s in statements] == ["drop", "create"], changed


def test_a_policy_over_a_retyped_column_is_dropped_before_and_created_after():
    old = [files(col("level", "integer", not_null=True)),
           Entry(Policy(SCHEMA, "files", "files_level", "SELECT", True, ("",), "(level >= 0)", None),
                 frozenset({column_key("files", "level")}))]
    new = [files(col("level", "bigint", not_null=True)), old[1]]
    statements = plan(old, new)
    assert [s.action.value for s in statements] == ["drop", "alter", "create"]
    assert statements[1].sql.startswith('ALTER TABLE "files" ALTER COLUMN "level" TYPE bigint')


def test_policies_go_with_their_dropped_table():
    [statement] = plan([with_table(hidden_files(), row_security=True), policy("files_visible")], [])
    assert statement.sql == 'DROP TABLE "files"'


# ---------------------------------------------------------------- collations
def test_a_collation_is_created_before_the_column_that_uses_it():
    path_order = Entry(Collation(SCHEMA, "path_order", "c", "C", "C", None, None, True))
    uses = {("collation", SCHEMA, "path_order")}
    new_files = files(col("sort_key", "text", uses=uses))
    new_files[-1] = Entry(replace(new_files[-1].obj, collation="path_order"), new_files[-1].uses)
    statements = plan([files()], [new_files, path_order])
    assert [s.sql for s in statements] == [
        'CREATE COLLATION "path_order" (provider = libc, locale = \'C\')',
        'ALTER TABLE "files" ADD COLUMN "sort_key" text COLLATE "path_order"']
    dropped = plan([new_files, path_order], [files()])
    assert [s.action.value for s in dropped] == ["drop", "drop"]
    assert dropped[-1].sql == 'DROP COLLATION "path_order"'


def test_a_policy_belongs_to_its_table():
    assert catalog(files()).parent(("policy", SCHEMA, "files", "p")) == table_key("files")
