"""Benchmark: momrel file export / fingerprint / verify against raw baselines, same run.

    python bench/run.py [--scale 500] [--out docs/bench-results.md]

Scale 500 is one video with 1,000,000 face detections and 100,000 frame points (512-d).
Baselines, measured on the same data in the same run:
  * raw COPY: `COPY (SELECT … WHERE file_uuid = … ORDER BY id) TO STDOUT (FORMAT csv, HEADER)`
    of face_detections into a file (psycopg, no momrel code);
  * raw scroll: qdrant-client filtered scroll of the file's points with vectors (page 5000),
    no writing, next to momrel's own reader (vectors.iter_file_points);
  * Qdrant open: a process that only opens the local-mode client (it loads every point into
    memory), so the memory momrel adds on top of Qdrant's own can be read off.
Everything runs in a temporary content repository with its own embedded PostgreSQL (or
MOMREL_DATABASE_URL) and is deleted afterwards. Timings are wall-clock seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from momrel import database, pg, vectors  # noqa: E402
from momrel.config import load  # noqa: E402
from momrel.demo import seed as seeding  # noqa: E402
from momrel.filepkg.pipeline import replace_files_block  # noqa: E402


def make_repo(folder: Path) -> Path:
    root = folder / "repo"
    root.mkdir()
    shutil.copytree(PROJECT / "sql", root / "sql")
    params = (PROJECT / "params.yaml").read_text()
    (root / "params.yaml").write_text(replace_files_block(params, []))
    return root


# Linux counts a forked child's peak RSS from the parent's memory at fork time, and this
# process holds Qdrant's points; a tiny launcher in between makes the numbers the child's own.
_LAUNCHER = ("import os, subprocess, sys\n"
             "p = subprocess.Popen(sys.argv[1:])\n"
             "_, status, usage = os.wait4(p.pid, 0)\n"
             "sys.stderr.write(f'\\nmaxrss_kib={usage.ru_maxrss}\\n')\n"
             "sys.exit(os.waitstatus_to_exitcode(status))\n")


def run_child(args: list[str], env: dict) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MiB) and stdout of one child process."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, *args], env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr}")
    rss_kib = int(proc.stderr.rsplit("maxrss_kib=", 1)[1].split()[0])
    return seconds, rss_kib // 1024, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=500)
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "bench-results.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="momrel-bench-"))
    root = make_repo(work)
    try:
        url = database.ensure_database(root)
        config = load(root)
        database.init_database(config, url)
        env = config.env()
        file_uuid = seeding.file_uuid(0)
        results: list[tuple[str, float, str, str]] = []

        started = time.perf_counter()
        with pg.connect(url) as conn, vectors.open_client(root) as client:
            seeding.seed(config, env, conn, client, files=1, scale=args.scale)
            conn.commit()
        sizes = seeding.Sizes.at(args.scale)
        results.append(("seed (rows + points + JSON)", time.perf_counter() - started, "", ""))

        # Raw baselines.
        with pg.connect(url) as conn:
            started = time.perf_counter()
            rows = 0
            with open(work / "raw.csv", "wb") as f, conn.cursor() as cur:
                with cur.copy("COPY (SELECT * FROM dev.face_detections WHERE file_uuid = %s "
                              "ORDER BY id) TO STDOUT (FORMAT csv, HEADER)", (file_uuid,)) as copy:
                    for data in copy:
                        f.write(data)
                rows = cur.rowcount
            copy_seconds = time.perf_counter() - started
        results.append(("raw COPY face_detections (baseline)", copy_seconds,
                        f"{rows / copy_seconds:,.0f} rows/s", ""))

        with vectors.open_client(root) as client:
            frames = env.collections["frames"]
            started = time.perf_counter()
            points, offset = 0, None
            while True:  # plain qdrant-client paging, no momrel code
                page, offset = client.scroll(frames, scroll_filter=vectors.file_filter("file_uuid", file_uuid),
                                             limit=5000, offset=offset, with_payload=True,
                                             with_vectors=True)
                points += len(page)
                if offset is None:
                    break
            scroll_seconds = time.perf_counter() - started
            results.append(("raw Qdrant filtered scroll, page 5000 (baseline)", scroll_seconds,
                            f"{points / scroll_seconds:,.0f} points/s", ""))
            started = time.perf_counter()
            points = sum(1 for _ in vectors.iter_file_points(client, frames, "file_uuid", file_uuid))
            read_seconds = time.perf_counter() - started
            results.append(("momrel point reader (id pass + retrieve)", read_seconds,
                            f"{points / read_seconds:,.0f} points/s", ""))

        child_env = dict(os.environ, MOMREL_REPO=str(root), MOMREL_DATABASE_URL=url,
                         PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
        open_only = [sys.executable, "-c",
                     "from pathlib import Path; from momrel import vectors\n"
                     f"with vectors.open_client(Path({str(root)!r})) as c: pass"]
        seconds, rss, _ = run_child(open_only, child_env)
        results.append(("Qdrant local open only (baseline)", seconds, "", f"{rss} MiB"))

        momrel = [sys.executable, "-m", "momrel"]
        seconds, rss, out = run_child(momrel + ["file", "export", "--uuid", file_uuid,
                                                "--version", "1.0.0", "--json"], child_env)
        summary = json.loads(out)
        total_rows = sum(summary["rows"].values())
        results.append(("momrel file export", seconds,
                        f"{total_rows / seconds:,.0f} rows/s overall, {summary['bytes'] / 1e6:,.0f} MB",
                        f"{rss} MiB"))
        package = Path(summary["package"])
        seconds, rss, _ = run_child(momrel + ["file", "fingerprint", "--uuid", file_uuid], child_env)
        results.append(("momrel file fingerprint", seconds, "", f"{rss} MiB"))
        # Verify's floor: reading and hashing every file of the package, nothing else.
        started = time.perf_counter()
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            digest = hashlib.sha256()
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
        hash_seconds = time.perf_counter() - started
        results.append(("raw sha256 of every package file (baseline)", hash_seconds,
                        f"{summary['bytes'] / 1e6 / hash_seconds:,.0f} MB/s", ""))
        seconds, rss, _ = run_child(momrel + ["file", "verify", str(package)], child_env)
        results.append(("momrel file verify", seconds,
                        f"{summary['bytes'] / 1e6 / seconds:,.0f} MB/s: hash + CSV dialect + every point",
                        f"{rss} MiB"))
        seconds, rss, _ = run_child(momrel + ["file", "export", "--uuid", file_uuid,
                                              "--version", "1.0.0"], child_env)
        results.append(("momrel file export again (unchanged)", seconds, "", f"{rss} MiB"))

        # Import into prod: raw COPY FROM baseline, then momrel file import (twice: first load,
        # then the re-import that replaces the file's rows in place).
        with pg.connect(url) as conn:
            conn.execute("CREATE TABLE bench_copy (LIKE public.face_detections INCLUDING ALL)")
            started = time.perf_counter()
            with conn.cursor() as cur, open(package / "face_detections.csv", "rb") as f:
                with cur.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER)") as copy:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        copy.write(chunk)
            conn.commit()
            copy_in = time.perf_counter() - started
            conn.execute("DROP TABLE bench_copy")
            conn.commit()
        results.append(("raw COPY FROM face_detections.csv into a table with its keys (baseline)",
                        copy_in, f"{rows / copy_in:,.0f} rows/s", ""))
        for label in ("momrel file import --env prod", "momrel file import again (replace)"):
            seconds, rss, out = run_child(momrel + ["file", "import", "--package", str(package),
                                                    "--env", "prod", "--json"], child_env)
            phases = json.loads(out)["phases"]
            results.append((label, seconds,
                            f"verify + private copy + fit {phases['verify_and_fit']:.1f} s, "
                            f"{total_rows / phases['postgres']:,.0f} rows/s in PostgreSQL "
                            f"({phases['postgres']:.1f} s), keep aside + Qdrant {phases['qdrant']:.1f} s",
                            f"{rss} MiB"))

        lines = [
            f"# Benchmark results (scale {args.scale:g})",
            "",
            f"Run {dt.date.today().isoformat()} by `bench/run.py --scale {args.scale:g}`; "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{_server_version(url)}.",
            f"One video: {sizes.faces:,} face detections, {sizes.nodes:,} nodes, {sizes.edges:,} edges, "
            f"{sizes.frame_points:,} frame points (512-d), {sizes.sentence_points:,} sentence points (384-d).",
            "",
            "| step | seconds | throughput | peak RSS |",
            "|---|---:|---|---:|",
        ]
        lines += [f"| {name} | {seconds:.2f} | {speed} | {rss} |" for name, seconds, speed, rss in results]
        text = "\n".join(lines) + "\n"
        print(text)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    finally:
        database.embedded_server(root).destroy()  # a no-op with MOMREL_DATABASE_URL
        shutil.rmtree(work, ignore_errors=True)


def _server_version(url: str) -> str:
    with pg.connect(url) as conn:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]


if __name__ == "__main__":
    main()
