"""Relation options (reloptions): a view's security_barrier, security_invoker and check_option,
the storage parameters of tables and materialized views (fillfactor, autovacuum_*, toast.*).

The catalog keeps them as `name=value` text, in the order they were set; pg_dump prints them
in that order, so a migration reproduces the order too.
"""

from __future__ import annotations

from psycopg import sql


def split_option(option: str) -> tuple[str, str]:
    """`security_barrier=true` → (security_barrier, true); reloptions are stored this way."""
    name, _, value = option.partition("=")
    return name, value


def option_name(name: str) -> sql.Composable:
    """A parameter name; `toast.x` is a namespace and a name (tables' TOAST parameters)."""
    return sql.SQL(".").join(sql.Identifier(part) for part in name.split("."))


def option_list(options) -> sql.Composable:
    """(a = 'x', b = '1'): values as literals, which every reloption accepts."""
    return sql.SQL(", ").join(sql.SQL("{} = {}").format(option_name(n), sql.Literal(v))
                              for n, v in map(split_option, options))


def options_changes(head: sql.Composable, old_options, new_options) -> list[sql.Composable]:
    """`<head> RESET (every old one)` then `<head> SET (every new one)`: PostgreSQL keeps options
    in the order they were set (pg_dump prints them so), and this gives exactly the new order."""
    if tuple(old_options) == tuple(new_options):
        return []
    changes = []
    if old_options:
        changes.append(sql.SQL("{} RESET ({})").format(
            head, sql.SQL(", ").join(option_name(split_option(o)[0]) for o in old_options)))
    if new_options:
        changes.append(sql.SQL("{} SET ({})").format(head, option_list(new_options)))
    return changes
