"""Verification compares more than the model: the facts of momrel.schema.facts.

A property the planner does not model must make verification fail (exit 4), never pass as
"verified". These tests change such properties behind the model's back, in real databases,
and check that the comparison, and verification itself, catch them; and that extension
versions are pinned and updated.
"""

from __future__ import annotations

import pytest

from momrel.schema.catalog import read_catalog
from momrel.schema.diff import diff, verify_migration
from momrel.schema.kinds import Context
from momrel.schema.kinds import schemas as schema_kind
from momrel.schema.model import Catalog, Extension, Schema
from momrel.schema.plan import plan_changes
from momrel.schema.scratch import ScratchServer, connect_in_schema, load_schema
from momrel.schema.source import SchemaSource
from momrel.schema.verify import compare
from support import raises_momrel_error

SCHEMA_FILE = """\
CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE VIEW file_paths AS SELECT id, path FROM files;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER files_touch BEFORE UPDATE ON files FOR EACH ROW EXECUTE FUNCTION touch();
"""

# Each changes something the model does not hold; (statement, words the problem names).
BEHIND_THE_MODEL = [
    ("ALTER TABLE files ALTER COLUMN path SET STATISTICS 500", "public.files.path"),
    ("ALTER TABLE files DISABLE TRIGGER files_touch", "files_touch on public.files"),
    ("ALTER TABLE files ALTER COLUMN path SET STORAGE EXTERNAL", "public.files.path"),
    ("ALTER TABLE files ALTER COLUMN path SET (n_distinct = 100)", "public.files.path"),
]


@pytest.fixture(scope="module")
def scratch(pg_server):
    with ScratchServer(pg_server.url("postgres")) as server:
        yield server


def _catalog(url: str) -> Catalog:
    with connect_in_schema(url, "public", autocommit=True) as conn:
        return read_catalog(conn)


@pytest.mark.parametrize("statement, named", BEHIND_THE_MODEL)
def test_a_change_outside_the_model_is_a_difference(scratch, statement, named):
    with scratch.database() as plain, scratch.database() as changed:
        load_schema(plain, SCHEMA_FILE, "schema.sql", "public")
        load_schema(changed, SCHEMA_FILE, "schema.sql", "public")
        with connect_in_schema(changed, "public", autocommit=True) as conn:
            conn.execute(statement)
        before, after = _catalog(plain), _catalog(changed)
        assert before.objects == after.objects  # the model alone sees nothing
        problems = compare(after, before)
        assert problems and any(named in p for p in problems), problems


def test_verification_fails_closed_on_a_fact_the_migration_does_not_produce(scratch):
    source = SchemaSource("a.sql", "a.sql", SCHEMA_FILE, None, "a.sql")
    migration = diff(source, source, "public", scratch, verify=False)
    assert migration.statements == []
    with scratch.database() as url:
        load_schema(url, SCHEMA_FILE, "schema.sql", "public")
        with connect_in_schema(url, "public", autocommit=True) as conn:
            conn.execute("ALTER VIEW file_paths SET (security_barrier = true)")
        expected = _catalog(url)
    with raises_momrel_error(4) as failure:
        verify_migration(migration, source, expected, scratch)
    assert "public.file_paths" in str(failure.value)


def test_identical_databases_have_identical_facts(scratch):
    with scratch.database() as one, scratch.database() as two:
        load_schema(one, SCHEMA_FILE, "schema.sql", "public")
        load_schema(two, SCHEMA_FILE, "schema.sql", "public")
        first, second = _catalog(one), _catalog(two)
        assert first.facts and compare(first, second) == []


# ---------------------------------------------------------------- extension versions
def _extension_catalog(version: str | None) -> Catalog:
    objects = {("schema", "public"): Schema("public")}
    if version is not None:
        objects[("extension", "vector")] = Extension("vector", "public", version)
    return Catalog(objects, {key: set() for key in objects})


def test_a_new_extension_is_created_at_the_version_verified():
    statements = plan_changes(_extension_catalog(None), _extension_catalog("0.6.2"), "public")
    assert [s.sql for s in statements] == \
        ["CREATE EXTENSION IF NOT EXISTS \"vector\" WITH SCHEMA \"public\" VERSION '0.6.2'"]


def test_an_extension_version_change_is_an_update_both_ways():
    up = plan_changes(_extension_catalog("0.5.0"), _extension_catalog("0.6.2"), "public")
    assert [s.sql for s in up] == ["ALTER EXTENSION \"vector\" UPDATE TO '0.6.2'"]
    assert {h.kind.value for h in up[0].hazards} == {"backward-incompatible"}
    down = plan_changes(_extension_catalog("0.6.2"), _extension_catalog("0.5.0"), "public")
    assert [s.sql for s in down] == ["ALTER EXTENSION \"vector\" UPDATE TO '0.5.0'"]


def test_an_extension_version_difference_fails_verification():
    assert compare(_extension_catalog("0.5.0"), _extension_catalog("0.6.2")) == \
        ["extension vector differs (version)"]


def test_an_extension_moved_and_updated_is_both():
    old, new = Extension("vector", "public", "0.5.0"), Extension("vector", "dev", "0.6.2")
    ctx = Context("public", _extension_catalog("0.5.0"), _extension_catalog("0.6.2"))
    assert [s.sql for s in schema_kind.alter_extension(old, new, ctx)] == [
        "ALTER EXTENSION \"vector\" UPDATE TO '0.6.2'",
        "ALTER EXTENSION \"vector\" SET SCHEMA \"dev\""]
