"""A first derivation in one pass (``syncd.first_pass``): the personal messages read in date
order a batch at a time, their reference links as numbers, and each message's touches held in
a temporary table until its thread is whole, then read back thread by thread.

Nothing here holds more than a batch: a mailbox threaded as one group (a reference chain
through all of it) costs the same memory as one of many small threads. A message's number is
its ``facts`` rowid.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from syncd.model import Message
from syncd.store import codec
from syncd.store.sql import marks

_IDS = 500  # numbers looked up at a time

# The personal messages in the order ``rules.threads.assign_threads`` takes them: by date, then
# Message-ID. One scan of ``messages`` in the order they are stored (``facts`` was written in
# that order, so its rows are probed in order too), sorted by SQLite's sorter, which spills to
# temporary files rather than holding the mailbox: not a probe of ``messages`` per message in
# date order, which at a million messages reads a random page of the table for each.
_IN_ORDER = (
    "SELECT f.rowid, m.message_id, m.ts, m.sender, m.recipients, m.subject, m.thread_id, "
    "m.in_reply_to, m.refs, '[]', m.labels, m.account, m.signals "
    "FROM messages m CROSS JOIN facts f ON f.message_id = m.message_id "
    "WHERE f.personal ORDER BY f.ts, f.message_id")

# Every link between two personal messages (the referenced one, the one referencing it) in
# the order ``assign_threads`` makes them: by the referencing message's date and Message-ID,
# then its references as it lists them (``refs`` rows are written in that order).
_LINKS = (
    "SELECT g.rowid, f.rowid FROM facts f JOIN refs r ON r.message_id = f.message_id "
    "JOIN facts g ON g.message_id = r.ref "
    "WHERE f.personal AND g.personal AND g.rowid != f.rowid "
    "ORDER BY f.ts, f.message_id, r.rowid")

# A touch before it is marked: its thread first (read back grouped by it), then the ledger's
# order within the thread (time, Message-ID, person).
_HELD = ("CREATE TEMP TABLE IF NOT EXISTS held_touches (thread TEXT NOT NULL, ts REAL NOT NULL, "
         "ref TEXT NOT NULL, person TEXT NOT NULL, direction TEXT NOT NULL, subject TEXT, "
         "direct INTEGER NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL, "
         "answered INTEGER NOT NULL)")
# A message's thread before it is written (``write_threads``).
_THREADS = ("CREATE TEMP TABLE IF NOT EXISTS held_threads (thread TEXT NOT NULL, "
            "n INTEGER NOT NULL)")
HeldTouch = tuple[str, float, str, str, str, str | None, int, str, str, int]


class Streamed:
    """SQL for the one-pass first derivation."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def numbers(self) -> int:
        """One more than the largest message number (``facts`` rowid); a pass starts here, with
        no touch held from an earlier one."""
        self._db.execute("DROP TABLE IF EXISTS temp.held_touches")
        self._db.execute("DROP TABLE IF EXISTS temp.held_threads")
        row = self._db.execute("SELECT max(rowid) FROM facts").fetchone()
        return 1 + int(row[0] or 0)

    def links(self) -> Iterator[tuple[int, int]]:
        """(referenced, referencing) message numbers of every link between personal messages,
        in the order ``assign_threads`` links them."""
        yield from self._db.execute(_LINKS)

    def personal_in_order(self, size: int) -> Iterator[list[tuple[int, Message]]]:
        """The personal messages (number, message without its rule headers) in date order,
        then by Message-ID, ``size`` at a time. The sort is done before the first batch, so
        what is written to ``facts`` meanwhile changes nothing read."""
        rows = self._db.execute(_IN_ORDER)
        while batch := rows.fetchmany(size):
            yield [(row[0], codec.message(row[1:])) for row in batch]

    def message_ids(self, numbers: Iterable[int]) -> Iterator[tuple[int, str]]:
        """(number, Message-ID) of messages ``numbers``, looked up in number order, ``_IDS`` at
        a time (the last list padded with its first number: one prepared statement)."""
        wanted = sorted(numbers)
        query = f"SELECT rowid, message_id FROM facts WHERE rowid IN ({marks(range(_IDS))})"  # noqa: S608
        for start in range(0, len(wanted), _IDS):
            chunk = wanted[start:start + _IDS]
            yield from self._db.execute(query, chunk + [chunk[0]] * (_IDS - len(chunk)))

    def set_threads(self, threads: Iterable[tuple[str, int]]) -> None:
        """(thread key, message number), kept until ``write_threads``."""
        self._db.execute(_THREADS)
        self._db.executemany("INSERT INTO temp.held_threads VALUES (?, ?)", threads)

    def write_threads(self) -> None:
        """Write the threads ``set_threads`` kept into ``facts``, in number order: one pass
        over the table rather than a row at a time in date order (a random page each)."""
        self._db.execute(_THREADS)
        self._db.execute("CREATE INDEX temp.held_threads_n ON held_threads (n, thread)")
        self._db.execute("UPDATE facts SET thread = (SELECT thread FROM temp.held_threads "
                         "WHERE n = facts.rowid) WHERE rowid IN (SELECT n FROM "
                         "temp.held_threads)")
        self._db.execute("DROP TABLE temp.held_threads")

    def hold(self, touches: Sequence[HeldTouch]) -> None:
        """Keep unmarked touches until ``held`` reads them back by thread."""
        self._db.execute(_HELD)
        self._db.executemany("INSERT INTO temp.held_touches VALUES (?,?,?,?,?,?,?,?,?,?)",
                             touches)

    def held(self) -> Iterator[list[HeldTouch]]:
        """The held touches, a thread at a time, each in time, Message-ID, person order;
        then forgotten."""
        self._db.execute(_HELD)
        rows: Iterator[Any] = self._db.execute(
            "SELECT * FROM temp.held_touches ORDER BY thread, ts, ref, person")
        for _, group in groupby(rows, key=itemgetter(0)):
            yield list(group)
        self._db.execute("DROP TABLE temp.held_touches")
