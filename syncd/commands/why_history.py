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

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import Any

from syncd.commands.why_person import role, span
from syncd.config import Config
from syncd.store import Store

NEWEST = 50  # rows the table shows of a long history
# (at, kind, ref, direction, subject, thread, why)
Row = tuple[str, str, str, str, str | None, str, str]
_THREADLESS = ("meeting", "logged")


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
        return self._rows()

    def newest(self, n: int) -> list[dict[str, Any]]:
        """The newest ``n`` rows, oldest first (each row's place needs the ones before it:
        all are read, only these worded)."""
        return list(self._rows(self._store.history.size(self._person) - n))

    def refs(self) -> set[str]:
        """The meetings and logged touches among them (what ``not_counted`` must skip; the
        messages it is given are none of the person's interactions already)."""
        return self._store.history.threadless_refs(self._person)

    def encoded(self) -> Iterator[str]:
        """The rows as ``views.write_json`` writes them (each a line of JSON, the same as
        its encoder gives a row), made without a dict each: a person has 280,000 of them."""
        text = json.encoder.encode_basestring  # (what ``ensure_ascii=False`` uses)
        said: dict[str, str] = {}  # each "why" (few: they repeat) encoded once
        for at, kind, ref, direction, subject, thread, why in self._parts():
            coded = said.get(why)
            if coded is None:
                coded = said[why] = text(why)
            yield (f'{{"at": "{at}", "kind": "{kind}", "ref": {text(ref)}, "direction": '
                   f'"{direction}", "subject": {"null" if subject is None else text(subject)}, '
                   f'"thread": {text(thread) if thread else "null"}, "why": {coded}}}')

    def _rows(self, skip: int = 0) -> Iterator[dict[str, Any]]:
        for at, kind, ref, direction, subject, thread, why in self._parts(skip):
            yield {"at": at, "kind": kind, "ref": ref, "direction": direction,
                   "subject": subject, "thread": thread or None, "why": why}

    def _parts(self, skip: int = 0) -> Iterator[Row]:
        """The rows but the first ``skip``. Each row's place in the person's thread is followed
        as the rows go by, from how many each thread has (``sizes``, emptied as they go). The
        role of a row that is not a thread's last direct one depends only on its direction,
        whether it is direct and the one before (``why_person.role``): worded once each."""
        config, now, tz, when = self._config, self._now, self._tz, datetime.fromtimestamp
        history = self._store.history
        sizes = history.thread_sizes(self._person)
        open_: dict[str, tuple[str, str, float]] = {}  # thread -> the first's direction, the
        # direction and time of the one before
        worded: dict[tuple[str, int, str, str], str] = {}
        for ref, ts, direction, thread, subject, direct in history.rows(self._person):
            before: tuple[str, timedelta] | None = None
            last, first = False, ""
            if direction not in _THREADLESS:
                left = sizes[thread] - 1
                held = open_.get(thread)
                if held is None:
                    first = direction
                else:  # (a difference of two stored times is exact: no datetimes needed)
                    first, before = held[0], (held[1], timedelta(seconds=ts - held[2]))
                if left:
                    sizes[thread] = left
                    open_[thread] = (first, direction, ts)
                else:  # the last of its thread: nothing more to hold
                    last = True
                    del sizes[thread]
                    open_.pop(thread, None)
            if skip > 0:
                skip -= 1
                continue
            at = when(ts, tz)  # (the same instant as in UTC: ``now - at`` is the same)
            kind = direction if direction in _THREADLESS else "message"
            if (last and direct) or kind != "message":
                why = role(direction, bool(direct), at, now, config, before=before,
                           started=first, last=last)
            else:
                key = ((direction, direct, before[0], span(before[1])) if before
                       else (direction, direct, "", ""))
                found = worded.get(key)
                if found is None:
                    found = worded[key] = role(direction, bool(direct), at, now, config,
                                               before=before, started=first)
                why = found
            yield at.isoformat(), kind, ref, direction, subject, thread, why
