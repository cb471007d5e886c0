"""Progress bars for long syncs, on a terminal only (rich); silent otherwise (and then
``rich.progress`` is not even imported: `syncd sync --json` and a sync into a pipe skip it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rules.plan import Action
from syncd.engine import Observer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


class BarObserver(Observer):
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def page(self, account: str, items: int) -> None:
        task = self._tasks.get(account)
        if task is None:
            task = self._tasks[account] = self._progress.add_task(f"{account}: items", total=None)
        self._progress.advance(task, items)

    def applied(self, action: Action) -> None:
        task = self._tasks.get("\0calendar")
        if task is None:
            task = self._tasks["\0calendar"] = self._progress.add_task(
                "calendar: changes", total=None)
        self._progress.advance(task, 1)


@contextmanager
def bar_observer(console: Console, *, enabled: bool = True) -> Iterator[Observer]:
    if not enabled or not console.is_terminal:
        yield Observer()
        return
    from rich.progress import (
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield BarObserver(progress)
