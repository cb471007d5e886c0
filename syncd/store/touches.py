"""The derived interactions: ``touches`` (one row per person a message or meeting touched,
marked with its place in its thread), ``seen`` (the addresses and display names each person
came with) and ``members`` (who was in which thread when). ``syncd.incremental`` writes them;
the ledgers, the weekly suggestions and the introductions read them.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from operator import itemgetter
from typing import Any

from syncd.ledger import PersonLedger
from syncd.store import ledger_cache, ledgers
from syncd.store.sql import chunks as _chunks
from syncd.store.sql import column
from syncd.store.sql import marks as _marks

# (ref, ts, person, direction, thread, subject, direct (0, 1, or 2 = ``syncd.interactions.ASKS``:
#  a direct message whose own words ask), address, name, first, prev, gap, last, mine, company:
#  how many people the thread or meeting has, the user aside, answered: 1 for an outbound
#  touch whose text quotes someone's answer, ``syncd.interactions.Interaction.answered``)
Touch = tuple[str, float, str, str, str, str | None, int, str, str, int, str | None, float, int,
              int, int, int]
TOUCH_COLUMNS = ("ref, ts, person, direction, thread, subject, direct, address, name, first, "
                 "prev, gap, last, mine, company, answered")
THREADLESS = "'meeting', 'logged'"  # the directions of ``touches_threadless``
Held = tuple[Any, ...]  # (rowid, *Touch): a stored touch and where it is
_BATCH = 2000  # rows written at a time
_SEEN_KEY = itemgetter(2, 7, 8)  # what ``seen`` counts of a touch
_SEEN = 50_000  # (person, address, name) counts held before ``seen`` is written
_INSERT_TOUCH = f"INSERT INTO touches ({TOUCH_COLUMNS}) VALUES ({','.join('?' * 16)})"  # noqa: S608



class TouchTables:
    """SQL for ``touches``, ``seen`` and ``members``."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def _column(self, query: str, ids: Iterable[str]) -> set[str]:
        return column(self._db, query, ids)

    def message_rows(self, ids: Iterable[str]) -> list[Held]:
        """The touches of messages ``ids`` with their rowids (to be ``rewrite``n once they are
        derived again); their memberships are dropped."""
        held: list[Held] = []
        for chunk in _chunks(ids):
            held.extend(self._db.execute(
                f"SELECT rowid, {TOUCH_COLUMNS} FROM touches WHERE ref IN ({_marks(chunk)})",  # noqa: S608
                chunk))
            self._db.execute(f"DELETE FROM members WHERE message_id IN ({_marks(chunk)})",  # noqa: S608
                             chunk)
        return held

    def thread_rows(self, threads: Iterable[str], taken: set[int]) -> list[Held]:
        """Every touch in ``threads`` with its rowid (to be marked again with the rest of its
        thread), but those of rowids ``taken``."""
        held: list[Held] = []
        for chunk in _chunks(threads):
            held.extend(row for row in self._db.execute(
                f"SELECT rowid, {TOUCH_COLUMNS} FROM touches "  # noqa: S608
                f"WHERE thread IN ({_marks(chunk)})", chunk) if row[0] not in taken)
        return held

    def rewrite(self, old: Iterable[Held], new: Iterable[Touch]) -> None:
        """Replace the ``old`` rows by ``new`` (a stream), writing only what differs: a row in
        both stays as it is, so the ledger cache's triggers mark only the parts whose touches
        changed (a reply in an old thread re-marks the whole thread, mostly to the same rows)."""
        held: dict[tuple[Any, ...], list[int]] = {}
        for stored in old:
            held.setdefault(stored[1:], []).append(stored[0])
        batch: list[Touch] = []
        counts: Counter[tuple[str, str, str]] = Counter()  # what ``seen`` gains
        for touch in new:  # (nothing held, a first derivation: no row is looked up)
            if held and (same := held.get(touch)):
                same.pop()
                continue
            batch.append(touch)
            if len(batch) >= _BATCH:
                self._insert(batch, counts)
                batch = []
        self._insert(batch, counts)
        self._see(counts)
        gone = [(rowid, row) for row, rowids in held.items() for rowid in rowids]
        del held
        counts = Counter(_SEEN_KEY(t) for _, t in gone)
        self._db.executemany("UPDATE seen SET n = n - ? WHERE person = ? AND address = ? AND "
                             "name = ?", [(n, *key) for key, n in counts.items()])
        self._db.execute("DELETE FROM seen WHERE n <= 0")
        self._db.executemany("DELETE FROM touches WHERE rowid = ?", [(r,) for r, _ in gone])

    def add_members(self, members: Sequence[tuple[str, str, str, float]]) -> None:
        """(message id, thread, person, ts): who was in which thread when."""
        self._db.executemany("INSERT INTO members VALUES (?, ?, ?, ?)", members)

    def add_touches(self, touches: Sequence[Touch]) -> None:
        counts: Counter[tuple[str, str, str]] = Counter()
        self._insert(touches, counts)
        self._see(counts)

    def touches_via(self, direction: str) -> list[Touch]:
        """Every touch of one ``direction`` (the meetings, the logged touches: through the
        partial index ``touches_threadless``, not a pass over every touch)."""
        return list(self._db.execute(
            f"SELECT {TOUCH_COLUMNS} FROM touches WHERE direction = ? AND "  # noqa: S608
            f"direction IN ({THREADLESS})", (direction,)))

    def replace_touches_via(self, direction: str, touches: Iterable[Touch]) -> None:
        """Replace every touch of one ``direction`` (re-derived whole each refresh)."""
        self._unsee("direction = ?", [direction])
        self._db.execute("DELETE FROM touches WHERE direction = ?", (direction,))
        counts: Counter[tuple[str, str, str]] = Counter()
        self._insert(list(touches), counts)
        self._see(counts)

    def _insert(self, touches: Sequence[Touch], counts: Counter[tuple[str, str, str]]
                ) -> None:
        """Write ``touches``, counting their (person, address, name) into ``counts`` (for
        ``_see``); a count kept this large is written at once."""
        self._db.executemany(_INSERT_TOUCH, touches)
        counts.update(map(_SEEN_KEY, touches))
        if len(counts) >= _SEEN:
            self._see(counts)

    def _see(self, counts: Counter[tuple[str, str, str]]) -> None:
        """Add ``counts`` to ``seen`` in key order (neighbouring keys on the same pages; a
        first derivation appends to an empty table), then forget them. Counted over many
        batches, not one: at a million touches the probes of a batch at a time (``seen``
        spread over more pages than the cache holds while the touches go by) cost more
        than the touches themselves."""
        self._db.executemany(
            "INSERT INTO seen VALUES (?, ?, ?, ?) ON CONFLICT (person, address, name) DO UPDATE "
            "SET n = n + excluded.n", [(*k, n) for k, n in sorted(counts.items())])
        counts.clear()

    def _unsee(self, where: str, args: Sequence[str]) -> None:
        """Take the touches matching ``where`` out of ``seen`` (before deleting them)."""
        gone = list(self._db.execute(
            f"SELECT count(*), person, address, name FROM touches WHERE {where} "  # noqa: S608
            "GROUP BY person, address, name", args))
        self._db.executemany("UPDATE seen SET n = n - ? WHERE person = ? AND address = ? AND "
                             "name = ?", gone)
        self._db.execute("DELETE FROM seen WHERE n <= 0")

    def refresh_ledgers(self, tz: tzinfo) -> int:
        """Bring ``ledger_cache`` up to date (``syncd.store.ledger_cache``; its days counted in
        ``tz``); inside ``DerivedTables.transaction``. How many people it recomputed."""
        return ledger_cache.refresh(self._db, tz)

    def ledgers(self, now: datetime, *, nudge_after: timedelta, owed_reply_after: timedelta
                ) -> dict[str, PersonLedger]:
        """Every person's ledger at ``now`` from ``ledger_cache`` (``syncd.store.ledgers``)."""
        return ledgers.compute(self._db, now, nudge_after=nudge_after,
                               owed_reply_after=owed_reply_after)

    def seen(self) -> Iterator[tuple[str, str, str, int]]:
        """(person, address, display name, how often)."""
        yield from self._db.execute("SELECT person, address, name, n FROM seen")

    def answering(self, people: Iterable[str]) -> set[str]:
        """Those of ``people`` with a message to the user that quotes the user's own words
        (an inbound touch marked ``answered``: they answer the user)."""
        return self._column(
            "SELECT DISTINCT person FROM touches WHERE person IN ({}) AND direction = 'in' "
            "AND answered", people)

    def sent_after(self, since: Mapping[str, float]) -> list[tuple[str, str]]:
        """(person, Message-ID) of the user's messages that touched each person after the
        time ``since[person]`` (an index probe per person: ``touches_ledger``)."""
        out: list[tuple[str, str]] = []
        for person, ts in since.items():
            out.extend((person, ref) for (ref,) in self._db.execute(
                "SELECT ref FROM touches WHERE person = ? AND ts > ? AND direction = 'out'",
                (person, ts)))
        return out

    def touches_of(self, people: Iterable[str]) -> list[Touch]:
        """The touches of ``people``, in the order the ledger reads them."""
        return self._touches_where("person", people)

    def touches_of_refs(self, refs: Iterable[str]) -> list[Touch]:
        """The touches of messages (or meetings) ``refs``, in the order the ledger reads them."""
        return self._touches_where("ref", refs)

    def _touches_where(self, key: str, values: Iterable[str]) -> list[Touch]:
        rows: list[Touch] = []
        for chunk in _chunks(values):
            rows.extend(self._db.execute(
                f"SELECT {TOUCH_COLUMNS} FROM touches WHERE {key} IN ({_marks(chunk)})",  # noqa: S608
                chunk))
        rows.sort(key=lambda t: (t[1], t[0], t[2]))
        return rows

    def touches_together(self, people: Iterable[str]) -> list[Touch]:
        """Every touch in a thread (or meeting) with 2 to 20 people that one of ``people`` was
        in: all that ``rules.weekly.together`` needs to know who has met whom."""
        group = "CASE WHEN thread != '' THEN thread ELSE ref END"
        keys: set[str] = set()
        for chunk in _chunks(people):
            keys.update(row[0] for row in self._db.execute(
                f"SELECT DISTINCT {group} FROM touches WHERE company > 1 AND "  # noqa: S608
                f"company <= 20 AND person IN ({_marks(chunk)})", chunk))
        rows: list[Touch] = []
        for chunk in _chunks(keys):
            rows.extend(self._db.execute(
                f"SELECT {TOUCH_COLUMNS} FROM touches WHERE thread IN ({_marks(chunk)}) "  # noqa: S608
                f"UNION ALL SELECT {TOUCH_COLUMNS} FROM touches WHERE thread = '' AND "
                f"ref IN ({_marks(chunk)})", [*chunk, *chunk]))
        return sorted(rows, key=lambda t: (t[1], t[0], t[2]))

    def threads_before(self, people: Iterable[str], ts: float, message_id: str, *,
                       one: bool = False) -> dict[str, set[str]]:
        """Person -> the threads they were in before the message (``ts``, ``message_id``);
        with ``one``, one of them (for whether there was any: an index probe per person,
        not their whole history)."""
        out: dict[str, set[str]] = {}
        if one:
            for person in set(people):
                row = self._db.execute(
                    "SELECT thread FROM members WHERE person = ? AND ts <= ? AND "
                    "(ts < ? OR message_id < ?) LIMIT 1", (person, ts, ts, message_id)).fetchone()
                if row is not None:
                    out[person] = {row[0]}
            return out
        for chunk in _chunks(set(people)):
            for person, thread in self._db.execute(
                    f"SELECT person, thread FROM members WHERE person IN ({_marks(chunk)}) AND "  # noqa: S608
                    "(ts < ? OR (ts = ? AND message_id < ?))", [*chunk, ts, ts, message_id]):
                out.setdefault(person, set()).add(thread)
        return out
