"""What counts for a person in ``syncd why``, read from the store a row at a time.

A person with hundreds of thousands of interactions has an answer that long: ``--json`` writes
every row as it is read (``views.write_json``) and the table shows a summary and the newest
rows (``NEWEST``, or all with ``--all``), so neither holds the history in memory. Each row's
place in the person's thread (the message before it, the first, whether it is the last) is
followed as the rows go by, from how many each thread has, and its role is worded by
``why_person.role``, as ``why.explain_person`` words a history held in memory (a test holds the
two equal).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any

from syncd.commands.why_person import role
from syncd.config import Config
from syncd.store import Store
from syncd.store.history import HistoryRow

NEWEST = 50  # rows the table shows of a long history
# a row, the direction and time of the person's message before it in its thread (None for the
# first, and for meetings and logged touches), the direction of the first, whether it is last
Placed = tuple[HistoryRow, tuple[str, float] | None, str, bool]


class StoredHistory:
    """The ``counted`` rows of one person's ``why``, read from ``store`` when iterated (so
    only while it is open); ``len`` counts them, ``newest(n)`` gives the last ``n``."""

    def __init__(self, config: Config, store: Store, person: str, now: datetime, tz: tzinfo
                 ) -> None:
        self._config, self._store, self._person, self._now, self._tz = (
            config, store, person, now, tz)

    def __len__(self) -> int:
        return self._store.history.size(self._person)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._row, self._placed())

    def newest(self, n: int) -> list[dict[str, Any]]:
        """The newest ``n`` rows, oldest first (each row's place needs the ones before it:
        all are read, only these worded)."""
        return [self._row(placed) for placed in deque(self._placed(), maxlen=n)]

    def refs(self) -> set[str]:
        """The meetings and logged touches among them (what ``not_counted`` must skip; the
        messages it is given are none of the person's interactions already)."""
        return self._store.history.threadless_refs(self._person)

    def _placed(self) -> Iterator[Placed]:
        history = self._store.history
        return placed(history.rows(self._person), history.thread_sizes(self._person))

    def _row(self, placed: Placed) -> dict[str, Any]:
        (ref, ts, direction, thread, subject, direct), before, first, last = placed
        at = datetime.fromtimestamp(ts, UTC)
        why = role(direction, bool(direct), at, self._now, self._config,
                   before=None if before is None
                   else (before[0], datetime.fromtimestamp(before[1], UTC)),
                   started=first, last=last)
        return {"at": at.astimezone(self._tz).isoformat(),
                "kind": direction if direction in ("meeting", "logged") else "message",
                "ref": ref, "direction": direction, "subject": subject, "thread": thread or None,
                "why": why}


def placed(rows: Iterable[HistoryRow], sizes: dict[str, int]) -> Iterator[Placed]:
    """Each of one person's ``rows`` (in time order) with its place in its thread; ``sizes``:
    how many rows each thread has (emptied as they go by)."""
    open_: dict[str, tuple[str, str, float]] = {}  # thread -> first direction, last one's
    for row in rows:
        direction, thread = row[2], row[3]
        if direction in ("meeting", "logged"):
            yield row, None, "", False
            continue
        left = sizes[thread] - 1
        held = open_.get(thread)
        first = direction if held is None else held[0]
        if left:
            sizes[thread] = left
            open_[thread] = (first, direction, row[1])
        else:  # the last of its thread: nothing more to hold
            del sizes[thread]
            open_.pop(thread, None)
        yield row, None if held is None else (held[1], held[2]), first, not left
