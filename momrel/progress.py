"""Progress bars on a terminal, nothing when output is not one (logs, CI, DVC stages)."""

from __future__ import annotations

import contextlib
import sys


class _NoProgress:
    enabled = False

    def task(self, description: str, total: int | None = None):
        return lambda advance=1: None


class _RichProgress:
    enabled = True

    def __init__(self, progress):
        self._progress = progress

    def task(self, description: str, total: int | None = None):
        task_id = self._progress.add_task(description, total=total)
        return lambda advance=1: self._progress.advance(task_id, advance)


@contextlib.contextmanager
def progress_bars(enabled: bool | None = None):
    """Yield an object whose ``task(description, total)`` returns an ``advance(n)`` callable."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn)

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=False) as bars:
        yield _RichProgress(bars)
