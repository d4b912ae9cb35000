"""Read a database's catalog into the schema model (momrel.schema.model).

PostgreSQL normalizes everything here: types come from format_type, defaults and definitions
from pg_get_expr / pg_get_*def. The connection's search_path must be the target schema only,
so objects of that schema print unqualified and everything else qualified, on both sides alike.

Fail closed: objects of kinds the model does not hold (foreign or typed tables, domains,
composite and range types, rules, aggregates, extended statistics) raise
UnsupportedObject instead of being left out of the diff.
"""

from __future__ import annotations

from dataclasses import replace

import psycopg

from momrel.errors import UnsupportedObject
from momrel.schema.facts import read_facts
from momrel.schema.userobjects import USER_NAMESPACE_CONDITION, not_extension
from momrel.schema.model import (Catalog, Collation, Column, Constraint, Enum, Extension, Function, Index,
                                 Key, Policy, Schema, Sequence, Table, Trigger, View)


POLICY_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}

_USER_NAMESPACES = ("SELECT oid, nspname, obj_description(oid, 'pg_namespace') FROM pg_namespace "
                    f"WHERE {USER_NAMESPACE_CONDITION}")


# (catalog, oid, subid, grantee, privilege, grantable) for each privilege on a schema, relation,
# column, function or enum type: the acl, or the kind's default when it is NULL, without the
# owner's own entries (owners are not part of the schema). The target schema's own privileges
# are the database's setup, not the (schema-neutral) file's: they are left out.
_GRANTEE = "CASE WHEN a.grantee = 0 THEN '' ELSE pg_get_userbyid(a.grantee) END"
_PRIVILEGES = (
    "SELECT 'pg_namespace', n.oid, 0, " + _GRANTEE + ", a.privilege_type, a.is_grantable "
    "FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a "
    "WHERE n.oid = ANY(%(namespaces)s) AND n.nspname <> current_schema() AND a.grantee <> n.nspowner "
    "UNION ALL "
    "SELECT 'pg_class', c.oid, 0, " + _GRANTEE + ", a.privilege_type, a.is_grantable "
    "FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault("
    "    CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))) a "
    "WHERE c.relnamespace = ANY(%(namespaces)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
    "AND a.grantee <> c.relowner AND " + not_extension("pg_class", "c.oid") + " "
    "UNION ALL "
    "SELECT 'pg_class', c.oid, x.attnum, " + _GRANTEE + ", a.privilege_type, a.is_grantable "
    "FROM pg_class c JOIN pg_attribute x ON x.attrelid = c.oid, aclexplode(x.attacl) a "
    "WHERE c.relnamespace = ANY(%(namespaces)s) AND c.relkind IN ('r', 'p') AND x.attnum > 0 "
    "AND NOT x.attisdropped AND a.grantee <> c.relowner AND " + not_extension("pg_class", "c.oid") + " "
    "UNION ALL "
    "SELECT 'pg_proc', p.oid, 0, " + _GRANTEE + ", a.privilege_type, a.is_grantable "
    "FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a "
    "WHERE p.pronamespace = ANY(%(namespaces)s) AND p.prokind IN ('f', 'p') "
    "AND a.grantee <> p.proowner AND " + not_extension("pg_proc", "p.oid") + " "
    "UNION ALL "
    "SELECT 'pg_type', t.oid, 0, " + _GRANTEE + ", a.privilege_type, a.is_grantable "
    "FROM pg_type t, aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) a "
    "WHERE t.typnamespace = ANY(%(namespaces)s) AND t.typtype = 'e' "
    "AND a.grantee <> t.typowner AND " + not_extension("pg_type", "t.oid")
)


def read_catalog(conn: psycopg.Connection) -> Catalog:
    reader = _Reader(conn)
    return reader.read()


class _Reader:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.objects: dict[Key, object] = {}
        self.oids: dict[tuple[str, int, int], Key] = {}  # (catalog, oid, subid) -> key
        self.namespaces: dict[int, str] = {}

    def rows(self, query: str, params=None):
        return self.conn.execute(query, params).fetchall()

    def add(self, obj, catalog: str | None = None, oid: int | None = None, subid: int = 0) -> None:
        self.objects[obj.key] = obj
        if catalog is not None:
            self.oids[(catalog, oid, subid)] = obj.key

    def read(self) -> Catalog:
        for oid, name, comment in self.rows(_USER_NAMESPACES):
            self.namespaces[oid] = name
            self.add(Schema(name, comment), "pg_namespace", oid)
        self.refuse_unsupported()
        self.read_extensions()
        self.read_collations()
        self.read_enums()
        self.read_relations()
        self.read_sequences()
        self.read_columns()
        self.read_constraints()
        self.read_indexes()
        self.read_functions()
        self.read_triggers()
        self.read_policies()
        self.read_privileges()
        version = self.conn.execute("SHOW server_version").fetchone()[0]
        return Catalog(self.objects, self.read_dependencies(), version, read_facts(self.conn))

    # ------------------------------------------------------------ refusals
    def refuse_unsupported(self) -> None:
        ns = tuple(self.namespaces)
        checks = [
            ("SELECT relname, relkind FROM pg_class WHERE relnamespace = ANY(%s) "
             "AND relkind NOT IN ('r', 'p', 'i', 'I', 'S', 'v', 'm') AND " + not_extension("pg_class", "oid"),
             lambda r: {"p": "partitioned table", "f": "foreign table", "c": "composite type",
                        "I": "partitioned index", "t": "TOAST table"}.get(r[1], "relation") + f" {r[0]}"),
            ("SELECT t.typname, t.typtype FROM pg_type t WHERE t.typnamespace = ANY(%s) "
             "AND t.typtype IN ('d', 'r', 'm', 'p') AND " + not_extension("pg_type", "t.oid"),
             lambda r: {"d": "domain", "r": "range type", "m": "multirange type",
                        "p": "pseudo-type"}[r[1]] + f" {r[0]}"),
            ("SELECT t.typname FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid "
             "WHERE t.typnamespace = ANY(%s) AND c.relkind = 'c' AND " + not_extension("pg_type", "t.oid"),
             lambda r: f"composite type {r[0]}"),
            ("SELECT r.rulename, c.relname FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class "
             "WHERE c.relnamespace = ANY(%s) AND r.rulename <> '_RETURN'",
             lambda r: f"rule {r[0]} on {r[1]}"),
            ("SELECT c.relname FROM pg_class c WHERE c.relnamespace = ANY(%s) "
             "AND c.relpersistence = 't' AND c.relkind IN ('r', 'p', 'm')",
             lambda r: f"table {r[0]} with temporary persistence"),
            # Typed tables (CREATE TABLE … OF type) and views or materialized views in an
            # inheritance tree: only tables inherit and are partitions here.
            ("SELECT c.relname FROM pg_class c WHERE c.relnamespace = ANY(%s) AND c.reloftype <> 0",
             lambda r: f"typed table {r[0]} (CREATE TABLE … OF)"),
            ("SELECT proname, prokind FROM pg_proc WHERE pronamespace = ANY(%s) "
             "AND prokind NOT IN ('f', 'p') AND " + not_extension("pg_proc", "oid"),
             lambda r: f"{'aggregate' if r[1] == 'a' else 'window function'} {r[0]}"),
            ("SELECT stxname FROM pg_statistic_ext WHERE stxnamespace = ANY(%s)",
             lambda r: f"statistics object {r[0]}"),
            ("SELECT conname FROM pg_constraint WHERE connamespace = ANY(%s) AND contypid <> 0",
             lambda r: f"domain constraint {r[0]}"),
            ("SELECT c.relname FROM pg_class c WHERE c.relnamespace = ANY(%s) "
             "AND c.relkind IN ('v', 'm') AND EXISTS (SELECT 1 FROM pg_attribute a "
             "WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL)",
             lambda r: f"column privileges (GRANT … (column)) on view {r[0]}"),
            ("SELECT oprname FROM pg_operator WHERE oprnamespace = ANY(%s) AND "
             + not_extension("pg_operator", "oid"), lambda r: f"operator {r[0]}"),
        ]
        for query, describe in checks:
            found = self.rows(query, (list(ns),))
            if found:
                raise UnsupportedObject(f"{describe(found[0])} is not supported by momrel schema diff")

    # ------------------------------------------------------------ objects
    def read_extensions(self) -> None:
        for oid, name, schema, version in self.rows(
                "SELECT e.oid, e.extname, n.nspname, e.extversion FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'"):
            self.add(Extension(name, schema, version), "pg_extension", oid)
        # A column of an extension's type depends on the extension (created before the table).
        for classid, objid, ext_oid in self.rows(
                "SELECT classid::regclass::text, objid, refobjid FROM pg_depend "
                "WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'"):
            key = self.oids.get(("pg_extension", ext_oid, 0))
            if key is not None:
                self.oids.setdefault((classid, objid, 0), key)

    def read_collations(self) -> None:
        # to_jsonb: the locale column is colliculocale before PostgreSQL 17, colllocale after.
        for oid, schema, row, comment in self.rows(
                "SELECT co.oid, n.nspname, to_jsonb(co), obj_description(co.oid, 'pg_collation') "
                "FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace "
                "WHERE co.collnamespace = ANY(%s) AND " + not_extension("pg_collation", "co.oid"),
                (list(self.namespaces),)):
            locale = row.get("colllocale", row.get("colliculocale"))
            self.add(Collation(schema, row["collname"], row["collprovider"], row["collcollate"],
                               row["collctype"], locale, row.get("collicurules"),
                               row["collisdeterministic"], comment), "pg_collation", oid)

    def read_enums(self) -> None:
        for oid, array_oid, schema, name, labels, comment in self.rows(
                "SELECT t.oid, t.typarray, n.nspname, t.typname, "
                "       array(SELECT enumlabel FROM pg_enum WHERE enumtypid = t.oid "
                "             ORDER BY enumsortorder), obj_description(t.oid, 'pg_type') "
                "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE t.typtype = 'e' AND t.typnamespace = ANY(%s) AND "
                + not_extension("pg_type", "t.oid"), (list(self.namespaces),)):
            enum = Enum(schema, name, tuple(labels), comment)
            self.add(enum, "pg_type", oid)
            self.oids[("pg_type", array_oid, 0)] = enum.key

    def read_relations(self) -> None:
        for row in self.rows(
                "SELECT c.oid, c.reltype, t.typarray, n.nspname, c.relname, c.relkind, "
                "       obj_description(c.oid, 'pg_class'), "
                "       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END, "
                "       CASE WHEN c.relkind IN ('v', 'm') THEN array("
                "           SELECT ARRAY[attname, format_type(atttypid, atttypmod)] "
                "           FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 "
                "           AND NOT attisdropped ORDER BY attnum) END, "
                "       CASE WHEN c.relkind IN ('v', 'm') THEN array("
                "           SELECT ARRAY[attname, col_description(c.oid, attnum)] "
                "           FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped "
                "           AND col_description(c.oid, attnum) IS NOT NULL ORDER BY attnum) END, "
                "       c.reloptions, c.relispopulated, c.relpersistence, c.relreplident, "
                "       (SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "        WHERE x.indrelid = c.oid AND x.indisreplident), "
                "       c.relrowsecurity, c.relforcerowsecurity, "
                "       (SELECT t.reloptions FROM pg_class t WHERE t.oid = c.reltoastrelid), "
                "       pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid), "
                "       array(SELECT ARRAY[pn.nspname, p.relname] FROM pg_inherits h "
                "             JOIN pg_class p ON p.oid = h.inhparent "
                "             JOIN pg_namespace pn ON pn.oid = p.relnamespace "
                "             WHERE h.inhrelid = c.oid ORDER BY h.inhseqno) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_type t ON t.oid = c.reltype "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND c.relnamespace = ANY(%s) AND "
                + not_extension("pg_class", "c.oid") + " ORDER BY c.oid",
                (list(self.namespaces),)):
            (oid, type_oid, array_oid, schema, name, kind, comment, view_def, columns,
             column_comments, options, populated, persistence, replica_identity, replica_index,
             row_security, force_row_security, toast_options, partition_key, bound, parents) = row
            if kind in ("r", "p"):
                options = tuple(options or ()) + tuple(f"toast.{o}" for o in toast_options or ())
                parents = tuple(map(tuple, parents))
                obj = Table(schema, name, comment, options, persistence == "u", replica_identity,
                            replica_index if replica_identity == "i" else None, row_security,
                            force_row_security, partition_key=partition_key,
                            partition_of=parents[0] if bound is not None else None,
                            partition_bound=bound, inherits=() if bound is not None else parents)
            else:
                obj = View(schema, name, kind == "m", view_def, tuple(map(tuple, columns)), comment,
                           tuple(options or ()), populated,
                           column_comments=tuple(map(tuple, column_comments)))
            self.add(obj, "pg_class", oid)
            for extra in (type_oid, array_oid):
                if extra:
                    self.oids[("pg_type", extra, 0)] = obj.key
        for oid, ev_class in self.rows("SELECT oid, ev_class FROM pg_rewrite WHERE rulename = '_RETURN'"):
            key = self.oids.get(("pg_class", ev_class, 0))
            if key is not None:
                self.oids[("pg_rewrite", oid, 0)] = key

    def read_sequences(self) -> None:
        for row in self.rows(
                "SELECT c.oid, n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, "
                "       s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, "
                "       owner.relname, a.attname, d.deptype, obj_description(c.oid, 'pg_class') "
                "FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid "
                "     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
                "LEFT JOIN pg_class owner ON owner.oid = d.refobjid "
                "LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
                "WHERE c.relnamespace = ANY(%s) AND " + not_extension("pg_class", "c.oid"),
                (list(self.namespaces),)):
            (oid, schema, name, data_type, start, increment, minimum, maximum, cache, cycle,
             owner_table, owner_column, deptype, comment) = row
            owned_by = (owner_table, owner_column) if owner_table else None
            self.add(Sequence(schema, name, data_type, start, increment, minimum, maximum, cache,
                              cycle, owned_by, deptype == "i", comment), "pg_class", oid)

    def read_columns(self) -> None:
        for row in self.rows(
                "SELECT c.oid, a.attnum, n.nspname, c.relname, a.attname, "
                "       format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                "       pg_get_expr(d.adbin, d.adrelid), d.oid, a.attidentity, a.attgenerated, "
                "       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END, "
                "       col_description(c.oid, a.attnum), NOT a.attislocal "
                "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_type t ON t.oid = a.atttypid "
                "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
                "WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
                "AND c.relnamespace = ANY(%s) AND " + not_extension("pg_class", "c.oid"),
                (list(self.namespaces),)):
            (rel_oid, attnum, schema, table, name, data_type, not_null, expression, default_oid,
             identity, generated, collation, comment, inherited) = row
            column = Column(schema, table, name, data_type, not_null,
                            None if generated else expression, identity,
                            expression if generated else None, collation, comment, attnum,
                            inherited=inherited)
            self.add(column, "pg_class", rel_oid, attnum)
            if default_oid:
                self.oids[("pg_attrdef", default_oid, 0)] = column.key

    def read_constraints(self) -> None:
        for (oid, schema, table, name, contype, definition, index_oid, index_name, comment,
             index_comment, inherited) in self.rows(
                "SELECT co.oid, n.nspname, c.relname, co.conname, co.contype, "
                "       pg_get_constraintdef(co.oid), co.conindid, i.relname, "
                "       obj_description(co.oid, 'pg_constraint'), "
                "       CASE WHEN i.oid IS NOT NULL THEN obj_description(i.oid, 'pg_class') END, "
                "       NOT co.conislocal "
                "FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_class i ON i.oid = co.conindid AND co.contype IN ('p', 'u', 'x') "
                "WHERE co.contype IN ('p', 'u', 'c', 'f', 'x') AND c.relkind IN ('r', 'p') "
                # A foreign key referencing a partitioned table has clones on the referencing
                # table itself, one per referenced partition: PostgreSQL's bookkeeping.
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint pc WHERE pc.oid = co.conparentid "
                "                AND pc.conrelid = co.conrelid) "
                "AND c.relnamespace = ANY(%s)", (list(self.namespaces),)):
            constraint = Constraint(schema, table, name, contype, definition, index_name, comment,
                                    index_comment, inherited=inherited)
            self.add(constraint, "pg_constraint", oid)
            if index_name:
                self.oids[("pg_class", index_oid, 0)] = constraint.key

    def read_indexes(self) -> None:
        for oid, schema, table, name, quoted_name, definition, comment, parent_index in self.rows(
                "SELECT i.oid, n.nspname, t.relname, i.relname, quote_ident(i.relname), "
                "       pg_get_indexdef(i.oid), obj_description(i.oid, 'pg_class'), "
                "       (SELECT p.relname FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent "
                "        WHERE h.inhrelid = i.oid) "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_namespace n ON n.oid = i.relnamespace "
                "WHERE i.relnamespace = ANY(%s) AND t.relkind IN ('r', 'p', 'm') "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.oid "
                "                AND co.contype IN ('p', 'u', 'x')) AND "
                + not_extension("pg_class", "t.oid"), (list(self.namespaces),)):
            shape = definition.replace(f" INDEX {quoted_name} ON ", " INDEX ON ", 1)
            self.add(Index(schema, table, name, definition, comment, shape, parent_index),
                     "pg_class", oid)

    def read_functions(self) -> None:
        for oid, schema, name, arguments, kind, result, definition, comment in self.rows(
                "SELECT p.oid, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
                "       p.prokind, pg_get_function_result(p.oid), pg_get_functiondef(p.oid), "
                "       obj_description(p.oid, 'pg_proc') "
                "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE p.pronamespace = ANY(%s) AND p.prokind IN ('f', 'p') AND "
                + not_extension("pg_proc", "p.oid"), (list(self.namespaces),)):
            self.add(Function(schema, name, arguments, kind, result, definition.strip(), comment),
                     "pg_proc", oid)

    def read_triggers(self) -> None:
        for oid, schema, table, name, quoted_name, definition, comment in self.rows(
                "SELECT tg.oid, n.nspname, c.relname, tg.tgname, quote_ident(tg.tgname), "
                "       pg_get_triggerdef(tg.oid), obj_description(tg.oid, 'pg_trigger') "
                "FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND c.relnamespace = ANY(%s)",
                (list(self.namespaces),)):
            shape = definition.replace(f"TRIGGER {quoted_name} ", "TRIGGER ", 1)
            self.add(Trigger(schema, table, name, definition, comment, shape), "pg_trigger", oid)

    def read_policies(self) -> None:
        for oid, schema, table, name, command, permissive, roles, using, check, comment in self.rows(
                "SELECT p.oid, n.nspname, c.relname, p.polname, p.polcmd, p.polpermissive, "
                "       array(SELECT coalesce(r.rolname, '') FROM unnest(p.polroles) role "
                "             LEFT JOIN pg_roles r ON r.oid = role ORDER BY 1), "
                "       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), "
                "       obj_description(p.oid, 'pg_policy') "
                "FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relnamespace = ANY(%s)",
                (list(self.namespaces),)):
            self.add(Policy(schema, table, name, POLICY_COMMANDS[command], permissive, tuple(roles),
                            using, check, comment), "pg_policy", oid)

    def read_privileges(self) -> None:
        """Each object's privileges as (grantee, privilege, grantable), grantee '' for PUBLIC.
        A NULL acl means the kind's default (acldefault), so a default written out by
        GRANT/REVOKE compares equal to one never touched; the owner's own entries are left out."""
        held: dict[Key, set] = {key: set() for key, obj in self.objects.items()
                                if hasattr(obj, "privileges")}
        for catalog, oid, subid, grantee, privilege, grantable in self.rows(
                _PRIVILEGES, {"namespaces": list(self.namespaces)}):
            key = self.oids.get((catalog, oid, subid))
            if key in held:
                held[key].add((grantee, privilege, grantable))
        for key, privileges in held.items():
            self.objects[key] = replace(self.objects[key], privileges=tuple(sorted(privileges)))

    # ------------------------------------------------------------ dependencies
    def read_dependencies(self) -> dict[Key, set[Key]]:
        depends_on: dict[Key, set[Key]] = {key: set() for key in self.objects}
        for classid, objid, objsubid, refclassid, refobjid, refobjsubid in self.rows(
                "SELECT classid::regclass::text, objid, objsubid, "
                "       refclassid::regclass::text, refobjid, refobjsubid "
                "FROM pg_depend WHERE deptype IN ('n', 'a', 'i') AND objid >= 16384"):
            source = self._key_of(classid, objid, objsubid)
            target = self._key_of(refclassid, refobjid, refobjsubid)
            if source and target and source != target:
                if source[0] == "sequence" and target[0] in ("column", "table"):
                    continue  # ownership (OWNED BY, identity): kept as Sequence.owned_by
                depends_on[source].add(target)
        # What pg_depend leaves implicit: an object lives in its schema and on its table.
        for key, obj in self.objects.items():
            schema = getattr(obj, "schema", None)
            if schema is not None and key[0] != "schema" and ("schema", schema) in self.objects:
                depends_on[key].add(("schema", schema))
            table = getattr(obj, "table", None)
            if table is not None:
                for parent in (("table", obj.schema, table), ("view", obj.schema, table)):
                    if parent in self.objects:
                        depends_on[key].add(parent)
        return depends_on

    def _key_of(self, catalog: str, oid: int, subid: int) -> Key | None:
        key = self.oids.get((catalog, oid, subid))
        if key is None and subid:
            key = self.oids.get((catalog, oid, 0))  # a view's column: the view
        return key
