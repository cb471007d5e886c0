"""Progress bars for long syncs, on a terminal only (rich); silent otherwise (and then
``rich.progress`` is not even imported: `syncd sync --json` and a sync into a pipe skip it).
A big derivation (a first sync, or everything derived again after an upgrade) gets a bar of
its own, a stage at a time; a cycle's few new messages get none."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from rules.plan import Action
from syncd.engine import Observer
from syncd.incremental import Progress as Progress_
from syncd.incremental import quiet

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, Task, TaskID
    from rich.text import Text

BIG = 5000  # messages to classify from which a derivation shows its stages


class BarObserver(Observer):
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}
        self._big, self._stage = False, ""

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

    def deriving(self, stage: str, done: int, total: int | None) -> None:
        """One bar for the derivation, naming its stage: "classifying" counts to the number
        of messages, "threading" counts up, the last stages only name themselves."""
        if stage == "classifying":
            self._big = _big(total)
        if not self._big:
            return
        task = self._tasks.get("\0deriving")
        if task is not None and stage != self._stage:
            self._progress.remove_task(task)  # (a stage's bar: its own total and time)
            task = None
        if task is None:
            self._stage = stage
            task = self._tasks["\0deriving"] = self._progress.add_task(
                f"deriving: {stage}", total=total)
        self._progress.update(task, completed=done)


def _big(total: int | None) -> bool:
    """A derivation that shows its stages: ``BIG`` messages or more to classify."""
    return total is not None and total >= BIG


def _count(task: Task) -> Text:
    """done/total, done alone when the total is not known ahead, nothing before the first."""
    from rich.text import Text

    done = int(task.completed)
    if task.total is not None:
        text = f"{done:,}/{int(task.total):,}"
    else:
        text = f"{done:,}" if done else ""
    return Text(text, style="progress.download")


@contextmanager
def bar_observer(console: Console, *, enabled: bool = True) -> Iterator[Observer]:
    if not enabled or not console.is_terminal:
        yield Observer()
        return
    with _bars(console) as progress:
        yield BarObserver(progress)


class _OnlyIfBig:
    """The derivation's bar for the read commands: nothing at all (no live display) unless
    a big derivation starts (the first command after an upgrade), then ``BarObserver``'s."""

    def __init__(self, console: Console, stack: ExitStack) -> None:
        self._console, self._stack = console, stack
        self._bar: BarObserver | None = None

    def deriving(self, stage: str, done: int, total: int | None) -> None:
        if self._bar is None:
            if stage != "classifying" or not _big(total):
                return
            self._bar = BarObserver(self._stack.enter_context(_bars(self._console)))
        self._bar.deriving(stage, done, total)


@contextmanager
def derive_bar(console: Console) -> Iterator[Progress_]:
    """A ``syncd.incremental.Progress`` that draws a big derivation on ``console`` (a
    terminal only), cleared when the block ends."""
    if not console.is_terminal:
        yield quiet
        return
    with ExitStack() as stack:
        yield _OnlyIfBig(console, stack).deriving


def _bars(console: Console) -> Progress:
    from rich.progress import (
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    class Count(ProgressColumn):
        def render(self, task: Task) -> Text:
            return _count(task)

    columns = (SpinnerColumn(), TextColumn("{task.description}"), Count(), TimeElapsedColumn())
    return Progress(*columns, console=console, transient=True)
