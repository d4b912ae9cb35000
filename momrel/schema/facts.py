"""Catalog facts beyond the model, read so that verification fails closed.

The model (momrel.schema.model) holds what the planner knows how to change. A migration is
verified by comparing models, so a property the model does not hold (a view's options once,
an extension's version, a comment on a constraint's index) could differ after a migration and
still pass. These facts are a second, wider reading of the same catalog: for every user object,
identified by pg_identify_object (stable across databases, unlike oids), the properties a
schema file can set: options, persistence, row security, replica identity, privileges,
comments, extension versions, policies, partitioning, inheritance, trigger state. Verification
compares them too, so a gap in the model becomes a refused migration (exit 4) instead of a
wrong one. Owners are left out: they depend on who runs the migration, not on the schema.
"""

from __future__ import annotations

import psycopg

from momrel.schema.userobjects import USER_NAMESPACE_OIDS, not_extension

# Objects created by an extension are left out: they are the extension's (its version is
# compared instead).
_QUERIES = {
    "relation": f"""
        SELECT (pg_identify_object('pg_class'::regclass, c.oid, 0)).identity, c.relkind::text,
               json_build_array(c.relpersistence, c.reloptions,
                                c.relispopulated, c.relrowsecurity, c.relforcerowsecurity,
                                c.relreplident, (SELECT array_agg(a::text ORDER BY a::text) FROM unnest(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a),
                                (SELECT t.reloptions FROM pg_class t WHERE t.oid = c.reltoastrelid),
                                pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid),
                                (SELECT array_agg(p.inhparent::regclass::text ORDER BY p.inhseqno)
                                 FROM pg_inherits p WHERE p.inhrelid = c.oid),
                                c.relam <> 0 AND c.relkind IN ('r', 'm', 'p')
                                    AND (SELECT amname FROM pg_am WHERE oid = c.relam) <> 'heap')::text
        FROM pg_class c
        WHERE c.relnamespace IN ({USER_NAMESPACE_OIDS}) AND c.relkind <> 't'
          AND {not_extension("pg_class", "c.oid")}""",
    "column": f"""
        SELECT (pg_identify_object('pg_class'::regclass, a.attrelid, a.attnum)).identity, 'column',
               json_build_array(a.attstorage, a.attcompression, a.attstattarget::int,
                                a.attoptions,
                                (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(a.attacl) x))::text
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace IN ({USER_NAMESPACE_OIDS}) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
          AND a.attnum > 0 AND NOT a.attisdropped
          AND {not_extension("pg_class", "c.oid")}""",
    "comment": """
        SELECT (pg_identify_object(d.classoid, d.objoid, d.objsubid)).type || ' '
               || (pg_identify_object(d.classoid, d.objoid, d.objsubid)).identity, 'comment', d.description
        FROM pg_description d
        WHERE d.objoid >= 16384
          AND coalesce((pg_identify_object(d.classoid, d.objoid, d.objsubid)).schema, '')
              NOT IN ('pg_catalog', 'information_schema', 'pg_toast')""",
    "extension": """
        SELECT e.extname, 'extension', json_build_array(e.extversion, n.nspname)::text
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace""",
    "function": f"""
        SELECT (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity, 'function',
               json_build_array((SELECT array_agg(x::text ORDER BY x::text) FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) x),
                                pg_get_functiondef(p.oid))::text
        FROM pg_proc p
        WHERE p.pronamespace IN ({USER_NAMESPACE_OIDS}) AND p.prokind IN ('f', 'p')
          AND {not_extension("pg_proc", "p.oid")}""",
    "type": f"""
        SELECT (pg_identify_object('pg_type'::regclass, t.oid, 0)).identity, 'type',
               json_build_array((SELECT array_agg(x::text ORDER BY x::text) FROM unnest(coalesce(t.typacl, acldefault('T', t.typowner))) x))::text
        FROM pg_type t
        WHERE t.typnamespace IN ({USER_NAMESPACE_OIDS}) AND t.typtype IN ('e', 'd', 'r', 'c') AND t.typrelid = 0
          AND {not_extension("pg_type", "t.oid")}""",
    "schema": f"""
        SELECT n.nspname, 'schema',
               json_build_array((SELECT array_agg(x::text ORDER BY x::text) FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) x))::text
        FROM pg_namespace n WHERE n.oid IN ({USER_NAMESPACE_OIDS})""",
    "trigger": f"""
        SELECT (pg_identify_object('pg_trigger'::regclass, t.oid, 0)).identity, 'trigger',
               json_build_array(t.tgenabled, pg_get_triggerdef(t.oid))::text
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace IN ({USER_NAMESPACE_OIDS}) AND NOT t.tgisinternal""",
    "policy": f"""
        SELECT (pg_identify_object('pg_policy'::regclass, p.oid, 0)).identity, 'policy',
               json_build_array(p.polcmd, p.polpermissive,
                                (SELECT array_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END
                                                  ORDER BY 1) FROM unnest(p.polroles) r),
                                pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))::text
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        WHERE c.relnamespace IN ({USER_NAMESPACE_OIDS})""",
}


def read_facts(conn: psycopg.Connection) -> dict[tuple[str, str], str]:
    """(kind, identity) → the facts as JSON text, for every user object."""
    facts: dict[tuple[str, str], str] = {}
    for kind, query in _QUERIES.items():
        for identity, subkind, value in conn.execute(query).fetchall():
            facts[(kind if kind != "relation" else f"relation {subkind}", identity)] = value
    return facts


def compare_facts(actual: dict, expected: dict) -> list[str]:
    """One line per fact that differs (empty when equal)."""
    problems = []
    for key in sorted(expected.keys() - actual.keys()):
        problems.append(f"missing {key[0]} fact of {key[1]}: {expected[key]}")
    for key in sorted(actual.keys() - expected.keys()):
        problems.append(f"unexpected {key[0]} fact of {key[1]}: {actual[key]}")
    for key in sorted(actual.keys() & expected.keys()):
        if actual[key] != expected[key]:
            problems.append(f"{key[0]} {key[1]}: {actual[key]} where {expected[key]} was expected")
    return problems
