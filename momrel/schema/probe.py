"""Ask PostgreSQL, not a rule table, whether a change rewrites a table (or can run at all).

Each probe runs on a scratch database holding the new schema, on a one-row temporary table,
inside a transaction that is rolled back. A probe that cannot run answers "rewrites" (the
hazard is then reported rather than missed).
"""

from __future__ import annotations

import psycopg
import psycopg.errors
from psycopg import sql


class Probe:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn  # search_path = the target schema, autocommit off

    def _rolled_back(self, work):
        try:
            with self.conn.transaction(force_rollback=True):
                return work()
        except psycopg.Error:
            return None

    def default_rewrites(self, column) -> bool:
        """Adding the column with its default fills existing rows by a rewrite (volatile default)."""
        def work():
            self.conn.execute("CREATE TEMP TABLE momrel_probe (x integer) ON COMMIT DROP")
            self.conn.execute("INSERT INTO momrel_probe VALUES (1)")
            self.conn.execute(sql.SQL("ALTER TABLE momrel_probe ADD COLUMN c {} DEFAULT {}").format(
                sql.SQL(column.data_type), sql.SQL(column.default)))
            row = self.conn.execute(
                "SELECT atthasmissing FROM pg_attribute "
                "WHERE attrelid = 'momrel_probe'::regclass AND attname = 'c'").fetchone()
            return not row[0]
        answer = self._rolled_back(work)
        return True if answer is None else answer

    def type_change_rewrites(self, old, new) -> bool:
        """ALTER COLUMN … TYPE gives the table a new file (relfilenode) when it rewrites."""
        def work():
            self.conn.execute(sql.SQL("CREATE TEMP TABLE momrel_probe (c {}) ON COMMIT DROP").format(
                sql.SQL(old.data_type)))
            before = self.conn.execute("SELECT pg_relation_filenode('momrel_probe')").fetchone()[0]
            self.conn.execute(sql.SQL("ALTER TABLE momrel_probe ALTER COLUMN c TYPE {} USING c::{}").format(
                sql.SQL(new.data_type), sql.SQL(new.data_type)))
            after = self.conn.execute("SELECT pg_relation_filenode('momrel_probe')").fetchone()[0]
            return before != after
        answer = self._rolled_back(work)
        return True if answer is None else answer

    def type_change_is_safe(self, old, new, rewrites: bool) -> bool:
        """Every old value converts: an implicit cast, or the same type widened without a rewrite."""
        def work():
            types = self.conn.execute("SELECT %s::regtype::oid, %s::regtype::oid",
                                      (old.data_type, new.data_type)).fetchone()
            if types[0] == types[1]:
                return not rewrites  # same type, other modifier: widening needs no rewrite
            row = self.conn.execute("SELECT castcontext FROM pg_cast WHERE castsource = %s "
                                    "AND casttarget = %s", types).fetchone()
            # An implicit cast into a type with a modifier (text → varchar(10)) can still fail.
            return row is not None and row[0] == "i" and "(" not in new.data_type
        return bool(self._rolled_back(work))

    def type_change_has_no_cast(self, old, retype: sql.Composable) -> bool:
        """PostgreSQL refuses the very `TYPE … USING …` clause the migration would run: there is
        no cast from the old type (enums go through text, in the clause itself). Only that refusal
        answers yes; a probe that cannot run otherwise (a type this side lacks) answers no and
        leaves the question to verification."""
        try:
            with self.conn.transaction(force_rollback=True):
                self.conn.execute(sql.SQL("CREATE TEMP TABLE momrel_probe ({} {}) ON COMMIT DROP").format(
                    sql.Identifier(old.name), sql.SQL(old.data_type)))
                self.conn.execute(sql.SQL("ALTER TABLE momrel_probe ALTER COLUMN {} {}").format(
                    sql.Identifier(old.name), retype))
        except psycopg.errors.CannotCoerce:
            return True
        except psycopg.Error:
            return False
        return False
