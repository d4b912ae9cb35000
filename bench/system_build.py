"""Benchmark: `momrel system build` against the raw tools, same run.

    python bench/system_build.py [--repeat 3] [--files 2000] [--out docs/bench-results-system.md]

Source repository: the demo's (`momrel demo source`: three releases) plus a commit of `--files`
generated files (1 KiB to 64 KiB each, a source tree of a real service's size) tagged v1.4.1.
Measured, alternated, each round on a fresh content repository copy:
- archive: momrel's reproducible source.tar.gz of the tag (momrel.syspkg.archive) against
  `git archive --format=tar HEAD | gzip -9n`, the raw tools' reproducible tarball;
- package: a whole `momrel system build --env prod --ref v1.4.1` (diff and verify up and down
  on the scratch server, archive, files, checksums, `dvc add`) against its raw parts: `git
  archive | gzip -9n` + `momrel schema diff --down` run by hand + `sha256sum` + `dvc add`.
Medians are written to the --out file with machine and versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from momrel.config import load  # noqa: E402
from momrel.demo.source_repo import create_source_repository  # noqa: E402
from momrel.gitrepo import open_repository  # noqa: E402
from momrel.syspkg import archive  # noqa: E402
from momrel.syspkg.build import build_package  # noqa: E402

BIN = Path(sys.executable).parent


def run(*args, cwd=None, env=None) -> None:
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def make_source(folder: Path, files: int) -> Path:
    source = folder / "source"
    demo = create_source_repository(source)
    rng = random.Random(7)
    for n in range(files):
        path = source / "src" / f"gen_{n // 100:02d}" / f"m{n:05d}.rs"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Hex of random bytes: compresses about as well as source code does (to about half).
        path.write_text("// generated\n" + rng.randbytes(rng.randint(512, 32 * 1024)).hex() + "\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b.invalid",
               GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@b.invalid")
    run("git", "add", "-A", cwd=source, env=env)
    run("git", "commit", "-qm", "more source", cwd=source, env=env)
    run("git", "tag", "-a", "v1.4.1", "-m", f"1.4.1\n\n{demo.last_tag_message.splitlines()[-1]}",
        cwd=source, env=env)
    return source


def content_copy(folder: Path, name: str) -> Path:
    root = folder / name
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".momrel", "release", "cache", "tmp", "*.egg-info", "__pycache__",
        ".pytest_cache"), symlinks=True)
    return root


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def raw_archive(source: Path, out: Path) -> None:
    with open(out, "wb") as target:
        tar = subprocess.Popen(["git", "archive", "--format=tar", "v1.4.1"], cwd=source,
                               stdout=subprocess.PIPE)
        subprocess.run(["gzip", "-9n"], stdin=tar.stdout, stdout=target, check=True)
        tar.wait()


def raw_package(source: Path, root: Path, scratch: str) -> None:
    out = root / "release" / "system" / "prod" / "raw"
    (out / "migration").mkdir(parents=True)
    raw_archive(source, out / "source.tar.gz")
    env = dict(os.environ, MOMREL_REPO=str(root), MOMREL_SCRATCH_URL=scratch)
    for tag in ("v1.3.0", "v1.4.1"):
        with open(out / f"{tag}.sql", "wb") as target:
            subprocess.run(["git", "show", f"{tag}:sql/momentry.sql"], cwd=source, check=True,
                           stdout=target)
    for flag, name in (([], "up"), (["--down"], "down")):
        with open(out / "migration" / f"{name}.sql", "wb") as target:
            subprocess.run([str(BIN / "momrel"), "schema", "diff", "v1.3.0.sql", "v1.4.1.sql",
                            "--schema", "public", "--allow-hazards", *flag], cwd=out, env=env,
                           check=True, stdout=target)
    subprocess.run("sha256sum source.tar.gz migration/* > SHA256SUMS", shell=True, cwd=out, check=True)
    run(str(BIN / "dvc"), "add", "-q", "release/system/prod/raw", cwd=root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "bench-results-system.md")
    args = parser.parse_args()
    from momrel import database

    from psycopg.conninfo import make_conninfo

    scratch = make_conninfo(database.ensure_database(PROJECT), dbname="postgres")
    times: dict[str, list[float]] = {k: [] for k in ("archive", "archive raw", "package", "package raw")}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = make_source(folder, args.files)
        repo = open_repository(source)
        commit = repo.resolve("v1.4.1")
        epoch = int(repo.commit_time(commit).timestamp())
        size = 0
        for round_ in range(args.repeat):
            times["archive"].append(timed(lambda: archive.build_archive(repo, commit, epoch)))
            times["archive raw"].append(timed(lambda: raw_archive(source, folder / "raw.tar.gz")))
            root = content_copy(folder, f"content-{round_}")
            run("git", "init", "-q", cwd=root)
            run(str(BIN / "dvc"), "init", "-q", "--force", cwd=root)
            config = load(root)
            built = []
            times["package"].append(timed(lambda: built.append(build_package(
                config, "prod", "v1.4.1", source=source, scratch_url=scratch))))
            size = sum(p.stat().st_size for p in built[0].path.rglob("*") if p.is_file())
            times["package raw"].append(timed(lambda: raw_package(source, root, scratch)))
            shutil.rmtree(root)
    medians = {k: statistics.median(v) for k, v in times.items()}
    lines = [
        f"# System package build benchmark ({dt.date.today().isoformat()})", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}.",
        f"Source: the demo's releases plus {args.files:,} generated files; package "
        f"{size / 1e6:.1f} MB. {args.repeat} rounds, alternated, medians (bench/system_build.py).", "",
        "| step | momrel | raw tools | ratio |", "|---|---|---|---|",
        f"| source archive of the tag | {medians['archive']:.2f} s | {medians['archive raw']:.2f} s "
        f"(`git archive \\| gzip -9n`) | {medians['archive'] / medians['archive raw']:.2f}× |",
        f"| whole package | {medians['package']:.2f} s | {medians['package raw']:.2f} s (git archive "
        f"+ gzip, `momrel schema diff` up and down, sha256sum, dvc add) | "
        f"{medians['package'] / medians['package raw']:.2f}× |", "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
