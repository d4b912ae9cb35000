"""The `momrel` command line: a thin shell over the modules (no logic here).

Every expected failure is a MomrelError, printed as one line `momrel: error: ...` with a
non-zero exit code (1, or 2 for configuration and usage errors).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from momrel import __version__
from momrel.errors import MomrelError, UsageError


def _config():
    from momrel.config import load

    return load()


def _print_json(data) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


def _console():
    from rich.console import Console

    return Console()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="momrel")
def cli():
    """Release packaging for Momentry.

    \b
    File content packages:  momrel file add|export|import|verify|list|fingerprint
    Local database:         momrel db start|stop|status|url|init
    Demo data and job:      momrel demo seed|run
    Schema migrations:      momrel schema diff|normalize
    Git hooks:              momrel hooks install

    Configuration is params.yaml in the content repository (found upward from the current
    folder, or MOMREL_REPO). MOMREL_DATABASE_URL and MOMREL_QDRANT_URL point at real servers.
    """


# ---------------------------------------------------------------- db
@cli.group()
def db():
    """The embedded PostgreSQL kept under .momrel/pg (or the server of MOMREL_DATABASE_URL)."""


def _embedded():
    from momrel.config import find_root
    from momrel.database import embedded_server

    return embedded_server(find_root())


@db.command("start")
def db_start():
    """Initialise (first time) and start the embedded server; print its URL."""
    click.echo(_embedded().start())


@db.command("stop")
def db_stop():
    """Stop the embedded server."""
    click.echo("stopped" if _embedded().stop() else "not running")


@db.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def db_status(as_json):
    """Whether the embedded server runs, and its URL."""
    server = _embedded()
    running = server.is_running()
    url = server.url() if running else None
    if as_json:
        _print_json({"running": running, "url": url})
    else:
        click.echo(f"running at {url}" if running else "not running")
    if not running:
        sys.exit(3)


@db.command("url")
def db_url():
    """Print the database URL momrel uses (MOMREL_DATABASE_URL or the embedded server)."""
    from momrel.config import find_root
    from momrel.database import database_url

    click.echo(database_url(find_root()))


@db.command("init")
@click.option("--reset", is_flag=True, help="Drop each environment's schema first (deletes its data).")
@click.option("--yes", is_flag=True, help="Do not ask before --reset drops data.")
def db_init(reset, yes):
    """Create the Momentry tables (params.yaml schema_file) in every environment's schema."""
    from momrel import pg
    from momrel.database import database_url, init_database

    config = _config()
    url = database_url(config.root)
    if reset and not yes:
        schemas = ", ".join(e.schema for e in config.environments.values())
        click.confirm(f"Drop schemas {schemas} with all their data on {pg.redact(url)}?", abort=True)
    created = init_database(config, url, reset=reset)
    click.echo(f"created schema in: {', '.join(created)}" if created else "schemas already initialised")


# ---------------------------------------------------------------- demo
@cli.group()
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
    from momrel import pg, vectors
    from momrel.database import database_url
    from momrel.demo import seed as seeding
    from momrel.progress import progress_bars

    config = _config()
    env = config.env(env_name)
    with pg.connect(database_url(config.root)) as conn, \
            vectors.open_client(config.root) as client, progress_bars() as bars:
        result = seeding.seed(config, env, conn, client, files=files, scale=scale, reset=reset,
                              progress=bars)
        conn.commit()
    if as_json:
        _print_json(result.__dict__)
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
    result = run_demo(_config(), files=files, scale=scale, push=not no_push, echo=echo)
    if as_json:
        data = dict(result.__dict__)
        data["packages"] = [p.__dict__ for p in result.packages]
        _print_json(data)
        return
    from rich.table import Table

    table = Table(title=f"File content packages ({result.seconds:.1f} s)")
    for column in ("file_uuid", "version", "this run", "rows", "points", "size"):
        table.add_column(column)
    for p in result.packages:
        table.add_row(p.file_uuid, p.version, "exported" if p.exported else "unchanged",
                      f"{sum(p.rows.values()):,}", f"{sum(p.points.values()):,}",
                      f"{p.bytes / 1e6:.1f} MB")
    _console().print(table)
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


# ---------------------------------------------------------------- file
@cli.group()
def file():
    """File content packages: release/files/{file_uuid}/{version}/."""


@file.command("add")
@click.argument("file_uuid")
@click.option("--version", "version", required=True, help="Package version, e.g. 1.0.0.")
def file_add(file_uuid, version):
    """Record FILE_UUID in params.yaml and generate its DVC pipeline."""
    from momrel.filepkg import pipeline

    config, changed = pipeline.add_file(_config(), file_uuid, version)
    path = pipeline.pipeline_dir(config, file_uuid.lower()) / "dvc.yaml"
    click.echo(f"{'added' if changed else 'unchanged'}: {file_uuid.lower()} {version} "
               f"({path.relative_to(config.root)})")


@file.command("export")
@click.option("--uuid", "file_uuid", required=True, help="The file (video) uuid.")
@click.option("--version", "version", default=None, help="Package version (default: params.yaml).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Package folder (default: {release_dir}/{uuid}/{version}).")
@click.option("--env", "env_name", default=None, help="Source environment (default: source_env).")
@click.option("--force", is_flag=True, help="Replace a published version with different content.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
def file_export(file_uuid, version, out, env_name, force, as_json):
    """Export one file's rows, points and processor JSON as a package."""
    from momrel.filepkg.export import export_file

    result = export_file(_config(), file_uuid, version=version, out=out, env_name=env_name,
                         force=force)
    if as_json:
        _print_json(result.as_json())
    else:
        rows = sum(result.rows.values())
        click.echo(f"{result.status}: {result.package} ({rows:,} rows, "
                   f"{sum(result.points.values()):,} points, {result.bytes / 1e6:.1f} MB, "
                   f"{result.seconds:.1f} s)")


@file.command("import")
@click.option("--package", "package", required=True, type=click.Path(path_type=Path),
              help="The package folder (release/files/{uuid}/{version}).")
@click.option("--env", "env_name", required=True, help="Target environment (params.yaml), e.g. dev or prod.")
@click.option("--uuid", "target_uuid", default=None,
              help="Import as this file uuid (default: the package's own, or the register API's).")
@click.option("--register-url", default=None,
              help="Momentry API base URL: POST {URL}/api/v1/files/register for the target uuid.")
@click.option("--register-timeout", type=float, default=10.0, show_default=True,
              help="Seconds to wait for the register API.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
def file_import(package, env_name, target_uuid, register_url, register_timeout, as_json):
    """Import a package into an environment: rows, points, processor JSON, then status.

    The package is verified into a private copy and checked against params.yaml and the
    target before anything changes (docs/import.md). All or nothing: a failure puts the
    file's previous rows, points, JSON and status back; after a crash, the next import does.
    """
    from momrel.filepkg.importer import import_package

    if target_uuid and register_url:
        raise UsageError("--uuid and --register-url are alternatives: give one")
    result = import_package(_config(), package, env_name, target_uuid=target_uuid,
                            register_url=register_url, register_timeout=register_timeout)
    if as_json:
        _print_json(result.as_json())
    else:
        for recovered in result.recovered:
            click.echo(f"put back {recovered}: a killed import had left it half-changed")
        click.echo(f"imported {result.source_uuid} as {result.target_uuid} into {result.schema} "
                   f"({sum(result.rows.values()):,} rows, {sum(result.points.values()):,} points, "
                   f"{result.processors} processor files, {result.seconds:.1f} s)")


@file.command("fingerprint")
@click.option("--uuid", "file_uuid", required=True)
@click.option("--env", "env_name", default=None)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the fingerprint file here (DVC's fingerprint stage).")
def file_fingerprint(file_uuid, env_name, out):
    """Content hash of one file's current data (what export would write)."""
    from momrel.filepkg import fingerprint

    result = fingerprint.compute(_config(), file_uuid, env_name, show_progress=None)
    if out is not None:
        fingerprint.write(result, out)
    else:
        click.echo(result.render().decode(), nl=False)


@file.command("verify")
@click.argument("package", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def file_verify(package, as_json):
    """Check a package folder: complete, checksums valid, counts consistent."""
    from momrel.filepkg.verify import verify_package

    report = verify_package(package)
    if as_json:
        _print_json(report.as_json())
    else:
        click.echo(f"ok: {package} ({report.file_uuid} {report.version}, {report.files} files, "
                   f"{sum(report.rows.values()):,} rows, {sum(report.points.values()):,} points)")


@file.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-check", is_flag=True, help="Do not compare with the database (fast).")
def file_list(as_json, no_check):
    """Configured files, their versions, and whether each package is missing, up to date or stale
    (with --no-check: present, not compared with the data)."""
    from momrel.filepkg.status import list_packages

    statuses = list_packages(_config(), check_data=not no_check)
    if as_json:
        _print_json([s.as_json() for s in statuses])
        return
    from rich.table import Table

    table = Table()
    for column in ("file_uuid", "version", "state", "detail"):
        table.add_column(column)
    styles = {"up-to-date": "green", "present": "cyan", "stale": "yellow", "missing": "red",
              "invalid": "red"}
    for s in statuses:
        state = f"[{styles[s.state]}]{s.state}[/]" if s.state in styles else s.state
        table.add_row(s.file_uuid, s.version, state, s.detail)
    _console().print(table)


# ---------------------------------------------------------------- hooks
@cli.group()
def hooks():
    """Git hooks of the content repository."""


@hooks.command("install")
def hooks_install():
    """Enable hooks/ (core.hooksPath): DVC checkout after git checkout, dvc push before git push."""
    from momrel import hooks as hooks_module
    from momrel.config import find_root

    enabled = hooks_module.install(find_root())
    click.echo(f"enabled: {', '.join(enabled)}")


# ---------------------------------------------------------------- schema
@cli.group()
def schema():
    """Schema migrations generated by diffing the committed schema SQL (docs/schema-diff.md)."""


@schema.command("diff")
@click.argument("from_source", metavar="FROM")
@click.argument("to_source", metavar="TO")
@click.option("--schema", "target", default="public", show_default=True,
              help="Render the migration for this schema (dev or public); schema files are neutral.")
@click.option("--format", "output_format", type=click.Choice(["sql", "md", "json"]), default="sql",
              show_default=True, help="sql: the migration; md: a review summary; json: the plan.")
@click.option("--down", is_flag=True, help="Emit the reverse migration (TO → FROM).")
@click.option("--allow-hazards", is_flag=True,
              help="Emit statements that carry hazards (otherwise exit 3 and list them).")
@click.option("--scratch-url", envvar="MOMREL_SCRATCH_URL", default=None,
              help="PostgreSQL server for scratch databases (use production's major version). "
                   "Default: the running embedded server, else a throwaway one.  [env: MOMREL_SCRATCH_URL]")
@click.option("--no-verify", is_flag=True,
              help="Skip verification (the output then says UNVERIFIED).")
def schema_diff(from_source, to_source, target, output_format, down, allow_hazards, scratch_url,
                no_verify):
    """Migration from the schema at FROM to the schema at TO.

    \b
    FROM and TO are git refs (the configured schema file at that ref: v1.3.0, HEAD,
    origin/main), WORKTREE (the file as it is now), or paths to .sql files.
    Exit codes: 0 changes (or none) emitted; 2 usage, parse or unsupported statement;
    3 hazardous statements without --allow-hazards (listed on stderr, nothing on stdout);
    4 verification failed.
    """
    from momrel.schema import cli_support

    click.echo(cli_support.schema_diff(from_source, to_source, target, output_format, down,
                                       allow_hazards, scratch_url, not no_verify), nl=False)


@schema.command("normalize")
@click.argument("path", type=click.Path(dir_okay=False))
def schema_normalize(path):
    """Print a schema file in canonical form (the git textconv driver for schema diffs)."""
    from momrel.schema import cli_support

    click.echo(cli_support.schema_normalize(Path(path)), nl=False)


# ---------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    import psycopg

    try:
        cli.main(args=argv, prog_name="momrel", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("momrel: aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except MomrelError as exc:
        click.echo(f"momrel: error: {exc}", err=True)
        return exc.exit_code
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        click.echo(f"momrel: error: database: {first}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("momrel: interrupted", err=True)
        return 130
    except OSError as exc:
        # Disk full, permissions, a vanished file: still one line, never a traceback.
        where = f" ({exc.filename})" if exc.filename else ""
        click.echo(f"momrel: error: {exc.strerror or exc}{where}", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
