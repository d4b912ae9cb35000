"""Every exception momrel raises on purpose, and the exit code each one ends the CLI with.

An expected failure is a MomrelError: the CLI (momrel.cli.main) prints its message as one line,
`momrel: error: MESSAGE`, and exits with the error's `exit_code`. Anything else is a bug and
keeps its traceback. The codes, also documented in README.md ("Exit codes"):

====  ====================  ==============================================================
code  ExitCode              meaning
====  ====================  ==============================================================
0     OK                    done
1     FAILURE               an expected failure: a refused package, missing data, a server
                            that cannot be reached, a statement or a git command that failed
2     USAGE                 the command cannot work as given: usage (click's own errors
                            too), configuration (params.yaml, environment variables, also
                            when found against the database), unsupported or unparsable
                            input (schema files, migration files), a schema change
                            momrel refuses to generate (or cannot order)
3     HAZARDS_REFUSED       `schema diff`: statements carry hazards --allow-hazards did not
                            allow; they are listed, nothing is printed on stdout
4     VERIFICATION_FAILED   `schema diff`: the migration did not verify
5     MIGRATION_REFUSED     `schema apply`: the database is not where the migration starts;
                            nothing was run (`system baseline`: the live schema is not the
                            release's, or it has a release history; nothing was written)
130   INTERRUPTED           Ctrl-C, or a confirmation answered no
====  ====================  ==============================================================

`momrel db status` exits 1 when the embedded server is not running (a failed check, like
`momrel file verify`), 0 when it runs.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    HAZARDS_REFUSED = 3
    VERIFICATION_FAILED = 4
    MIGRATION_REFUSED = 5
    INTERRUPTED = 130


def shown(value) -> str:
    """A value from outside as a one-line message shows it: repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def named(value: str) -> str:
    """A name someone typed (a ref, a path) as a message shows it: as typed when it is one
    short printable line, else shown()."""
    return value if value and value.isprintable() and len(value) <= 60 else shown(value)


# ---------------------------------------------------------------- the base classes
class MomrelError(Exception):
    """An expected failure: bad input, missing data, unreachable service.

    The message is shown to the user as is, so it must be one line that says what is wrong
    and, where possible, what to do about it.
    """

    exit_code = ExitCode.FAILURE


class UsageError(MomrelError):
    """Options that cannot go together, or input momrel does not take (click's own usage
    errors cover the rest)."""

    exit_code = ExitCode.USAGE


class ConfigError(MomrelError):
    """params.yaml (or an environment variable) is invalid, or names what the database lacks."""

    exit_code = ExitCode.USAGE


# ---------------------------------------------------------------- git (momrel.gitrepo)
class GitError(MomrelError):
    """A repository that cannot be opened, a ref or path it does not have, a git command that
    failed: one line naming the repository and what was asked."""


class NotARepository(GitError):
    pass


class UnknownRef(GitError):
    def __init__(self, message: str, ref: str):
        super().__init__(message)
        self.ref = ref


class MissingPath(GitError):
    """No file at `path` in that commit; `reason` says what is there instead."""

    def __init__(self, ref: str, path: str, commit: str, reason: str):
        super().__init__(f"{named(path)} {reason} at {named(ref)} (commit {commit[:12]})")
        self.ref, self.path, self.commit, self.reason = ref, path, commit, reason


# ---------------------------------------------------------------- file content packages
class RestoreFailed(MomrelError):
    """The import failed and putting the target back failed too; the saved state is kept."""


# ---------------------------------------------------------------- schema migrations
class SchemaParseError(UsageError):
    """The schema file cannot be diffed: bad SQL, an unsupported statement, a bad annotation."""


class UnsupportedObject(UsageError):
    """The database holds an object of a kind momrel does not diff."""


class SchemaRefused(UsageError):
    """A change momrel will not generate (it would need a hand-written migration)."""


class MigrationFileError(UsageError):
    """A migration JSON document that is not one, or not one momrel wrote."""


class HazardsRefused(MomrelError):
    """Statements carry hazards that --allow-hazards did not allow."""

    exit_code = ExitCode.HAZARDS_REFUSED


class PlanError(SchemaRefused):
    """The statements cannot be ordered (they depend on each other in a cycle): a change momrel
    refuses to generate, named by its objects, rather than an order guessed around it."""


class VerificationFailed(MomrelError):
    """The migration, run on a scratch copy of FROM, does not give TO."""

    exit_code = ExitCode.VERIFICATION_FAILED


class MigrationRefused(MomrelError):
    """The database is not where the migration starts: nothing was run."""

    exit_code = ExitCode.MIGRATION_REFUSED


class MigrationFailed(MomrelError):
    """A statement failed; the message says what of the migration stayed applied.

    `statement` and `section` are momrel.schema.migration's Statement and Section."""

    def __init__(self, message: str, statement, section, cause: str):
        super().__init__(message)
        self.statement, self.section, self.cause = statement, section, cause


# ---------------------------------------------------------------- system packages
class SecretRefused(UsageError):
    """A secret would enter a system package (a variable, a URL, a .env file of the source)."""


class ReleaseFileError(MomrelError):
    """release.json is missing a field, has a wrong type, or is not a release document."""


class PackageInvalid(MomrelError):
    """A system package that fails verification."""


class BaselineRefused(MomrelError):
    """`system baseline`: the database already has a release history, or its live schema is not
    the release's; nothing was written."""

    exit_code = ExitCode.MIGRATION_REFUSED


class UpgradeFailed(MomrelError):
    """A step of a system upgrade failed; the steps done before it were undone (the message
    says whether the rollback completed). `report` is the upgrade's report (steps and their
    states), set by the runner."""

    report = None
