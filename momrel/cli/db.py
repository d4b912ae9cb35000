"""`momrel db`: the embedded PostgreSQL and the Momentry schema (momrel.database)."""

from __future__ import annotations

import click

from momrel.cli import load_config, print_json
from momrel.errors import ExitCode


@click.group()
def db():
    """The embedded PostgreSQL kept under .momrel/pg (or the server of MOMREL_DATABASE_URL)."""


@db.command("start")
def db_start():
    """Initialise (first time) and start the embedded server; print its URL."""
    from momrel.config import find_root
    from momrel.database import embedded_server

    click.echo(embedded_server(find_root()).start())


@db.command("stop")
def db_stop():
    """Stop the embedded server."""
    from momrel.config import find_root
    from momrel.database import embedded_server

    click.echo("stopped" if embedded_server(find_root()).stop() else "not running")


@db.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def db_status(as_json):
    """Whether the embedded server runs, and its URL. Exit 0 when it runs, 1 when it does not."""
    from momrel.config import find_root
    from momrel.database import embedded_status

    status = embedded_status(find_root())
    if as_json:
        print_json(status.as_json())
    else:
        click.echo(f"running at {status.url}" if status.running else "not running")
    if not status.running:
        raise click.exceptions.Exit(ExitCode.FAILURE)


@db.command("url")
def db_url():
    """Print the database URL momrel uses (MOMREL_DATABASE_URL or the embedded server)."""
    from momrel.config import find_root
    from momrel.database import database_url

    click.echo(database_url(find_root()))


@db.command("init")
@click.option("--reset", is_flag=True, help="Drop each environment's schema first (deletes its data).")
@click.option("--yes", is_flag=True, help="Do not ask before --reset drops data.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def db_init(reset, yes, as_json):
    """Create the Momentry tables (params.yaml schema_file) in every environment's schema."""
    from momrel import pg
    from momrel.database import database_url, init_database

    config = load_config()
    url = database_url(config.root)
    if reset and not yes:
        schemas = ", ".join(e.schema for e in config.environments.values())
        click.confirm(f"Drop schemas {schemas} with all their data on {pg.redact(url)}?", abort=True)
    result = init_database(config, url, reset=reset)
    if as_json:
        print_json(result.as_json())
    elif result.created:
        click.echo(f"created schema in: {', '.join(result.created)}")
    else:
        click.echo("schemas already initialised")
