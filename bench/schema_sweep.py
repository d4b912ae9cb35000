"""Sweep `momrel schema diff` over many cases, up and down, and check each verified migration strictly.

    python bench/schema_sweep.py [FOLDER ...] [--only TEXT ...] [--jobs 2] [--json PATH] [--create-roles]

Cases (default FOLDER: tests/schema_cases):
  FOLDER/NAME/{a.sql,b.sql}   one case per sub-folder (our tests/schema_cases layout, migra's
                              tests/FIXTURES); expected.* is ignored, an optional roles.txt lists
                              roles the case needs besides those its SQL names
  FOLDER/*.cases              many cases per file, in the format below (peers' suites written as
                              Go or Python code, transcribed by whoever runs the sweep)
Every case targets the schema `public`.

For each case, up (a -> b) and down (b -> a):
  outcome  verified | refused-2 (unsupported input) | failed-4 (momrel's own verification failed)
           | error-N / error-crash / error-timeout (anything else) | skipped (needs an extension
           the server lacks, or roles without --create-roles)
  strict   for verified ones, independently of momrel's own verification: psql runs the
           migration's SQL on a database holding the FROM side, and pg_dump --schema-only must
           equal the TO side's (tests/schema_support.py): ok | WRONG (dumps differ) | WRONG-psql
           (psql failed on the migration)
A summary table goes to stdout, progress to stderr, every result to --json. Exit 1 when a
verified migration is WRONG or a case errors; refusals and exit 4 are counted, not failures.

One embedded PostgreSQL, in a temporary folder, serves the run; it is destroyed at the end,
also on Ctrl-C or SIGTERM. Cases run in at most 2 worker processes.

.cases format:
  ### CASE <name>            starts a case
  ## old / ## new            start the old / new DDL list; `## -` separates list elements
                             (an element without a final `;` gets one)
  ## peer-error              the peer's own tool expects an error for this case
  ## roles a b ...           roles the case needs besides those its SQL names
  ## skip REASON             a stub: the case was not transcribed (REASON is reported)
  ## note ...                free text, ignored
"""

from __future__ import annotations

import argparse
import difflib
import json
import multiprocessing as mp
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT), str(PROJECT / "tests")]

import pglast  # noqa: E402
import psycopg  # noqa: E402
from pglast import enums, visitors  # noqa: E402
from psycopg import sql  # noqa: E402

from momrel import pg  # noqa: E402
from momrel.errors import MomrelError  # noqa: E402
from momrel.schema.catalog import read_catalog  # noqa: E402
from momrel.schema.diff import diff, diff_pair, verify_migration  # noqa: E402
from momrel.schema.render import script_body  # noqa: E402
from momrel.schema.scratch import ScratchServer, connect_in_schema, load_schema  # noqa: E402
from momrel.schema.source import SchemaSource  # noqa: E402
from schema_support import load_with_psql, psql, schema_dump  # noqa: E402

SCHEMA = "public"
DEFAULT_FOLDERS = [PROJECT / "tests" / "schema_cases"]
CASE_TIMEOUT = 300  # seconds for one case, both directions with their strict checks
MAX_JOBS = 2
DIRECTIONS = ("up", "down")


# ---------------------------------------------------------------- loading cases
def _case(suite: str, file: str, name: str, old: str, new: str, roles=(), peer_error=False,
          stub: str | None = None) -> dict:
    return {"suite": suite, "file": file, "name": name, "old": old, "new": new,
            "roles": sorted(set(roles) | roles_named(old) | roles_named(new)),
            "peer_error": peer_error, "stub": stub}


def case_id(case: dict) -> str:
    return "/".join(part for part in (case["suite"], case["file"], case["name"]) if part)


def load_folder_cases(folder: Path) -> list[dict]:
    cases = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        a, b, roles = sub / "a.sql", sub / "b.sql", sub / "roles.txt"
        if a.is_file() and b.is_file():
            cases.append(_case(folder.name, "", sub.name, a.read_text(encoding="utf-8"),
                               b.read_text(encoding="utf-8"),
                               roles.read_text().split() if roles.is_file() else ()))
    for path in sorted(folder.glob("*.cases")):
        cases += parse_cases_file(path, folder.name)
    return cases


def _join(elements: list[str]) -> str:
    parts = []
    for element in elements:
        text = element.strip()
        if text and not text.endswith(";"):
            text += ";"
        if text:
            parts.append(text)
    return "\n\n".join(parts) + "\n" if parts else ""


def parse_cases_file(path: Path, suite: str) -> list[dict]:
    raw: list[dict] = []
    current = None
    section = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("### CASE "):
            current = {"name": line[len("### CASE "):].strip(), "old": [[]], "new": [[]],
                       "roles": [], "peer_error": False, "stub": None}
            raw.append(current)
            section = None
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped in ("## old", "## new"):
            section = stripped[3:]
        elif stripped == "## -":
            if section:
                current[section].append([])
        elif stripped == "## peer-error":
            current["peer_error"] = True
        elif stripped.startswith("## skip"):
            current["stub"] = stripped[len("## skip"):].strip() or "not transcribed"
        elif stripped.startswith("## roles"):
            current["roles"] += stripped[len("## roles"):].split()
        elif stripped.startswith("## note"):
            continue
        elif section:
            current[section][-1].append(line)
    return [_case(suite, path.stem, c["name"], _join(["\n".join(e) for e in c["old"]]),
                  _join(["\n".join(e) for e in c["new"]]), c["roles"], c["peer_error"], c["stub"])
            for c in raw]


class _RoleNames(visitors.Visitor):
    def __init__(self):
        self.names: set[str] = set()

    def visit_RoleSpec(self, ancestors, node):
        if node.roletype == enums.RoleSpecType.ROLESPEC_CSTRING:
            self.names.add(node.rolename)


def roles_named(text: str) -> set[str]:
    """Roles a schema file names (GRANT … TO, REVOKE … FROM, OWNER TO, policies' TO …): they are
    the server's, not the file's, so they must exist before the file loads. A file that does
    not parse names none (momrel refuses it anyway)."""
    visitor = _RoleNames()
    try:
        for statement in pglast.parse_sql(text):
            visitor(statement)
    except pglast.parser.ParseError:
        return set()
    return visitor.names


EXTENSION_RE = re.compile(r"create\s+extension\s+(?:if\s+not\s+exists\s+)?\"?([\w-]+)\"?", re.I)


def skip_reason(case: dict, available_extensions: set[str], server_roles: set[str]) -> str | None:
    if case["stub"]:
        return case["stub"]
    text = case["old"] + "\n" + case["new"]
    missing = sorted({m.lower() for m in EXTENSION_RE.findall(text)} - available_extensions)
    if missing:
        return "extension " + ", ".join(missing)
    missing_roles = sorted(set(case["roles"]) - server_roles)
    if missing_roles:
        return "roles " + ", ".join(missing_roles)
    return None


# ---------------------------------------------------------------- one case, both directions
_scratch: ScratchServer | None = None


def _worker_init(url: str) -> None:
    global _scratch
    # Ctrl-C reaches the whole process group: the parent alone handles it (it ends the pool).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _scratch = ScratchServer(url).__enter__()


class CaseTimeout(BaseException):
    """Not an Exception: the handlers that report momrel's failures must not swallow it."""


def _alarm(signum, frame):
    raise CaseTimeout(f"over {CASE_TIMEOUT}s")


def _first_words(text, n: int = 14) -> str:
    return " ".join(str(text).split()[:n])


def _dump_diff(expected: str, actual: str, limit: int = 40) -> str:
    lines = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                      "TO side (loaded directly)", "FROM side + migration", n=1,
                                      lineterm=""))
    return "\n".join(lines[:limit]) + ("\n..." if len(lines) > limit else "")


def strict_check(start: str, migration_sql: str, end: str) -> tuple[str, str]:
    with _scratch.database() as migrated, _scratch.database() as expected:
        try:
            load_with_psql(migrated, start, SCHEMA)
            load_with_psql(expected, end, SCHEMA)
        except AssertionError as exc:
            return "check-load-failed", _first_words(exc, 40)
        result = psql(migrated, migration_sql, SCHEMA)
        if result.returncode != 0:
            return "WRONG-psql", result.stderr.strip()[:1500]
        want, got = schema_dump(expected, SCHEMA), schema_dump(migrated, SCHEMA)
        if want != got:
            return "WRONG", _dump_diff(want, got)
        return "ok", ""


def _down_unverified(old: SchemaSource, new: SchemaSource):
    """The down migration when the up one failed its own verification (diff verifies both):
    planned unverified, then momrel's verification of the down migration alone."""
    down = diff(old, new, SCHEMA, _scratch, down=True, verify=False)
    with _scratch.database() as url:
        load_schema(url, old.text, old.where, SCHEMA)
        with connect_in_schema(url, SCHEMA, autocommit=True) as conn:
            expected = read_catalog(conn)
    verify_migration(down, new, expected, _scratch)
    down.verified = True
    return down


def _outcome_of(exc: BaseException) -> dict:
    if isinstance(exc, MomrelError):
        code = int(exc.exit_code)
        return {"outcome": {2: "refused-2", 4: "failed-4"}.get(code, f"error-{code}"),
                "reason": str(exc)[:2000]}
    if isinstance(exc, CaseTimeout):
        return {"outcome": "error-timeout", "reason": str(exc)}
    return {"outcome": "error-crash", "reason": f"{type(exc).__name__}: {exc}"[:2000],
            "traceback": "".join(traceback.format_exception(exc))[-3000:]}


def plan_both(old: SchemaSource, new: SchemaSource) -> dict:
    """{direction: migration or the outcome of its failure}. Both directions come from one
    loading (diff_pair) when both verify; otherwise each is planned on its own, so that the
    failing one is named (a down migration after a failed up one: _down_unverified)."""
    try:
        up, down = diff_pair(old, new, SCHEMA, _scratch)
        return {"up": up, "down": down}
    except Exception:
        pass
    planned = {}
    try:
        planned["up"] = diff(old, new, SCHEMA, _scratch)
    except Exception as exc:
        planned["up"] = _outcome_of(exc)
    up_failed_4 = isinstance(planned["up"], dict) and planned["up"]["outcome"] == "failed-4"
    try:
        planned["down"] = (_down_unverified(old, new) if up_failed_4
                           else diff(old, new, SCHEMA, _scratch, down=True))
    except Exception as exc:
        planned["down"] = _outcome_of(exc)
    return planned


def run_case(case: dict) -> list[dict]:
    old = SchemaSource("a.sql", "a.sql", case["old"], None, "a.sql")
    new = SchemaSource("b.sql", "b.sql", case["new"], None, "b.sql")
    records = {d: {"suite": case["suite"], "file": case["file"], "name": case["name"],
                   "direction": d, "peer_error": case["peer_error"]} for d in DIRECTIONS}
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT)
    try:
        planned = plan_both(old, new)
        for direction in DIRECTIONS:
            record, migration = records[direction], planned[direction]
            if isinstance(migration, dict):
                record.update(migration)
                continue
            body = script_body(migration.statements, SCHEMA)
            record.update(outcome="verified" if migration.verified else "unverified",
                          statements=len(migration.statements), migration=body[:20000])
            start, end = (case["old"], case["new"]) if direction == "up" else (case["new"], case["old"])
            record["strict"], record["strict_detail"] = strict_check(start, body, end)
    except CaseTimeout as exc:
        for record in records.values():
            if "outcome" not in record:
                record.update(outcome="error-timeout", reason=str(exc))
            elif record["outcome"] == "verified" and "strict" not in record:
                record.update(strict="check-timeout", strict_detail=str(exc))
    except Exception as exc:  # a crash of momrel or of the check: reported, the sweep goes on
        for record in records.values():
            if "outcome" not in record:
                record.update(_outcome_of(exc))
    finally:
        signal.alarm(0)
    seconds = round(time.monotonic() - started, 2)
    for record in records.values():
        record["seconds"] = seconds
    return list(records.values())


# ---------------------------------------------------------------- reporting
CATEGORIES = ["verified-ok", "verified-WRONG", "verified-WRONG-psql", "refused-2", "failed-4",
              "skipped"]


def category(r: dict) -> str:
    if r["outcome"] == "verified":
        return {"ok": "verified-ok"}.get(r.get("strict"), f"verified-{r.get('strict')}")
    return r["outcome"]


def is_wrong(r: dict) -> bool:
    return category(r).startswith("verified-WRONG")


def is_error(r: dict) -> bool:
    return r["outcome"].startswith("error") or r["outcome"] == "unverified" or \
        category(r) in ("verified-check-load-failed", "verified-check-timeout")


def reason_key(r: dict) -> str:
    """The refusal's first words, with quoted names and file positions blurred so that the
    same unsupported feature groups together."""
    text = r.get("reason", "")
    text = re.sub(r"^[ab]\.sql:\d+(:\d+)?:\s*", "", text)
    text = re.sub(r"`[^`]*`", "`…`", text)
    text = re.sub(r"\"[^\"]*\"", "\"…\"", text)
    text = re.sub(r"\b\d+\b", "N", text)
    return _first_words(text, 9)


def summarize(results: list[dict], head: str) -> str:
    out = [head, ""]
    cats = CATEGORIES + sorted({category(r) for r in results} - set(CATEGORIES))
    rows: dict[tuple, Counter] = defaultdict(Counter)
    for r in results:
        rows[(r["suite"], r["direction"])][category(r)] += 1
    keys = sorted(rows)
    labels = [f"{s}/{d}" for s, d in keys]
    width = max(len(c) for c in cats + ["total"])
    out.append("counts per suite and direction")
    out.append(f"{'':{width}}  " + "  ".join(labels))
    for c in cats + ["total"]:
        counts = [sum(rows[k].values()) if c == "total" else rows[k][c] for k in keys]
        out.append(f"{c:{width}}  " + "  ".join(f"{n:>{len(label)}}" for n, label in zip(counts, labels)))

    wrong = [r for r in results if is_wrong(r)]
    out += ["", f"WRONG (verified by momrel, but the strict check disagrees): {len(wrong)}"]
    for r in wrong:
        out += [f"--- {case_id(r)} [{r['direction']}] {r['strict']}", r.get("strict_detail", "")]

    for outcome, title in (("refused-2", "refused (exit 2), grouped by reason"),
                           ("failed-4", "own verification failed (exit 4), grouped by cause")):
        group = defaultdict(list)
        for r in results:
            if r["outcome"] == outcome:
                group[reason_key(r)].append(f"{case_id(r)}[{r['direction']}]")
        out += ["", f"{title}: {sum(len(v) for v in group.values())}"]
        for key, members in sorted(group.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(members[:4]) + (" …" if len(members) > 4 else "")
            out.append(f"{len(members):4}  {key}\n        {shown}")

    errors = [r for r in results if is_error(r)]
    out += ["", f"errors: {len(errors)}"]
    for r in errors:
        out.append(f"  {case_id(r)}[{r['direction']}] {category(r)} "
                   f"{_first_words(r.get('reason') or r.get('strict_detail', ''), 25)}")

    skipped = defaultdict(set)
    for r in results:
        if r["outcome"] == "skipped":
            skipped[r["reason"]].add(case_id(r))
    out += ["", "skipped (cases, each counted once per direction above):"]
    for key, names in sorted(skipped.items()):
        out.append(f"{len(names):4}  {key}: {', '.join(sorted(names)[:6])}{' …' if len(names) > 6 else ''}")

    peer_error = [r for r in results if r["peer_error"]]
    if peer_error:
        out += ["", "cases where the peer's own tool expects an error (included above):",
                "  " + ", ".join(f"{k}={v}" for k, v in sorted(Counter(map(category, peer_error)).items()))]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the run
def _git_head() -> str:
    result = subprocess.run(["git", "-C", str(PROJECT), "rev-parse", "--short=12", "HEAD"],
                            capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def _prepare_server(url: str, roles: set[str]) -> tuple[set[str], set[str]]:
    """fsync off (nothing of this server outlives the run), then the roles it lacks; returns
    the extensions it can create and the roles it has."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("SELECT pg_reload_conf()")
        existing = {row[0] for row in conn.execute("SELECT rolname FROM pg_roles")}
        for role in sorted(roles - existing):
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        extensions = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
        return extensions, existing | roles


def sweep(cases: list[dict], jobs: int, create_roles: bool) -> list[dict]:
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="momrel-sweep-") as home:
        server = pg.EmbeddedPostgres(Path(home) / "pg")
        try:
            server.start()
            url = server.url("postgres")
            roles = {role for c in cases for role in c["roles"]} if create_roles else set()
            extensions, server_roles = _prepare_server(url, roles)
            tasks = []
            for case in cases:
                reason = skip_reason(case, extensions, server_roles)
                if reason:
                    results += [{"suite": case["suite"], "file": case["file"], "name": case["name"],
                                 "direction": d, "peer_error": case["peer_error"],
                                 "outcome": "skipped", "reason": reason} for d in DIRECTIONS]
                else:
                    tasks.append(case)
            with mp.get_context("fork").Pool(jobs, _worker_init, (url,), maxtasksperchild=50) as pool:
                for records in pool.imap_unordered(run_case, tasks):
                    results += records
                    print(f"  {case_id(records[0])}  " + "  ".join(
                        f"{r['direction']}={category(r)}" for r in records), file=sys.stderr, flush=True)
        finally:
            server.destroy()
    results.sort(key=lambda r: (r["suite"], r["file"], r["name"], r["direction"] != "up"))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 3)[3])
    parser.add_argument("folders", nargs="*", type=Path,
                        help="folders of cases (default: tests/schema_cases)")
    parser.add_argument("--only", action="append", default=[],
                        help="run cases whose SUITE/FILE/NAME contains this text (repeatable: any)")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS, help=f"worker processes (at most {MAX_JOBS})")
    parser.add_argument("--json", type=Path, help="write every result (migration text, strict check) here")
    parser.add_argument("--create-roles", action="store_true",
                        help="create the roles cases name on the sweep's server (default: skip those cases)")
    args = parser.parse_args()
    jobs = max(1, min(args.jobs, MAX_JOBS))
    folders = args.folders or DEFAULT_FOLDERS
    for folder in folders:
        if not folder.is_dir():
            parser.error(f"not a folder: {folder}")
    cases = [case for folder in folders for case in load_folder_cases(folder)]
    if args.only:
        cases = [c for c in cases if any(o.lower() in case_id(c).lower() for o in args.only)]
    if not cases:
        parser.error("no cases found" + (" matching --only" if args.only else ""))

    # SIGTERM leaves through the finally blocks too (the server is destroyed on the way out).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    head = _git_head()
    print(f"{len(cases)} cases from {', '.join(str(f) for f in folders)}; momrel at {head}",
          file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        results = sweep(cases, jobs, args.create_roles)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    meta = {"momrel_head": head, "folders": [str(f) for f in folders], "only": args.only,
            "create_roles": args.create_roles, "seconds": round(time.monotonic() - started),
            "when": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())}
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(summarize(results, f"momrel schema diff sweep: momrel {head}, {meta['when']}, "
                             f"{len(cases)} cases, {meta['seconds']}s"))
    return 1 if any(is_wrong(r) or is_error(r) for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
