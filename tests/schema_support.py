"""Independent checks for schema migrations: psql runs the migration, pg_dump compares.

Nothing of momrel.schema is used here to judge a migration: the old side is loaded with psql,
the migration text is run with psql (as an operator would), and the result is compared with
the new side through pg_dump --schema-only, column order ignored.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from momrel import pg


def tool(name: str) -> Path:
    return pg.find_binaries() / name


def psql(url: str, script: str, schema: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PGOPTIONS=f"-c search_path={schema}")
    return subprocess.run([str(tool("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url,
                           "-f", "-"], input=script, capture_output=True, text=True, env=env)


def load_with_psql(url: str, text: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    result = psql(url, text, schema)
    assert result.returncode == 0, result.stderr


def schema_dump(url: str, schema: str) -> str:
    """pg_dump --schema-only of the database (every schema: a file may create more than the
    target), with CREATE TABLE columns sorted."""
    result = subprocess.run([str(tool("pg_dump")), "--schema-only", "--no-owner", "-d", url],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = re.sub(r"^--.*\n", "", result.stdout, flags=re.M)
    text = re.sub(r"^\\(un)?restrict .*\n", "", text, flags=re.M)  # pg_dump ≥ 16.10 adds a random key

    def sort_columns(match: re.Match) -> str:
        lines = [line.rstrip(",") for line in match.group(2).splitlines() if line.strip()]
        return match.group(1) + ",\n".join(sorted(lines)) + "\n)" + match.group(3) + ";"

    # Whatever follows the column list (INHERITS, PARTITION BY, WITH) stays as it is.
    text = re.sub(r"(CREATE (?:UNLOGGED )?TABLE [^\n]+ \(\n)(.*?)\n\)([^;]*);", sort_columns, text,
                  flags=re.S)
    # An object's GRANT/REVOKE lines follow its acl, whose order is the order grants were made:
    # it means nothing to PostgreSQL's checks, and a migration cannot reproduce it.
    text = re.sub(r"(?:^(?:GRANT|REVOKE) [^\n]*\n)+",
                  lambda m: "".join(sorted(m.group(0).splitlines(keepends=True))), text, flags=re.M)
    return re.sub(r"\n{2,}", "\n\n", text).strip()
