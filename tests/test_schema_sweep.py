"""bench/schema_sweep.py, the harness behind `make schema-sweep`, on a few cases: it starts its own
throwaway server, so these tests need none of the session's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SWEEP = PROJECT / "bench" / "schema_sweep.py"


def _sweep(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "results.json"
    result = subprocess.run([sys.executable, str(SWEEP), *args, "--json", str(out)],
                            capture_output=True, text=True, timeout=120)
    return result, (json.loads(out.read_text()) if out.is_file() else {})


def _outcomes(results: dict) -> dict:
    return {(r["name"], r["direction"]): (r["outcome"], r.get("strict")) for r in results["results"]}


def test_our_cases_verify_and_pass_the_strict_check(tmp_path):
    result, results = _sweep(tmp_path, "--only", "check_constraint_added", "--only", "column_default_changed")
    assert result.returncode == 0, result.stderr
    assert _outcomes(results) == {(name, direction): ("verified", "ok")
                                  for name in ("check_constraint_added", "column_default_changed")
                                  for direction in ("up", "down")}
    assert "verified-ok" in result.stdout
    migrations = {(r["name"], r["direction"]): r["migration"] for r in results["results"]}
    assert "ADD CONSTRAINT" in migrations["check_constraint_added", "up"]
    assert "DROP CONSTRAINT" in migrations["check_constraint_added", "down"]


def test_refusals_and_skips_are_counted_not_failures(tmp_path):
    folder = tmp_path / "suite"
    (folder / "rule_added").mkdir(parents=True)
    (folder / "rule_added" / "a.sql").write_text("CREATE TABLE files (id bigint PRIMARY KEY);\n")
    (folder / "rule_added" / "b.sql").write_text(
        "CREATE TABLE files (id bigint PRIMARY KEY);\n"
        "CREATE RULE files_protect AS ON DELETE TO files DO INSTEAD NOTHING;\n")
    (folder / "peer.cases").write_text(
        "### CASE default privileges\n"
        "## old\nCREATE TABLE t (id int)\n"
        "## new\nCREATE TABLE t (id int)\n## -\nALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC\n"
        "### CASE missing extension\n"
        "## old\n## new\nCREATE EXTENSION no_such_extension\n"
        "### CASE grant to a role\n"
        "## old\nCREATE TABLE t (id int)\n"
        "## new\nCREATE TABLE t (id int);\nGRANT SELECT ON t TO sweep_reader;\n")
    result, results = _sweep(tmp_path, str(folder))
    assert result.returncode == 0, result.stderr
    outcomes = _outcomes(results)
    for direction in ("up", "down"):
        assert outcomes["rule_added", direction][0] == "refused-2"
        assert outcomes["default privileges", direction][0] == "refused-2"
        assert outcomes["missing extension", direction][0] == "skipped"
        assert outcomes["grant to a role", direction][0] == "skipped"
    reasons = {r["name"]: r["reason"] for r in results["results"]}
    assert "no_such_extension" in reasons["missing extension"]
    assert "sweep_reader" in reasons["grant to a role"]
    assert "refused (exit 2), grouped by reason: 4" in result.stdout
