"""`momrel demo`: synthetic data (momrel.demo.seed), the demo job (momrel.demo.run) and the
example source repository (momrel.demo.source_repo)."""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path

import click

from momrel.cli import console, load_config, print_json


@click.group()
def demo():
    """Synthetic data and the end-to-end demo job."""


@demo.command("seed")
@click.option("--files", "files", type=int, default=3, show_default=True, help="Number of videos.")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Size multiplier: 1 = 2,000 face detections and 200 frame points per video; "
                   "500 = 1,000,000 and 100,000.")
@click.option("--env", "env_name", default=None, help="Environment to seed (default: source_env).")
@click.option("--reset", is_flag=True, help="Re-create videos that already exist.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def demo_seed(files, scale, env_name, reset, as_json):
    """Deterministic synthetic videos: rows, Qdrant points and processor JSON files."""
    from momrel.demo.seed import seed_environment

    result = seed_environment(load_config(), env_name, files=files, scale=scale, reset=reset)
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    for uuid_ in result.created:
        click.echo(f"seeded  {uuid_}")
    for uuid_ in result.skipped:
        click.echo(f"present {uuid_} (kept; --reset re-creates it)")
    click.echo("rows:   " + ", ".join(f"{k} {v:,}" for k, v in result.rows.items()))
    click.echo("points: " + ", ".join(f"{k} {v:,}" for k, v in result.points.items()))


@demo.command("run")
@click.option("--files", "files", type=int, default=3, show_default=True)
@click.option("--scale", type=float, default=1.0, show_default=True)
@click.option("--no-push", is_flag=True, help="Skip `dvc push`.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def demo_run(files, scale, no_push, as_json):
    """Start the database, seed, `dvc repro -P`, `dvc push`, and summarise (what `make demo` runs)."""
    from momrel.demo.run import run_demo

    echo = (lambda m: None) if as_json else (lambda m: click.echo(f"-> {m}", err=True))
    result = run_demo(load_config(), files=files, scale=scale, push=not no_push, echo=echo)
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    from rich.table import Table

    table = Table(title=f"File content packages ({result.seconds:.1f} s)")
    for column in ("file_uuid", "version", "this run", "rows", "points", "size"):
        table.add_column(column)
    for p in result.packages:
        table.add_row(p.file_uuid, p.version, "exported" if p.exported else "unchanged",
                      f"{sum(p.rows.values()):,}", f"{sum(p.points.values()):,}",
                      f"{p.bytes / 1e6:.1f} MB")
    console().print(table)
    click.echo(f"database: {result.database}")
    click.echo(f"seeded this run: {len(result.seeded)} video(s)")
    if result.pushed:
        click.echo(f"dvc push: {result.pushed}")
    if result.imported:
        i = result.imported
        rows = sum(i["rows"].values())
        click.echo(f"target host ({i['clone']}): pulled and imported {i['target_uuid']} into "
                   f"schema {i['schema']}: {rows:,} rows in {i['seconds']:.1f} s "
                   f"({rows / max(i['seconds'], 1e-9):,.0f} rows/s), "
                   f"{sum(i['points'].values()):,} points")
    if result.branch:
        b = result.branch
        click.echo(f"branch {b['name']} ({b['commit'][:12]}): your branch plus the demo's "
                   "params.yaml, pipelines and lock files; your branch, index and files are untouched")
        click.echo(f"  pull elsewhere: {b['clone']}")
        click.echo(f"  or commit them on your branch: {b['commit_yourself']}")
    if result.schema_migration:
        m = result.schema_migration
        click.echo(f"schema v1 → v2 ({m['repository']}): {m['summary']}, "
                   f"{'verified' if m['verified'] else 'UNVERIFIED'} "
                   f"in {m['seconds']:.1f} s → {m['sql']}, {m['markdown']}")
        click.echo(f"  try: cd {m['repository']} && momrel schema diff v1 v2 --allow-hazards "
                   "[--format md]")
    if result.system:
        s = result.system
        click.echo(f"system packages from {s['source']} (the example source repository):")
        for p in s["packages"]:
            click.echo(f"  {p['environment']:4} {p['version']:13} {p['state']}: {p['path']}/ "
                       f"(previous {p['previous']}, {p['migration']}: {p['statements']} "
                       f"statement{'s' if p['statements'] != 1 else ''}"
                       + (f", hazards acknowledged: {', '.join(p['hazards'])}" if p['hazards'] else "")
                       + f", {'verified' if p['verified'] else 'NOT VERIFIED'})")
        click.echo(f"  the hook: {s['hook_outcome']}")
        if s.get("pushed"):
            click.echo(f"  dvc push: {s['pushed']}")
        click.echo("  try: momrel system list; momrel system verify " + s["packages"][-1]["path"])
        if s.get("host"):
            h = s["host"]
            click.echo(f"host upgrade ({h['app_dir']}, database {h['database']}, port {h['port']}):")
            for line in h["lines"]:
                click.echo(f"  {line}")
            click.echo(f"  try: momrel system status --app-dir {h['app_dir']} --database-url "
                       f"'{h['database_url']}' (the demo stopped the service)")


@demo.command("source")
@click.option("--path", "path", required=True, type=click.Path(path_type=Path),
              help="Where to create it: a new or empty folder.")
@click.option("--untagged-last", is_flag=True,
              help="Commit the last release without tagging it (tag it yourself, e.g. with hooks installed).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def demo_source(path, untagged_last, as_json):
    """An example Momentry source repository (Rust server, scripts, schema) with release tags."""
    from momrel.demo.source_repo import create_source_repository

    result = create_source_repository(path, tag_last=not untagged_last)
    if as_json:
        print_json(dataclasses.asdict(result) | {"path": str(result.path)})
        return
    click.echo(f"example source repository: {result.path}")
    click.echo(f"tags: {', '.join(result.tags)}")
    if untagged_last:
        click.echo("last commit not tagged; tag it (momrel's hooks build on the tag):")
        click.echo("  " + shlex.join(["git", "-C", str(result.path), "tag", "-a", result.last_tag,
                                      "-m", result.last_tag_message]))
    click.echo("build packages from its tags, in the content repository:")
    for command in result.build_commands():
        click.echo(f"  {command}")
