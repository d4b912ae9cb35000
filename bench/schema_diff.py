"""Benchmark: `momrel schema diff` (parse, plan, verify) against migra and a loading floor, same run.

    python bench/schema_diff.py [--repeat 3] [--pair 300:50 --pair 60:50] [--migra-python PY]
                                [--out docs/bench-results-schema.md]

Inputs: the demo's two schema versions (momrel/demo/schema_v1.sql → sql/momentry.sql), and one
synthetic pair per --pair TABLES:CHANGES: TABLES tables (each with a serial key, a foreign key,
an index, a view), of which the second side changes CHANGES things, one per table in turn,
cycling through a new column, a new index and a table comment.

Baselines, measured in the same rounds, alternated with momrel (medians):
- loading floor: create two scratch databases, load each file in one `execute` (psycopg, no
  momrel code), drop them: what any catalog-based diff pays;
- migra + loading: the same two databases loaded, then migra's diff of them (its time measured
  inside its own process, after its imports, like momrel's in this one), then the drop.
migra needs psycopg2 and runs in a venv of its own, outside the repository:

    python3 -m venv <dir>/migra-venv && <dir>/migra-venv/bin/pip install migra psycopg2-binary
    python bench/schema_diff.py --migra-python <dir>/migra-venv/bin/python   (or MIGRA_PYTHON)

Without it the migra columns say "migra missing" and the run says so on stderr.

Last, `momrel schema diff A.sql B.sql` through the command line on each synthetic pair, outside
any repository and without MOMREL_SCRATCH_URL: a throwaway cluster is started and removed in
every run, so that time is the whole wait of a user without a server.
Everything else runs on one throwaway cluster started for the run (or MOMREL_SCRATCH_URL).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from momrel.schema.diff import diff  # noqa: E402
from momrel.schema.scratch import SCRATCH_URL_ENV, ScratchServer  # noqa: E402
from momrel.schema.source import SchemaSource  # noqa: E402

TARGET = "dev"
CHANGE_KINDS = ("column", "index", "comment")

# Run by the migra venv's python: argv = the two conninfo strings and the schema; prints the
# seconds of the diff (imports excluded) and the number of lines of SQL it produced.
MIGRA_SCRIPT = """
import json, sys, time
from migra import Migration
from psycopg2.extensions import parse_dsn
from sqlalchemy.engine import URL
from sqlbag import S

def url(dsn):
    d = parse_dsn(dsn)
    return URL.create("postgresql+psycopg2", d.get("user"), d.get("password"), d.get("host"),
                      int(d["port"]) if "port" in d else None, d.get("dbname"))

started = time.monotonic()
with S(url(sys.argv[1])) as a, S(url(sys.argv[2])) as b:
    migration = Migration(a, b, schema=sys.argv[3])
    migration.set_safety(False)
    migration.add_all_changes()
    lines = len(migration.sql.splitlines())
print(json.dumps({"seconds": time.monotonic() - started, "lines": lines}))
"""


def synthetic(tables: int, changes: int, version: int) -> str:
    changed: dict[int, set[str]] = {}
    for n in range(changes if version == 2 else 0):
        # Each round over the tables shifts the kind, so a table never gets one kind twice.
        changed.setdefault(n % tables, set()).add(CHANGE_KINDS[(n + n // tables) % len(CHANGE_KINDS)])
    parts = ["CREATE TABLE hub (id bigserial PRIMARY KEY, name text NOT NULL);"]
    for n in range(tables):
        kinds = changed.get(n, set())
        extra = f",\n    note_{n} text" if "column" in kinds else ""
        parts.append(f"CREATE TABLE t{n} (\n    id bigserial PRIMARY KEY,\n    hub_id bigint "
                     f"REFERENCES hub (id),\n    value integer NOT NULL{extra}\n);")
        parts.append(f"CREATE INDEX t{n}_hub_idx ON t{n} (hub_id);")
        parts.append(f"CREATE VIEW v{n} AS SELECT id, value FROM t{n} WHERE value > 0;")
        if "index" in kinds:
            parts.append(f"CREATE INDEX t{n}_value_idx ON t{n} (value);")
        if "comment" in kinds:
            parts.append(f"COMMENT ON TABLE t{n} IS 'table {n}';")
    return "\n".join(parts) + "\n"


def _url_of(url: str, name: str) -> str:
    return psycopg.conninfo.make_conninfo(**(psycopg.conninfo.conninfo_to_dict(url) | {"dbname": name}))


@contextlib.contextmanager
def loaded_pair(url: str, old: str, new: str):
    """Two databases created and loaded one after the other, one `execute` each; dropped after."""
    names = ["bench_raw_0", "bench_raw_1"]
    with psycopg.connect(url, autocommit=True) as admin:
        for name, text in zip(names, (old, new)):
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
            with psycopg.connect(_url_of(url, name)) as conn:
                conn.execute(sql.SQL("CREATE SCHEMA {}; SET search_path TO {};").format(
                    sql.Identifier(TARGET), sql.Identifier(TARGET)))
                conn.execute(text)
        try:
            yield [_url_of(url, name) for name in names]
        finally:
            for name in names:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def loading_floor(url: str, old: str, new: str) -> float:
    started = time.monotonic()
    with loaded_pair(url, old, new):
        pass
    return time.monotonic() - started


def migra_with_loading(url: str, old: str, new: str, migra_python: str) -> tuple[float, float]:
    """(migra's diff alone, the whole: loading + migra's diff + drop)."""
    started = time.monotonic()
    with loaded_pair(url, old, new) as (url_a, url_b):
        loaded = time.monotonic()
        result = subprocess.run([migra_python, "-c", MIGRA_SCRIPT, url_a, url_b, TARGET],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"migra failed: {result.stderr.strip()[-2000:]}")
        seconds = json.loads(result.stdout)["seconds"]
        spawned = time.monotonic() - loaded - seconds   # interpreter start and imports: not counted
    return seconds, time.monotonic() - started - spawned


def timed(call) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


def measure(scratch, old_text: str, new_text: str, repeat: int, migra_python: str | None) -> dict:
    old = SchemaSource("v1", "v1.sql", old_text, None, "v1.sql")
    new = SchemaSource("v2", "v2.sql", new_text, None, "v2.sql")
    times: dict[str, list[float]] = {}
    statements = len(diff(old, new, TARGET, scratch, verify=False).statements)  # warm-up

    def baselines():
        times.setdefault("floor", []).append(loading_floor(scratch.url, old_text, new_text))
        if migra_python:
            alone, whole = migra_with_loading(scratch.url, old_text, new_text, migra_python)
            times.setdefault("migra", []).append(alone)
            times.setdefault("migra_loading", []).append(whole)

    def momrel():
        times.setdefault("plan", []).append(
            timed(lambda: diff(old, new, TARGET, scratch, verify=False)))
        times.setdefault("verified", []).append(timed(lambda: diff(old, new, TARGET, scratch)))
        times.setdefault("down", []).append(timed(lambda: diff(old, new, TARGET, scratch, down=True)))

    for round_number in range(repeat):
        for step in ((baselines, momrel) if round_number % 2 == 0 else (momrel, baselines)):
            step()
    return {"statements": statements} | {name: statistics.median(values) for name, values in times.items()}


def command_line_runs(old_text: str, new_text: str, repeat: int) -> float:
    """`momrel schema diff a.sql b.sql` outside any repository: a throwaway cluster each time."""
    environment = {k: v for k, v in os.environ.items() if k != SCRATCH_URL_ENV}
    momrel = str(Path(sys.executable).parent / "momrel")
    seconds = []
    with tempfile.TemporaryDirectory(prefix="momrel-bench-") as folder:
        (Path(folder) / "a.sql").write_text(old_text, encoding="utf-8")
        (Path(folder) / "b.sql").write_text(new_text, encoding="utf-8")
        for _ in range(repeat):
            started = time.monotonic()
            result = subprocess.run([momrel, "schema", "diff", "a.sql", "b.sql", "--schema", TARGET,
                                     "--allow-hazards"], cwd=folder, env=environment,
                                    capture_output=True, text=True)
            seconds.append(time.monotonic() - started)
            if result.returncode != 0:
                raise SystemExit(f"momrel schema diff failed: {result.stderr.strip()}")
    return statistics.median(seconds)


def migra_version(migra_python: str) -> str:
    result = subprocess.run([migra_python, "-c", "import importlib.metadata as m; "
                             "print(m.version('migra'), '(SQLAlchemy', m.version('sqlalchemy') + ')')"],
                            capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pair", action="append", metavar="TABLES:CHANGES",
                        help="a synthetic pair (default: 300:50 and 60:50)")
    parser.add_argument("--migra-python", default=os.environ.get("MIGRA_PYTHON"),
                        help="python of a venv holding migra and psycopg2 (env: MIGRA_PYTHON)")
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "bench-results-schema.md")
    args = parser.parse_args()
    migra_python = args.migra_python
    versions = migra_version(migra_python) if migra_python else ""
    if not versions:
        print(f"migra missing{' at ' + migra_python if migra_python else ''}: the migra columns "
              "are left out (see this file's docstring to install it)", file=sys.stderr)
        migra_python = None
    pairs = [tuple(int(n) for n in p.split(":")) for p in (args.pair or ["300:50", "60:50"])]
    inputs = {"demo schema v1 → v2": ((PROJECT / "momrel/demo/schema_v1.sql").read_text(),
                                      (PROJECT / "sql/momentry.sql").read_text())}
    for tables, changes in pairs:
        inputs[f"synthetic, {tables} tables, {changes} changes"] = (synthetic(tables, changes, 1),
                                                                   synthetic(tables, changes, 2))
    load_before = os.getloadavg()[0]
    with ScratchServer() as scratch:
        results = {name: measure(scratch, a, b, args.repeat, migra_python)
                   for name, (a, b) in inputs.items()}
        version = scratch.version
    command_line = {name: command_line_runs(a, b, args.repeat)
                    for name, (a, b) in inputs.items() if name.startswith("synthetic")}

    def migra_cell(r: dict, key: str) -> str:
        return f"{r[key]:.2f} s" if key in r else "migra missing"

    lines = [f"# Schema diff benchmark ({dt.date.today()}, {platform.machine()}, {os.cpu_count()} "
             f"cores, Python {platform.python_version()}, PostgreSQL {version}, "
             f"migra {versions or 'missing'}, median of {args.repeat}, load average "
             f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after)", "",
             "| input | statements | loading floor: 2 databases created, loaded, dropped | migra "
             "| migra + loading | momrel plan only (--no-verify) | momrel diff + verify "
             "| momrel up and down verified | diff + verify / (migra + loading) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        ratio = f"{r['verified'] / r['migra_loading']:.2f}×" if "migra_loading" in r else "migra missing"
        lines.append(f"| {name} | {r['statements']} | {r['floor']:.2f} s | {migra_cell(r, 'migra')} "
                     f"| {migra_cell(r, 'migra_loading')} | {r['plan']:.2f} s | {r['verified']:.2f} s "
                     f"| {r['down']:.2f} s | {ratio} |")
    lines += ["", "`momrel schema diff a.sql b.sql` from the command line, a throwaway scratch cluster "
              "started and removed in each run:", "", "| input | diff + verify, whole command |",
              "|---|---|"]
    lines += [f"| {name} | {seconds:.2f} s |" for name, seconds in command_line.items()]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
