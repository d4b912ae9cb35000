"""params.yaml checked against a live database: a name the database does not have is a
configuration error (exit 2, `momrel: error: params.yaml: ...`), on export and on import alike;
the live table facts (momrel.tablefacts) and database setup (momrel.database) they rely on."""

from __future__ import annotations

import psycopg

from momrel import database, tablefacts
from momrel.errors import ExitCode
from package_support import U, import_args
from support import VERSION, assert_mentions, one_line_error, raises_momrel_error


def expect_config_error(result, *fragments: str) -> str:
    """One error line about params.yaml, exit 2."""
    line = one_line_error(result, ExitCode.USAGE)
    assert line.startswith("momrel: error: params.yaml: "), line
    assert_mentions(line, *fragments)
    return line


def export(repo):
    return repo.momrel("file", "export", "--uuid", U, "--version", VERSION)


# ---------------------------------------------------------------- export
def test_export_of_a_table_the_database_lacks(seeded_repo):
    params = seeded_repo.root / "params.yaml"
    params.write_text(params.read_text().replace(
        "  tkg_edges:\n", "  scene_captions:\n    file_column: file_uuid\n    order_by: [id]\n  tkg_edges:\n"))
    expect_config_error(export(seeded_repo), "tables.scene_captions", "does not exist")


def test_export_with_a_status_column_the_database_lacks(seeded_repo):
    seeded_repo.sql("ALTER TABLE dev.files RENAME COLUMN status TO state")
    expect_config_error(export(seeded_repo), "registration.status_column", "'status'")


# ---------------------------------------------------------------- import
def test_import_into_a_target_without_a_configured_table(seeded_repo, package):
    seeded_repo.sql("DROP TABLE public.tkg_edges")
    expect_config_error(seeded_repo.momrel(*import_args(package)),
                        "tables.tkg_edges", "public.tkg_edges does not exist")


def test_import_when_the_natural_key_has_no_unique_index(seeded_repo, package):
    seeded_repo.sql("ALTER TABLE public.identities DROP CONSTRAINT identities_identity_uuid_key")
    expect_config_error(seeded_repo.momrel(*import_args(package)),
                        "tables.identities.natural_key", "no unique index")
    assert seeded_repo.sql("SELECT count(*) FROM public.identities") == [(0,)]


def test_import_when_the_registration_key_has_no_unique_index(seeded_repo, package):
    seeded_repo.sql("ALTER TABLE public.files DROP CONSTRAINT files_pkey CASCADE")
    expect_config_error(seeded_repo.momrel(*import_args(package)),
                        "registration.key", "no unique index")


def test_db_init_with_an_unreadable_schema_file(content_repo):
    params = content_repo.root / "params.yaml"
    params.write_text(params.read_text().replace("schema_file: sql/momentry.sql",
                                                 "schema_file: sql/gone.sql"))
    expect_config_error(content_repo.momrel("db", "init"), "schema_file", "gone.sql")


# ---------------------------------------------------------------- the modules underneath
def test_table_facts(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "odd""schema"')
        conn.execute('CREATE TABLE "odd""schema"."we""ird" (id bigserial PRIMARY KEY, '
                     'name text NOT NULL, tags real[])')
        schema, table = 'odd"schema', 'we"ird'
        assert tablefacts.table_exists(conn, schema, table)
        assert not tablefacts.table_exists(conn, schema, "absent")
        columns = tablefacts.table_columns(conn, schema, table)
        assert [(c.name, c.data_type, c.not_null) for c in columns] == [
            ("id", "bigint", True), ("name", "text", True), ("tags", "real[]", False)]
        assert tablefacts.primary_key(conn, schema, table) == ("id",)
        # The names reach pg_get_serial_sequence quoted by the server, quotes and all.
        assert tablefacts.column_sequence(conn, schema, table, "id") == '"odd""schema"."we""ird_id_seq"'
        assert tablefacts.column_sequence(conn, schema, table, "name") is None


def test_database_setup(content_repo, monkeypatch):
    monkeypatch.setenv(database.DATABASE_URL_ENV, content_repo.database_url)
    assert database.database_url(content_repo.root) == content_repo.database_url
    assert database.ensure_database(content_repo.root) == content_repo.database_url
    assert not database.pg_dir(content_repo.root).exists()  # the embedded server not started
    config = content_repo.config()
    first = database.init_database(config, content_repo.database_url)
    assert (first.created, first.present) == (["dev", "public"], [])
    again = database.init_database(config, content_repo.database_url)
    assert (again.created, again.present) == ([], ["dev", "public"])
    content_repo.sql("INSERT INTO dev.files (file_uuid, filename) VALUES (%s, 'a.mp4')", (U,))
    assert database.init_database(config, content_repo.database_url, reset=True).created == ["dev", "public"]
    assert content_repo.sql("SELECT count(*) FROM dev.files") == [(0,)]


def test_no_database_without_a_repository(monkeypatch):
    monkeypatch.delenv(database.DATABASE_URL_ENV, raising=False)
    with raises_momrel_error(1, match="no database: set MOMREL_DATABASE_URL"):
        database.database_url(None)
