"""`momrel --help`: its overview names every command of every group."""

from __future__ import annotations

import re

import click

from momrel.cli import cli
from support import run_momrel


def test_overview_lists_every_subcommand_of_every_group():
    result = run_momrel("--help")
    assert result.returncode == 0, result.stderr
    help_text = result.stdout
    overview = {match.group(1): set(match.group(2).split("|"))
                for match in re.finditer(r"\bmomrel (\w+) ([\w|-]+)", help_text)}
    tree = {name: set(command.commands) for name, command in cli.commands.items()
            if isinstance(command, click.Group)}
    assert overview == tree
