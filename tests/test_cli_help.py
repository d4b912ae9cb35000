"""`momrel --help`: its overview names every command of every group."""

from __future__ import annotations

import re
import subprocess
import sys

import click

from momrel.cli import cli


def test_overview_lists_every_subcommand_of_every_group():
    help_text = subprocess.run([sys.executable, "-m", "momrel", "--help"], capture_output=True,
                               text=True, check=True).stdout
    overview = {match.group(1): set(match.group(2).split("|"))
                for match in re.finditer(r"\bmomrel (\w+) ([\w|-]+)", help_text)}
    tree = {name: set(command.commands) for name, command in cli.commands.items()
            if isinstance(command, click.Group)}
    assert overview == tree
