"""Benchmark: `momrel schema diff` (parse, plan, verify) against a raw baseline, same run.

    python bench/schema_diff.py [--repeat 5] [--tables 0] [--out docs/bench-results-schema.md]

Inputs: the demo's two schema versions (momrel/demo/schema_v1.sql → sql/momentry.sql), and
optionally a synthetic pair with --tables N extra tables (each with a serial key, a foreign
key, an index, a view; v2 adds a column, an index and a comment to every one of them).
Baseline: what any catalog-based diff must pay, measured the same way: create two scratch
databases, load each file, drop them (psycopg, no momrel code). momrel adds the catalog
reads, renames, planning and the verification (a third and fourth database, the migration
run, a second diff). Runs on the embedded server started for the run (or MOMREL_SCRATCH_URL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from momrel.schema.diff import diff  # noqa: E402
from momrel.schema.scratch import ScratchServer  # noqa: E402
from momrel.schema.source import SchemaSource  # noqa: E402


def synthetic(tables: int, version: int) -> str:
    parts = ["CREATE TABLE hub (id bigserial PRIMARY KEY, name text NOT NULL);"]
    for n in range(tables):
        extra = f",\n    note_{n} text" if version == 2 else ""
        parts.append(f"CREATE TABLE t{n} (\n    id bigserial PRIMARY KEY,\n    hub_id bigint "
                     f"REFERENCES hub (id),\n    value integer NOT NULL{extra}\n);")
        parts.append(f"CREATE INDEX t{n}_hub_idx ON t{n} (hub_id);")
        parts.append(f"CREATE VIEW v{n} AS SELECT id, value FROM t{n} WHERE value > 0;")
        if version == 2:
            parts.append(f"CREATE INDEX t{n}_value_idx ON t{n} (value);")
            parts.append(f"COMMENT ON TABLE t{n} IS 'table {n}';")
    return "\n".join(parts) + "\n"


def raw_baseline(url: str, old: str, new: str) -> float:
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as admin:
        for n, text in enumerate((old, new)):
            name = f"bench_raw_{n}"
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
            info = psycopg.conninfo.conninfo_to_dict(url) | {"dbname": name}
            with psycopg.connect(psycopg.conninfo.make_conninfo(**info)) as conn:
                conn.execute(text)
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    return time.monotonic() - started


def measure(scratch, old_text, new_text, repeat: int) -> dict:
    old = SchemaSource("v1", "v1.sql", old_text, None, "v1.sql")
    new = SchemaSource("v2", "v2.sql", new_text, None, "v2.sql")
    raw, unverified, verified, down = [], [], [], []
    statements = 0
    for _ in range(repeat):
        raw.append(raw_baseline(scratch.url, old_text, new_text))
        started = time.monotonic()
        diff(old, new, "dev", scratch, verify=False)
        unverified.append(time.monotonic() - started)
        started = time.monotonic()
        statements = len(diff(old, new, "dev", scratch).statements)
        verified.append(time.monotonic() - started)
        started = time.monotonic()
        diff(old, new, "dev", scratch, down=True)
        down.append(time.monotonic() - started)
    return {"statements": statements, "raw": statistics.median(raw),
            "plan": statistics.median(unverified), "verified": statistics.median(verified),
            "down": statistics.median(down)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "bench-results-schema.md")
    args = parser.parse_args()
    inputs = {"demo schema v1 → v2": ((PROJECT / "momrel/demo/schema_v1.sql").read_text(),
                                      (PROJECT / "sql/momentry.sql").read_text())}
    if args.tables:
        inputs[f"synthetic, {args.tables} tables"] = (synthetic(args.tables, 1), synthetic(args.tables, 2))
    # MOMREL_SCRATCH_URL, else a throwaway cluster that ScratchServer starts and deletes.
    with ScratchServer() as scratch:
        results = {name: measure(scratch, a, b, args.repeat) for name, (a, b) in inputs.items()}
        version = scratch.version
    lines = [f"# Schema diff benchmark ({dt.date.today()}, {platform.machine()}, "
             f"{platform.python_version()}, PostgreSQL {version}, median of {args.repeat})", "",
             "| input | statements | raw: 2 databases created, loaded, dropped | plan only (--no-verify) "
             "| diff + verify | diff + verify up and down |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['statements']} | {r['raw']:.2f} s | {r['plan']:.2f} s "
                     f"| {r['verified']:.2f} s | {r['down']:.2f} s |")
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
