"""`momrel hooks`: the content repository's git hooks, and the source repository's (momrel.hooks;
what the source hooks run is momrel.syspkg.taghook)."""

from __future__ import annotations

from pathlib import Path

import click

from momrel.cli import load_config
from momrel.errors import ExitCode


@click.group()
def hooks():
    """Git hooks of the content repository, and of the source repository (--source)."""


@hooks.command("install")
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Install the SOURCE repository's hooks instead: a created release tag builds "
                   "its system package into this content repository (prod for vX.Y.Z, dev for "
                   "pre-releases), a staged schema file must verify before a commit.")
def hooks_install(source):
    """Enable hooks/ (core.hooksPath): DVC checkout after git checkout, dvc push before git push.

    \b
    With --source DIR: install into that repository's hooks folder reference-transaction
    (git tag → the package is built in the background; log in
    .momrel/system-hook/build.log) and pre-commit (momrel schema check-staged); into a
    bare (central) repository, post-receive for pushed tags. Tags already there are not
    built. Re-run it to update the hooks.
    """
    from momrel import hooks as hooks_module
    from momrel.config import find_root

    if source is None:
        enabled = hooks_module.install(find_root())
        click.echo(f"enabled: {', '.join(enabled)}")
        return
    from momrel.syspkg import taghook

    root = find_root()
    for path in hooks_module.install_source_hooks(root, source):
        click.echo(f"installed: {path}")
    click.echo(f"builds log to: {taghook.build_log(root)}")


def _queue(content: Path, source: Path) -> None:
    from momrel.syspkg import taghook

    updates = taghook.parse_ref_updates(click.get_text_stream("stdin").read())
    for build in taghook.queue_builds(content, source, updates):
        click.echo(f"momrel: building the {build.env} package of {build.tag} in the background; "
                   f"log: {taghook.build_log(content)}", err=True)


@hooks.command("reference-transaction", hidden=True)
@click.option("--repo", "content", required=True, type=click.Path(path_type=Path))
@click.option("--source", required=True, type=click.Path(path_type=Path))
def hooks_reference_transaction(content, source):
    """Run by the source repository's reference-transaction hook: ref updates on stdin."""
    _queue(content, source)


@hooks.command("post-receive", hidden=True)
@click.option("--repo", "content", required=True, type=click.Path(path_type=Path))
@click.option("--source", required=True, type=click.Path(path_type=Path))
def hooks_post_receive(content, source):
    """Run by a central repository's post-receive hook: pushed ref updates on stdin."""
    _queue(content, source)


@hooks.command("build-tags", hidden=True)
@click.option("--source", required=True, type=click.Path(path_type=Path))
@click.argument("tags", nargs=-1, required=True)
def hooks_build_tags(source, tags):
    """The detached worker the tag hooks start: build each tag's package, log the outcome."""
    from momrel.syspkg import taghook

    outcomes = taghook.build_tags(load_config(), source, list(tags))
    if any(outcome.startswith("failed") for _, outcome in outcomes):
        raise click.exceptions.Exit(ExitCode.FAILURE)
