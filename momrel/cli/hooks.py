"""`momrel hooks`: the content repository's git hooks (momrel.hooks)."""

from __future__ import annotations

import click


@click.group()
def hooks():
    """Git hooks of the content repository."""


@hooks.command("install")
def hooks_install():
    """Enable hooks/ (core.hooksPath): DVC checkout after git checkout, dvc push before git push."""
    from momrel import hooks as hooks_module
    from momrel.config import find_root

    enabled = hooks_module.install(find_root())
    click.echo(f"enabled: {', '.join(enabled)}")
