"""The `momrel` command line: a thin shell over the modules (no logic here).

One module per command group (db, demo, file, hooks, schema), as DVC's dvc/commands/*.py. A
command calls one function of a logic module, which returns a typed result, and renders it as
text or, with --json, as JSON. Every expected failure is a momrel.errors.MomrelError, printed as
one line `momrel: error: ...`; main() turns it into its exit code (the table in
momrel/errors.py).
"""

from __future__ import annotations

import json
import sys

import click

from momrel import __version__
from momrel.errors import ExitCode, MomrelError


# ---------------------------------------------------------------- helpers of every group
def load_config():
    from momrel.config import load

    return load()


def print_json(data) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


class HazardListCommand(click.Command):
    """`--allow-hazards` alone allows every kind; followed by kinds (`deletes-data,index-build`,
    or `all`) only those. Click's optional option values would swallow the next argument
    (`--allow-hazards v1 v2`), so the word after a bare flag is its value only when it reads as
    a list of kinds; `--allow-hazards=KINDS` always is."""

    def parse_args(self, ctx, args):
        from momrel.schema.hazards import looks_like_hazard_list

        rewritten, i = [], 0
        while i < len(args):
            if args[i] == "--":
                rewritten += args[i:]
                break
            if args[i] == "--allow-hazards":
                following = args[i + 1] if i + 1 < len(args) else None
                if following is not None and looks_like_hazard_list(following):
                    rewritten.append(f"--allow-hazards={following}")
                    i += 2
                    continue
                rewritten.append("--allow-hazards=all")
            else:
                rewritten.append(args[i])
            i += 1
        return super().parse_args(ctx, rewritten)


def console():
    from rich.console import Console

    return Console()


# ---------------------------------------------------------------- the root group
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="momrel")
def cli():
    """Release packaging for Momentry.

    \b
    File content packages:  momrel file add|export|import|verify|list|fingerprint
    Local database:         momrel db start|stop|status|url|init
    Demo data and job:      momrel demo seed|run|source
    Schema migrations:      momrel schema diff|apply|normalize|check-staged
    System packages:        momrel system build|list|verify|baseline|upgrade|status|rollback
    Git hooks:              momrel hooks install

    Configuration is params.yaml in the content repository (found upward from the current
    folder, or MOMREL_REPO). MOMREL_DATABASE_URL and MOMREL_QDRANT_URL point at real servers.

    Exit codes: 0 ok, 1 failure, 2 usage or configuration, 3 hazards refused, 4 verification
    failed, 5 migration refused, 130 interrupted (README.md, "Exit codes").
    """


# The groups use the helpers above, so they are imported once those exist.
from momrel.cli import db, demo, file, hooks, schema, system  # noqa: E402

for _group in (db.db, demo.demo, file.file, hooks.hooks, schema.schema, system.system):
    cli.add_command(_group)


# ---------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    import psycopg

    try:
        code = cli.main(args=argv, prog_name="momrel", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("momrel: aborted", err=True)
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except MomrelError as exc:
        click.echo(f"momrel: error: {exc}", err=True)
        return exc.exit_code
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        click.echo(f"momrel: error: database: {first}", err=True)
        return ExitCode.FAILURE
    except KeyboardInterrupt:
        click.echo("momrel: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except OSError as exc:
        # Disk full, permissions, a vanished file: still one line, never a traceback.
        where = f" ({exc.filename})" if exc.filename else ""
        click.echo(f"momrel: error: {exc.strerror or exc}{where}", err=True)
        return ExitCode.FAILURE
    # A command's own exit code (click.exceptions.Exit, e.g. `db status`), else done.
    return code if isinstance(code, int) else ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
