"""The command line as a package: `momrel --help`'s overview names every command of every group,
each group lives in its own module of momrel/cli/, both entry points run, and the exit codes are
the one table of momrel/errors.py, which README.md documents and every exception class follows."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import click

import momrel
from momrel import errors
from momrel.cli import cli
from momrel.errors import ExitCode
from support import PROJECT, env_outside_repositories, run_momrel

GROUPS = {"db", "demo", "file", "hooks", "schema", "system"}


def test_overview_lists_every_subcommand_of_every_group():
    result = run_momrel("--help")
    assert result.returncode == 0, result.stderr
    help_text = result.stdout
    overview = {match.group(1): set(match.group(2).split("|"))
                for match in re.finditer(r"\bmomrel (\w+) ([\w|-]+)", help_text)}
    tree = {name: {n for n, c in command.commands.items() if not c.hidden}
            for name, command in cli.commands.items() if isinstance(command, click.Group)}
    assert overview == tree


def test_each_group_is_a_module_of_momrel_cli():
    assert set(cli.commands) == GROUPS
    for name, group in cli.commands.items():
        assert group.callback.__module__ == f"momrel.cli.{name}"
        for command in group.commands.values():
            assert command.callback.__module__ == f"momrel.cli.{name}", command.name


def test_both_entry_points_run():
    """`python -m momrel` and the console script of pyproject.toml (momrel.cli:main)."""
    assert run_momrel("--version").stdout.startswith("momrel, version ")
    script = Path(sys.executable).parent / "momrel"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL)
    assert (result.returncode, result.stdout) == (0, run_momrel("--version").stdout)
    assert 'momrel = "momrel.cli:main"' in (PROJECT / "pyproject.toml").read_text()


def test_exit_code_table():
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0, "FAILURE": 1, "USAGE": 2, "HAZARDS_REFUSED": 3, "VERIFICATION_FAILED": 4,
        "MIGRATION_REFUSED": 5, "INTERRUPTED": 130}
    expected = {
        errors.MomrelError: 1, errors.GitError: 1, errors.RestoreFailed: 1,
        errors.MigrationFailed: 1, errors.UsageError: 2, errors.ConfigError: 2,
        errors.SchemaParseError: 2, errors.UnsupportedObject: 2, errors.SchemaRefused: 2,
        errors.MigrationFileError: 2, errors.HazardsRefused: 3, errors.PlanError: 2,
        errors.VerificationFailed: 4, errors.MigrationRefused: 5}
    assert {cls: cls.exit_code for cls in expected} == expected


def test_readme_documents_every_exit_code():
    readme = (PROJECT / "README.md").read_text()
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert documented == {int(code) for code in ExitCode}


def test_every_exception_class_is_defined_in_errors():
    """Imported from elsewhere, but defined once, beside the exit-code table."""
    defined_elsewhere = []
    for module_info in pkgutil.walk_packages(momrel.__path__, "momrel."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, errors.MomrelError)
                    and value.__module__ == module.__name__ and module.__name__ != "momrel.errors"):
                defined_elsewhere.append(f"{module.__name__}.{name}")
    assert defined_elsewhere == []


def test_db_status_outside_a_repository_is_a_configuration_error(tmp_path):
    result = run_momrel("db", "status", cwd=tmp_path, env=env_outside_repositories())
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.startswith("momrel: error: no params.yaml found")


def test_a_declined_confirmation_exits_130(content_repo):
    content_repo.ok("db", "init")
    result = content_repo.momrel("db", "init", "--reset")   # stdin closed: the answer is no
    assert result.returncode == ExitCode.INTERRUPTED
    assert result.stderr.rstrip().endswith("momrel: aborted")
    assert content_repo.sql("SELECT count(*) FROM dev.files") == [(0,)]  # still there, untouched
