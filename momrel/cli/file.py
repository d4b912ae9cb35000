"""`momrel file`: file content packages (momrel.filepkg): add, export, import, verify, list,
fingerprint."""

from __future__ import annotations

from pathlib import Path

import click

from momrel.cli import console, load_config, print_json
from momrel.errors import UsageError


@click.group()
def file():
    """File content packages: release/files/{file_uuid}/{version}/."""


@file.command("add")
@click.argument("file_uuid")
@click.option("--version", "version", required=True, help="Package version, e.g. 1.0.0.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
def file_add(file_uuid, version, as_json):
    """Record FILE_UUID in params.yaml and generate its DVC pipeline."""
    from momrel.filepkg import pipeline

    added = pipeline.add_file(load_config(), file_uuid, version)
    if as_json:
        print_json(added.as_json())
        return
    click.echo(f"{'added' if added.changed else 'unchanged'}: {added.file_uuid} {added.version} "
               f"({added.as_json()['pipeline']})")


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

    result = export_file(load_config(), file_uuid, version=version, out=out, env_name=env_name,
                         force=force)
    if as_json:
        print_json(result.as_json())
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
    result = import_package(load_config(), package, env_name, target_uuid=target_uuid,
                            register_url=register_url, register_timeout=register_timeout)
    if as_json:
        print_json(result.as_json())
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

    result = fingerprint.compute(load_config(), file_uuid, env_name, show_progress=None)
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
        print_json(report.as_json())
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

    statuses = list_packages(load_config(), check_data=not no_check)
    if as_json:
        print_json([s.as_json() for s in statuses])
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
    console().print(table)
