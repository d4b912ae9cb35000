"""Helpers shared by the tests (the fixtures are in conftest.py).

Exit codes (momrel/errors.py): 1 a general failure, 2 usage, configuration or unsupported
input, 3 hazards refused by `schema diff`, 4 verification failed or no plan, 130 interrupted.
"""

from __future__ import annotations

import contextlib

import pytest

from momrel.errors import MomrelError


@contextlib.contextmanager
def raises_momrel_error(exit_code: int, match: str | None = None):
    """The block raises a MomrelError the CLI would report with `exit_code`."""
    with pytest.raises(MomrelError, match=match) as info:
        yield info
    assert info.value.exit_code == exit_code, (info.value.exit_code, str(info.value))
