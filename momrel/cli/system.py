"""`momrel system`: system packages built from release tags of the Momentry source repository
(momrel.syspkg; docs/system-package.md)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from momrel.cli import HazardListCommand, load_config, print_json

ENVIRONMENTS = click.Choice(["dev", "prod"])


@click.group()
def system():
    """System packages: source, env file, schema, scripts, smoke test, migrations.

    \b
    release/system/{dev|prod}/{version}/ is built from a release tag of the Momentry
    source repository (params.yaml system.source): final tags (v1.4.0) make prod
    packages, pre-release tags (v1.4.0-dev.1) dev ones. `momrel hooks install --source
    DIR` makes `git tag` build them.
    """


@system.command("build", cls=HazardListCommand)
@click.option("--env", "env_name", type=ENVIRONMENTS, required=True,
              help="dev (schema dev, port 3003) or prod (schema public, port 3002).")
@click.option("--ref", required=True, help="The release tag (or any ref with --version).")
@click.option("--version", default=None, help="The package's version (default: the tag's name).")
@click.option("--prev", default=None,
              help="The release tag to migrate from (default: by semantic version, the highest "
                   "final tag below for prod, the highest tag below for dev).")
@click.option("--allow-hazards", metavar="[KINDS]", default=None,
              help="Acknowledge the migration's hazards: alone, every kind; or a comma list. An "
                   "annotated tag's message line `allow-hazards: KINDS` does the same.")
@click.option("--source", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The source repository (default: params.yaml system.source).")
@click.option("--force", is_flag=True, help="Replace an existing package that differs.")
@click.option("--scratch-url", envvar="MOMREL_SCRATCH_URL", default=None,
              help="PostgreSQL server for verifying the migrations (default: the embedded one).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
def system_build(env_name, ref, version, prev, allow_hazards, source, force, scratch_url, as_json):
    """Build release/system/{env}/{version}/ from a tag of the source repository.

    \b
    The migration from the previous release (up, and down for rollback) is diffed and
    verified; hazards must be acknowledged. Secrets in the variables or in a .env file
    of the source tree are refused. Built in a hidden folder and renamed into place
    last; the same tag built twice gives identical bytes. Then `dvc add`.
    Exit codes: 0 built (or already identical); 1 failure; 2 usage, configuration,
    secret, schema does not parse; 3 hazards not acknowledged; 4 verification failed.
    """
    from momrel.schema.hazards import allowed_hazards
    from momrel.syspkg.build import build_package

    echo = (lambda m: None) if as_json else (lambda m: click.echo(f"-> {m}", err=True))
    built = build_package(load_config(), env_name, ref, version=version, prev=prev,
                          allow_hazards=allowed_hazards(allow_hazards), source=source, force=force,
                          scratch_url=scratch_url, progress=echo)
    if as_json:
        print_json(built.as_json())
        return
    click.echo(f"{built.state}: {built.path} ({built.environment} {built.version}, previous "
               f"{built.previous or 'none'}, {built.statements} migration statement(s)"
               + (f", hazards acknowledged: {', '.join(built.hazards)}" if built.hazards else "") + ")")
    if built.tracked:
        click.echo(f"tracked by DVC: {built.tracked} (commit it; `dvc push` uploads the package)")


@system.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def system_list(as_json):
    """Built system packages per environment, with their previous version and state."""
    from momrel.syspkg.inventory import list_packages

    packages = list_packages(load_config())
    if as_json:
        print_json([p.as_json() for p in packages])
        return
    if not packages:
        click.echo("no system packages yet (momrel system build --env prod --ref v1.4.0)")
        return
    for p in packages:
        click.echo(f"{p.environment:5} {p.version:16} previous {p.previous or '-':16} {p.state}"
                   + (f", {p.hazards} hazard(s)" if p.hazards else ""))


@system.command("verify")
@click.argument("package_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def system_verify(package_dir, as_json):
    """Check a system package: checksums, completeness, release.json, archive, env file,
    migrations. Exit 0 when intact, 1 otherwise (every problem listed)."""
    from momrel.errors import ExitCode
    from momrel.errors import PackageInvalid
    from momrel.syspkg.inventory import verify_package

    check = verify_package(package_dir, ("dev", "prod"))
    if as_json:
        print_json(check.as_json())
        if not check.ok:
            raise click.exceptions.Exit(ExitCode.FAILURE)
        return
    if check.ok:
        f = check.facts
        click.echo(f"ok: {package_dir} ({f.environment} {f.version}, previous {f.previous_version}, "
                   f"{check.files} files)")
        return
    for problem in check.problems[1:]:
        click.echo(f"  {problem}", err=True)
    raise PackageInvalid(f"{package_dir}: {len(check.problems)} problem(s): {check.problems[0]}")


@system.command("baseline")
@click.option("--env", "env_name", type=ENVIRONMENTS, required=True,
              help="The environment whose schema the database holds (dev or prod).")
@click.option("--version", required=True, help="The release the live schema is at (v1.3.0).")
@click.option("--database-url", default=None,
              help="The database (default: MOMREL_DATABASE_URL, else the embedded server).")
@click.option("--source", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The source repository, when VERSION has no built package (default: "
                   "params.yaml system.source).")
@click.option("--scratch-url", envvar="MOMREL_SCRATCH_URL", default=None,
              help="PostgreSQL server to load the release's schema in (default: the embedded one).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
def system_baseline(env_name, version, database_url, source, scratch_url, as_json):
    """Adopt a database made before momrel kept its release history: record VERSION as the
    release its schema is at.

    \b
    The live schema must equal VERSION's (from its package, else from the source
    repository at that tag); the history must be empty. Exit codes: 0 recorded; 1
    failure; 2 usage or configuration; 5 refused (schema differs, or a history exists):
    nothing was written.
    """
    from momrel.syspkg.history import baseline_database

    done = baseline_database(load_config(), env_name, version, database_url, source, scratch_url)
    if as_json:
        print_json(done.as_json())
        return
    click.echo(f"baseline: schema {done.schema} at {done.row.version} ({done.row.environment}, "
               f"history rank {done.row.rank}; schema from {done.schema_from})")


@contextlib.contextmanager
def _report_of_a_failure(as_json: bool):
    """With --json, a failed upgrade or rollback still prints its report (the steps done, the
    one that failed, those undone) before main() prints the one-line error and exits 1."""
    from momrel.errors import UpgradeFailed

    try:
        yield
    except UpgradeFailed as failure:
        if as_json and failure.report is not None:
            print_json(failure.report.as_json())
        raise


APP_DIR_HELP = "The host's app dir: releases/{version}/, current, shared/env, run/, logs/."
DATABASE_URL_HELP = "The host's database (default: MOMREL_DATABASE_URL, else the embedded one)."


@system.command("upgrade")
@click.argument("package_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--app-dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help=APP_DIR_HELP)
@click.option("--database-url", default=None, help=DATABASE_URL_HELP)
@click.option("--dry-run", is_flag=True, help="Print the plan (steps, statements, hazards); change nothing.")
@click.option("--keep", type=click.IntRange(2, 1000), default=None,
              help="Release folders to keep (default: params.yaml system.keep_releases).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def system_upgrade(package_dir, app_dir, database_url, dry_run, keep, as_json):
    """Upgrade a host to a system package, or leave it as it was.

    \b
    lock → verify → check database → unpack → migrate → build → switch → restart + smoke test.
    A refusal before the migration changes nothing (exit 1, 2 or 5). A failure from the
    migration on undoes what was done, in reverse (down migration, current back, the
    previous service restarted) and exits 1 naming the step with the tail of its output.
    """
    from momrel.syspkg.upgrade import upgrade

    echo = (lambda m: None) if as_json else (lambda m: click.echo(f"-> {m}", err=True))
    with _report_of_a_failure(as_json):
        report = upgrade(load_config(), package_dir, app_dir, database_url, dry_run=dry_run,
                         keep=keep, progress=echo)
    if as_json:
        print_json(report.as_json())
        return
    if dry_run:
        click.echo(f"plan: {report.environment} {report.previous or 'none'} → {report.version} "
                   f"in {report.app_dir} (dry run: nothing changed)")
        for line in report.plan:
            click.echo(f"  {line}")
        return
    total = sum(s.seconds for s in report.steps)
    click.echo(f"upgraded {report.app_dir} to {report.version} ({report.environment}) in {total:.1f} s")


@system.command("rollback")
@click.option("--app-dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help=APP_DIR_HELP)
@click.option("--database-url", default=None, help=DATABASE_URL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def system_rollback(app_dir, database_url, as_json):
    """Back to the previous release: down migration, switch, restart, smoke test."""
    from momrel.syspkg.upgrade import rollback

    echo = (lambda m: None) if as_json else (lambda m: click.echo(f"-> {m}", err=True))
    with _report_of_a_failure(as_json):
        report = rollback(load_config(), app_dir, database_url, progress=echo)
    if as_json:
        print_json(report.as_json())
        return
    click.echo(f"rolled back {report.app_dir} from {report.previous} to {report.version}")


@system.command("status")
@click.option("--app-dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help=APP_DIR_HELP)
@click.option("--database-url", default=None, help=DATABASE_URL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def system_status(app_dir, database_url, as_json):
    """The host's current release, the database's version and history, the service's answer."""
    from momrel.syspkg.upgrade import host_status

    state = host_status(load_config(), app_dir, database_url)
    if as_json:
        print_json(state.as_json())
        return
    click.echo(f"app dir:   {state.app_dir} ({state.environment or 'no environment yet'})")
    click.echo(f"current:   {state.current or '-'}   releases: {', '.join(state.releases) or '-'}")
    click.echo(f"database:  {state.database or '-'}")
    for row in state.history:
        click.echo(f"  #{row['rank']} {row['kind']:8} {row['version']:14} from "
                   f"{row['previous_version'] or '-':14} {'ok' if row['success'] else 'FAILED'}"
                   + (" rolled back" if row.get('rolled_back_at') else ""))
    click.echo("service:   " + (f"answers {state.service}" if state.service else "not answering"))
    for problem in state.problems:
        click.echo(f"  {problem}", err=True)
