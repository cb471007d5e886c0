"""A first derivation (``syncd.first_pass``): what threading and marking read of each message,
held by message number in temporary tables while it is classified; the personal messages read
back as narrow rows in date order a batch at a time, their reference links as numbers, then
each message's touches and memberships read back with their thread keys, thread by thread.

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

# Every link between two personal messages (the referenced one, the one referencing it) in
# the order ``assign_threads`` makes them: by the referencing message's date and Message-ID,
# then its references as it lists them (``refs`` rows are written in that order).
_LINKS = (
    "SELECT g.rowid, f.rowid FROM facts f JOIN refs r ON r.message_id = f.message_id "
    "JOIN facts g ON g.message_id = r.ref "
    "WHERE f.personal AND g.personal AND g.rowid != f.rowid "
    "ORDER BY f.ts, f.message_id, r.rowid")

# What a first derivation keeps of each message while classifying it (``syncd.first_held``),
# by message number, so that threading reads narrow rows instead of decoding the mail again:
# its touches without their thread key (read back by thread once threading has given each
# message its key), its memberships, and what threading reads of it (its provider thread id,
# whether it quotes an earlier message, its people as ``\x00``-prefixed person ids).
_HELD = ("CREATE TEMP TABLE IF NOT EXISTS held_touches (n INTEGER NOT NULL, ts REAL NOT NULL, "
         "ref TEXT NOT NULL, person TEXT NOT NULL, direction TEXT NOT NULL, subject TEXT, "
         "direct INTEGER NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL, "
         "answered INTEGER NOT NULL)")
_MEMBERS = ("CREATE TEMP TABLE IF NOT EXISTS held_members (n INTEGER NOT NULL, "
            "message_id TEXT NOT NULL, person TEXT NOT NULL, ts REAL NOT NULL)")
_NARROW = ("CREATE TEMP TABLE IF NOT EXISTS held_narrow (n INTEGER PRIMARY KEY, "
           "thread_id TEXT, quotes INTEGER NOT NULL, people TEXT)")
# A message's thread before it is written (``write_threads``).
_THREADS = ("CREATE TEMP TABLE IF NOT EXISTS held_threads (thread TEXT NOT NULL, "
            "n INTEGER NOT NULL)")
_TEMP = ("held_touches", "held_members", "held_narrow", "held_threads")

# The personal messages as threading reads them, in the order ``rules.threads.assign_threads``
# takes them: by date, then Message-ID. One scan of ``facts`` and of the held rows in number
# order, sorted by SQLite's sorter (which spills to temporary files rather than holding the
# mailbox); not ``facts_ts``, which reads ``facts`` and the held rows a random page a message
# (4.6 s against 1.6 s at a million).
_NARROW_IN_ORDER = (
    "SELECT f.rowid, f.message_id, f.ts, f.subject_key, h.thread_id, h.quotes, h.people "
    "FROM facts f NOT INDEXED JOIN temp.held_narrow h ON h.n = f.rowid WHERE f.personal "
    "ORDER BY f.ts, f.message_id")

# The personal messages whole (number and message), in the order they are stored: for a
# threading pass over facts classified earlier, nothing held (``hold_personal``).
_PERSONAL = (
    "SELECT f.rowid, m.message_id, m.ts, m.sender, m.recipients, m.subject, m.thread_id, "
    "m.in_reply_to, m.refs, '[]', m.labels, m.account, m.signals "
    "FROM messages m CROSS JOIN facts f ON f.message_id = m.message_id WHERE f.personal")

# (n, ts, ref, person, direction, subject, direct code, address, name, answered)
HeldRow = tuple[int, float, str, str, str, str | None, int, str, str, int]
# (thread, ts, ref, person, direction, subject, direct code, address, name, answered)
HeldTouch = tuple[str, float, str, str, str, str | None, int, str, str, int]
# (n, Message-ID, thread key, ts, thread id, quotes, people)
Narrow = tuple[int, str, float, str, str | None, int, str | None]


class Streamed:
    """SQL for the one-pass first derivation."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def start(self) -> None:
        """Before a pass: nothing held from an earlier one."""
        for table in _TEMP:
            self._db.execute(f"DROP TABLE IF EXISTS temp.{table}")
        for create in (_HELD, _MEMBERS, _NARROW, _THREADS):
            self._db.execute(create)

    def numbers(self) -> int:
        """One more than the largest message number (``facts`` rowid): the number the next
        fact written into tables just reset gets."""
        row = self._db.execute("SELECT max(rowid) FROM facts").fetchone()
        return 1 + int(row[0] or 0)

    def links(self) -> Iterator[tuple[int, int]]:
        """(referenced, referencing) message numbers of every link between personal messages,
        in the order ``assign_threads`` links them."""
        yield from self._db.execute(_LINKS)

    def personal(self, size: int) -> Iterator[list[tuple[int, Message]]]:
        """The personal messages (number, message without its rule headers) in the order
        they are stored, ``size`` at a time."""
        rows = self._db.execute(_PERSONAL)
        while batch := rows.fetchmany(size):
            yield [(row[0], codec.message(row[1:])) for row in batch]

    def hold(self, narrow: Sequence[tuple[int, str | None, int, str | None]],
             touches: Sequence[HeldRow], members: Sequence[tuple[int, str, str, float]]
             ) -> None:
        """Keep what threading and marking read of some messages (``start`` first)."""
        self._db.executemany("INSERT INTO temp.held_narrow VALUES (?, ?, ?, ?)", narrow)
        self._db.executemany("INSERT INTO temp.held_touches VALUES (?,?,?,?,?,?,?,?,?,?)",
                             touches)
        self._db.executemany("INSERT INTO temp.held_members VALUES (?, ?, ?, ?)", members)

    def narrow_in_order(self, size: int) -> Iterator[list[Narrow]]:
        """The held personal messages as threading reads them, in date order, then by
        Message-ID, ``size`` at a time. The sort is done before the first batch, so what is
        written meanwhile changes nothing read."""
        rows = self._db.execute(_NARROW_IN_ORDER)
        while batch := rows.fetchmany(size):
            yield batch

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
        self._db.executemany("INSERT INTO temp.held_threads VALUES (?, ?)", threads)

    def write_threads(self) -> None:
        """Write the threads ``set_threads`` kept (one for every personal message) into
        ``facts``, in number order: one pass over the table rather than a row at a time in
        date order (a random page each); its personal rows, not ``rowid IN`` the kept
        numbers, which sorts them all once more (2.1 s against 3.3 s at a million)."""
        self._db.execute("CREATE INDEX temp.held_threads_n ON held_threads (n, thread)")
        self._db.execute("UPDATE facts SET thread = (SELECT thread FROM temp.held_threads "
                         "WHERE n = facts.rowid) WHERE personal")

    def held(self) -> Iterator[list[HeldTouch]]:
        """The held touches of the threaded messages, with their thread keys (after
        ``write_threads``), a thread at a time, in no order within it: ``marking_held`` sorts
        each thread by time, Message-ID and person, which no two of its touches share (one per
        person a message), so the sorter compares thread keys only (3.3 s against 3.8-4.2 s
        for every touch of a million, sorted by all four)."""
        rows: Iterator[Any] = self._db.execute(
            "SELECT t.thread, h.ts, h.ref, h.person, h.direction, h.subject, h.direct, "
            "h.address, h.name, h.answered FROM temp.held_touches h "
            "JOIN temp.held_threads t ON t.n = h.n ORDER BY t.thread")
        for _, group in groupby(rows, key=itemgetter(0)):
            yield list(group)

    def write_members(self) -> None:
        """The held memberships of the threaded messages, with their thread keys, into
        ``members``; then everything held is forgotten."""
        self._db.execute("INSERT INTO members SELECT h.message_id, t.thread, h.person, h.ts "
                         "FROM temp.held_members h JOIN temp.held_threads t ON t.n = h.n")
        for table in _TEMP:
            self._db.execute(f"DROP TABLE temp.{table}")
