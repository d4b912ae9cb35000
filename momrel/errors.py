"""The one exception type the CLI turns into a single readable line and a non-zero exit."""


def shown(value) -> str:
    """A value from outside as a one-line message shows it: repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class MomrelError(Exception):
    """An expected failure: bad input, missing data, unreachable service.

    The message is shown to the user as is, so it must be one line that says what is wrong
    and, where possible, what to do about it.
    """

    exit_code = 1


class UsageError(MomrelError):
    """Options that cannot go together (click's own usage errors cover the rest)."""

    exit_code = 2


class ConfigError(MomrelError):
    """params.yaml (or an environment variable) is invalid."""

    exit_code = 2
