"""The derived tables: what the detection stage made of the stored mail, kept so a cycle only
re-derives what changed (``syncd.incremental``), and the per-person ledgers built from it.

All of it is a cache: ``reset`` empties it and marks every message for re-derivation, which
happens by itself when the rules or the config they read change (a fingerprint in ``meta``).

- ``stale``: messages stored or relabelled since they were last derived (the store's ingest
  writes them).
- ``facts``: per message, the verdict without and with the sender counted as written-to
  (``soft``), whether it is outbound, its normalised sender and subject, whether its subject
  names an introduction, whether it is personal now, and its thread key.
- ``refs``: References and In-Reply-To, both ways, for the re-derivation closure.
- ``written_to``: the addresses the user has written to personally (or who answered them).
- ``touches``: the interactions (messages and meetings), with the address and display name
  each came from.
- ``members``: who was in which thread when (what introductions compare).
- ``ledgers``: one stored ledger per person (``syncd.ledger_cache``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

DERIVED_SCHEMA = """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE stale (message_id TEXT PRIMARY KEY);
    CREATE TABLE facts (
        message_id TEXT PRIMARY KEY, ts REAL NOT NULL, verdict TEXT NOT NULL, soft TEXT,
        outbound INTEGER NOT NULL, sender TEXT NOT NULL, subject_key TEXT NOT NULL,
        intro INTEGER NOT NULL, personal INTEGER NOT NULL DEFAULT 0, thread TEXT);
    CREATE INDEX facts_subject ON facts (subject_key) WHERE subject_key != '';
    CREATE INDEX facts_soft ON facts (sender) WHERE soft IS NOT NULL;
    CREATE INDEX facts_ts ON facts (ts);
    CREATE INDEX facts_thread ON facts (thread) WHERE personal;
    CREATE TABLE refs (message_id TEXT NOT NULL, ref TEXT NOT NULL);
    CREATE INDEX refs_message ON refs (message_id);
    CREATE INDEX refs_ref ON refs (ref);
    CREATE TABLE written_to (address TEXT PRIMARY KEY);
    CREATE TABLE touches (
        ref TEXT NOT NULL, ts REAL NOT NULL, person TEXT NOT NULL, direction TEXT NOT NULL,
        thread TEXT NOT NULL, subject TEXT, direct INTEGER NOT NULL, address TEXT NOT NULL,
        name TEXT NOT NULL);
    CREATE INDEX touches_ref ON touches (ref);
    CREATE INDEX touches_person ON touches (person, ts);
    CREATE INDEX touches_thread ON touches (thread);
    CREATE TABLE members (
        message_id TEXT NOT NULL, thread TEXT NOT NULL, person TEXT NOT NULL, ts REAL NOT NULL);
    CREATE INDEX members_message ON members (message_id);
    CREATE INDEX members_person ON members (person, ts);
    CREATE TABLE ledgers (person TEXT PRIMARY KEY, data TEXT NOT NULL);
"""

# (message_id, ts, verdict, soft, outbound, sender, subject_key, intro)
Fact = tuple[str, float, str, str | None, int, str, str, int]
# (ref, ts, person, direction, thread, subject, direct, address, name)
Touch = tuple[str, float, str, str, str, str | None, int, str, str]
CHUNK = 500
TOUCH_COLUMNS = "ref, ts, person, direction, thread, subject, direct, address, name"


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    values = list(items)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _marks(chunk: Sequence[Any]) -> str:
    return ",".join("?" * len(chunk))


class DerivedTables:
    """SQL for the derived tables; ``transaction`` groups a re-derivation's writes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One writer at a time from the first read on: a read-only command and the daemon
        refreshing together take turns (the other waits, up to the store's busy timeout)."""
        with self._db:
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            yield

    def _column(self, query: str, ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(ids):
            found.update(row[0] for row in self._db.execute(query.format(_marks(chunk)), chunk))
        return found

    # -- bookkeeping -------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def reset(self) -> None:
        """Forget everything derived and mark every stored message for re-derivation."""
        for table in ("meta", "facts", "refs", "written_to", "touches", "members", "ledgers"):
            self._db.execute(f"DELETE FROM {table}")  # noqa: S608
        self._db.execute("INSERT OR IGNORE INTO stale SELECT message_id FROM messages")

    def stale(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT message_id FROM stale")]

    def clear_stale(self, ids: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM stale WHERE message_id = ?", ((i,) for i in ids))

    # -- facts -------------------------------------------------------------------------------

    def put_facts(self, facts: Sequence[Fact], refs: Sequence[tuple[str, str]]) -> None:
        ids = [(f[0],) for f in facts]
        self._db.executemany("DELETE FROM refs WHERE message_id = ?", ids)
        self._db.executemany(
            "INSERT INTO facts (message_id, ts, verdict, soft, outbound, sender, subject_key, "
            "intro) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(message_id) DO UPDATE SET "
            "ts = excluded.ts, verdict = excluded.verdict, soft = excluded.soft, "
            "outbound = excluded.outbound, sender = excluded.sender, "
            "subject_key = excluded.subject_key, intro = excluded.intro", facts)
        self._db.executemany("INSERT INTO refs VALUES (?, ?)", refs)

    def mine_among(self, ids: Iterable[str]) -> set[str]:
        """The outbound personal messages among ``ids``."""
        return self._column("SELECT message_id FROM facts WHERE message_id IN ({}) AND "
                            "outbound AND verdict = 'personal'", ids)

    def senders_replying_to(self, ids: Iterable[str]) -> set[str]:
        """Senders of inbound messages that reference one of ``ids``."""
        return self._column(
            "SELECT f.sender FROM refs r JOIN facts f ON f.message_id = r.message_id "
            "WHERE r.ref IN ({}) AND NOT f.outbound AND f.sender != ''", ids)

    def replying_to_mine(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` (inbound) that reference an outbound personal message."""
        return self._column(
            "SELECT r.message_id FROM refs r JOIN facts f ON f.message_id = r.ref "
            "WHERE r.message_id IN ({}) AND f.outbound AND f.verdict = 'personal'", ids)

    def add_written_to(self, addresses: Iterable[str]) -> set[str]:
        """Record addresses; return those that are new."""
        known = self._column("SELECT address FROM written_to WHERE address IN ({})", addresses)
        new = set(addresses) - known
        self._db.executemany("INSERT OR IGNORE INTO written_to VALUES (?)", ((a,) for a in new))
        return new

    def soft_from(self, senders: Iterable[str]) -> set[str]:
        """Messages whose verdict depends on whether one of ``senders`` is written-to."""
        return self._column("SELECT message_id FROM facts WHERE soft IS NOT NULL AND "
                            "sender IN ({})", senders)

    def dated_between(self, low: float, high: float) -> set[str]:
        return {row[0] for row in self._db.execute(
            "SELECT message_id FROM facts WHERE ts > ? AND ts <= ?", (low, high))}

    def set_personal(self, ids: Iterable[str], now: float) -> None:
        """Personal now: the verdict (or, for a written-to sender, the soft one) is personal
        and the message is not dated in the future."""
        for chunk in _chunks(ids):
            query = ("UPDATE facts SET personal = (ts <= ? AND CASE WHEN soft IS NOT NULL AND "  # noqa: S608
                     "sender IN (SELECT address FROM written_to) THEN soft ELSE verdict END = "
                     f"'personal') WHERE message_id IN ({_marks(chunk)})")
            self._db.execute(query, [now, *chunk])

    def personal_among(self, ids: Iterable[str]) -> set[str]:
        return self._column("SELECT message_id FROM facts WHERE personal AND message_id IN ({})",
                            ids)

    def closure(self, start: Iterable[str]) -> set[str]:
        """``start`` and every message linked to it by a shared subject or a reference, again
        and again: the messages whose threads can change with them."""
        found = set(start)
        frontier = set(found)
        subjects: set[str] = set()
        while frontier:
            near = self._column("SELECT subject_key FROM facts WHERE message_id IN ({}) AND "
                                "subject_key != ''", frontier) - subjects
            subjects |= near
            linked = self._column("SELECT message_id FROM facts WHERE subject_key IN ({})", near)
            linked |= self._column("SELECT r.ref FROM refs r JOIN facts f ON "
                                   "f.message_id = r.ref WHERE r.message_id IN ({})", frontier)
            linked |= self._column("SELECT message_id FROM refs WHERE ref IN ({})", frontier)
            frontier = linked - found
            found |= frontier
        return found

    def set_threads(self, threads: dict[str, str]) -> None:
        self._db.executemany("UPDATE facts SET thread = ? WHERE message_id = ?",
                             ((t, m) for m, t in threads.items()))

    def first_intros(self) -> list[str]:
        """Personal messages with an introduction subject that open their thread."""
        return [row[0] for row in self._db.execute(
            "SELECT f.message_id FROM facts f WHERE f.intro AND f.personal AND NOT EXISTS ("
            "SELECT 1 FROM facts g WHERE g.personal AND g.thread = f.thread AND "
            "(g.ts < f.ts OR (g.ts = f.ts AND g.message_id < f.message_id)))")]

    def thread_of(self, message_id: str) -> str:
        row = self._db.execute("SELECT thread FROM facts WHERE message_id = ?",
                               (message_id,)).fetchone()
        return "" if row is None or row[0] is None else str(row[0])

    # -- touches and members -----------------------------------------------------------------

    def replace_message_touches(self, ids: Iterable[str], touches: Sequence[Touch],
                                members: Sequence[tuple[str, str, str, float]]) -> set[str]:
        """Swap the touches and memberships of messages ``ids``; return the people whose
        touches were there before or are there now."""
        ids = list(ids)
        people = self._column("SELECT person FROM touches WHERE ref IN ({})", ids)
        for chunk in _chunks(ids):
            self._db.execute(f"DELETE FROM touches WHERE ref IN ({_marks(chunk)})", chunk)  # noqa: S608
            self._db.execute(f"DELETE FROM members WHERE message_id IN ({_marks(chunk)})",  # noqa: S608
                             chunk)
        self._db.executemany(f"INSERT INTO touches ({TOUCH_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",  # noqa: S608
                             touches)
        self._db.executemany("INSERT INTO members VALUES (?, ?, ?, ?)", members)
        return people | {t[2] for t in touches}

    def meeting_touches(self) -> set[Touch]:
        return set(self._db.execute(
            f"SELECT {TOUCH_COLUMNS} FROM touches WHERE direction = 'meeting'"))  # noqa: S608

    def replace_meeting_touches(self, touches: Iterable[Touch]) -> None:
        self._db.execute("DELETE FROM touches WHERE direction = 'meeting'")
        self._db.executemany(f"INSERT INTO touches ({TOUCH_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",  # noqa: S608
                             touches)

    def touches_of(self, people: Iterable[str]) -> list[Touch]:
        """The touches of ``people``, in the order the ledger reads them."""
        rows: list[Touch] = []
        for chunk in _chunks(people):
            rows.extend(self._db.execute(
                f"SELECT {TOUCH_COLUMNS} FROM touches WHERE person IN ({_marks(chunk)})",  # noqa: S608
                chunk))
        rows.sort(key=lambda t: (t[1], t[0], t[2]))
        return rows

    def touches_near(self, people: Iterable[str]) -> list[Touch]:
        """Every touch in a thread (or meeting) that one of ``people`` was in."""
        rows: set[Touch] = set()
        for chunk in _chunks(people):
            marks = _marks(chunk)
            rows.update(self._db.execute(
                f"SELECT {TOUCH_COLUMNS} FROM touches WHERE thread != '' AND thread IN ("  # noqa: S608
                f"SELECT thread FROM touches WHERE person IN ({marks}) AND thread != '') "
                f"UNION SELECT {TOUCH_COLUMNS} FROM touches WHERE thread = '' AND ref IN ("
                f"SELECT ref FROM touches WHERE person IN ({marks}) AND thread = '')",
                [*chunk, *chunk]))
        return sorted(rows, key=lambda t: (t[1], t[0], t[2]))

    def threads_before(self, people: Iterable[str], ts: float, message_id: str
                       ) -> dict[str, set[str]]:
        """Person -> the threads they were in before the message (``ts``, ``message_id``)."""
        out: dict[str, set[str]] = {}
        for chunk in _chunks(set(people)):
            for person, thread in self._db.execute(
                    f"SELECT person, thread FROM members WHERE person IN ({_marks(chunk)}) AND "  # noqa: S608
                    "(ts < ? OR (ts = ? AND message_id < ?))", [*chunk, ts, ts, message_id]):
                out.setdefault(person, set()).add(thread)
        return out

    # -- stored ledgers ----------------------------------------------------------------------

    def put_ledgers(self, rows: Iterable[tuple[str, str]], gone: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM ledgers WHERE person = ?", ((p,) for p in gone))
        self._db.executemany("INSERT OR REPLACE INTO ledgers VALUES (?, ?)", rows)

    def ledgers(self) -> Iterator[tuple[str, str]]:
        yield from self._db.execute("SELECT person, data FROM ledgers")
