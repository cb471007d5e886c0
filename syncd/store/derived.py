"""The derived tables: what the detection stage made of the stored mail, kept so a cycle only
re-derives what changed (``syncd.incremental``).

All of it is a cache: ``reset`` empties it and marks every message for re-derivation, which
happens by itself when the rules or the config they read change (a fingerprint in ``meta``).

- ``stale``: messages stored or relabelled since they were last classified (the store's
  ingest writes them); ``pending``: messages to re-thread (within one refresh).
- ``facts``: per message, the verdict without and with the sender counted as written-to
  (``soft``), whether it is outbound, its normalised sender and subject, whether its subject
  names an introduction, whether it is personal now, and its thread key.
- ``refs``: References and In-Reply-To, both ways, for the re-derivation closure.
- ``written_to``: the addresses the user has written to personally (or who answered them).
- ``touches``, ``seen``, ``members``: the interactions (``syncd.store.touches``, ``.touches``).

No ledger is stored: ``syncd.store.ledgers`` finishes every person's at ``now`` each cycle from
``ledger_cache``, per-person summaries of the touches (``syncd.store.ledger_cache``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from syncd.errors import StoreError
from syncd.store import ledger_cache
from syncd.store.closure import Runs, closure
from syncd.store.named import Named
from syncd.store.sql import chunks as _chunks
from syncd.store.sql import column
from syncd.store.sql import marks as _marks
from syncd.store.streamed import Streamed
from syncd.store.touches import TouchTables

DERIVED_SCHEMA = """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE stale (message_id TEXT PRIMARY KEY);
    CREATE TABLE pending (message_id TEXT PRIMARY KEY);
    CREATE TABLE facts (
        message_id TEXT PRIMARY KEY, ts REAL NOT NULL, verdict TEXT NOT NULL, soft TEXT,
        outbound INTEGER NOT NULL, sender TEXT NOT NULL, subject_key TEXT NOT NULL,
        intro INTEGER NOT NULL, personal INTEGER NOT NULL DEFAULT 0, thread TEXT);
    CREATE INDEX facts_subject ON facts (subject_key, ts) WHERE subject_key != '';
    CREATE INDEX facts_soft ON facts (sender) WHERE soft IS NOT NULL;
    CREATE INDEX facts_ts ON facts (ts);
    CREATE INDEX facts_thread ON facts (thread) WHERE personal;
    CREATE INDEX facts_intro ON facts (message_id) WHERE intro;
    CREATE TABLE refs (message_id TEXT NOT NULL, ref TEXT NOT NULL);
    CREATE INDEX refs_message ON refs (message_id);
    CREATE INDEX refs_ref ON refs (ref);
    CREATE TABLE written_to (address TEXT PRIMARY KEY);
    CREATE TABLE touches (
        ref TEXT NOT NULL, ts REAL NOT NULL, person TEXT NOT NULL, direction TEXT NOT NULL,
        thread TEXT NOT NULL, subject TEXT, direct INTEGER NOT NULL, address TEXT NOT NULL,
        name TEXT NOT NULL, first INTEGER NOT NULL, prev TEXT, gap REAL NOT NULL,
        last INTEGER NOT NULL, mine INTEGER NOT NULL, company INTEGER NOT NULL);
    CREATE INDEX touches_ref ON touches (ref);
    CREATE INDEX touches_thread ON touches (thread);
    CREATE INDEX touches_ledger ON touches (
        person, ts, direction, direct, first, prev, last, mine, gap);
    CREATE INDEX touches_shared ON touches (person) WHERE company > 1;
    CREATE INDEX touches_meetings ON touches (ref) WHERE direction = 'meeting';
    CREATE TABLE seen (
        person TEXT NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (person, address, name));
    CREATE TABLE members (
        message_id TEXT NOT NULL, thread TEXT NOT NULL, person TEXT NOT NULL, ts REAL NOT NULL);
    CREATE INDEX members_message ON members (message_id);
    CREATE INDEX members_person ON members (person, ts);
"""

# Read by the ledgers, the weekly suggestions and the introductions, never while deriving;
# the last four are read when a cycle re-threads a closure, never by a first derivation (which
# writes every touch and membership into emptied tables: ``syncd.first_pass``). Each is built
# once after a first derivation, but ``_KEPT``: the threads' (a first derivation writes touches in
# thread order: each entry at the end) and the meetings' (written after: a test per touch, no scan).
READ_INDEXES = {
    "touches_ledger": "CREATE INDEX IF NOT EXISTS touches_ledger ON touches ("
                      "person, ts, direction, direct, first, prev, last, mine, gap)",
    "touches_shared": "CREATE INDEX IF NOT EXISTS touches_shared ON touches (person) "
                      "WHERE company > 1",
    "members_person": "CREATE INDEX IF NOT EXISTS members_person ON members (person, ts)",
    "facts_thread": "CREATE INDEX IF NOT EXISTS facts_thread ON facts (thread) WHERE personal",
    "touches_ref": "CREATE INDEX IF NOT EXISTS touches_ref ON touches (ref)",
    "touches_thread": "CREATE INDEX IF NOT EXISTS touches_thread ON touches (thread)",
    "touches_meetings": "CREATE INDEX IF NOT EXISTS touches_meetings ON touches (ref) "
                        "WHERE direction = 'meeting'",
    "members_message": "CREATE INDEX IF NOT EXISTS members_message ON members (message_id)",
}
_KEPT = {"touches_thread", "touches_meetings"}

# Read while re-threading, never while classifying: a first derivation writes ``facts`` and
# ``refs`` without them and builds them once after (``drop_fact_indexes``).
FACT_INDEXES = {
    "facts_subject": "CREATE INDEX IF NOT EXISTS facts_subject ON facts (subject_key, ts) "
                     "WHERE subject_key != ''",
    "facts_soft": "CREATE INDEX IF NOT EXISTS facts_soft ON facts (sender) "
                  "WHERE soft IS NOT NULL",
    "facts_ts": "CREATE INDEX IF NOT EXISTS facts_ts ON facts (ts)",
    "facts_intro": "CREATE INDEX IF NOT EXISTS facts_intro ON facts (message_id) WHERE intro",
    "refs_message": "CREATE INDEX IF NOT EXISTS refs_message ON refs (message_id)",
    "refs_ref": "CREATE INDEX IF NOT EXISTS refs_ref ON refs (ref)",
}

# Is a message personal now (``DerivedTables.set_personal``)?
_PERSONAL_EVERY = (
    "UPDATE facts SET personal = (ts <= ? AND CASE WHEN soft IS NOT NULL AND sender IN "
    "(SELECT address FROM written_to) THEN soft ELSE verdict END = 'personal')")
_PERSONAL_PENDING = _PERSONAL_EVERY + " WHERE message_id IN (SELECT message_id FROM pending)"  # noqa: S608

# (message_id, ts, verdict, soft, outbound, sender, subject_key, intro)
Fact = tuple[str, float, str, str | None, int, str, str, int]
class DerivedTables:
    """SQL for the derived tables; ``transaction`` groups a re-derivation's writes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self.touches = TouchTables(db)
        self.named = Named(db)
        self.streamed = Streamed(db)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One writer at a time from the first read on: a read-only command and the daemon
        refreshing together take turns (the other waits, up to the store's busy timeout)."""
        if not self._db.in_transaction:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(
                    f"the store is busy ({exc}): another syncd is writing to it, perhaps "
                    "deriving everything after an upgrade or a config change, which can take "
                    "minutes on a large mailbox; try again shortly") from None
        with self._db:
            yield

    def _column(self, query: str, ids: Iterable[str]) -> set[str]:
        return column(self._db, query, ids)

    # -- bookkeeping -------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def reset(self) -> None:
        """Forget everything derived and mark every stored message for re-derivation."""
        for table in ("meta", "facts", "refs", "written_to", "touches", "seen", "members",
                      "pending", "ledger_dirty"):
            self._db.execute(f"DELETE FROM {table}")  # noqa: S608
        self.named.reset()
        self._db.execute("INSERT OR IGNORE INTO stale SELECT message_id FROM messages")

    def stale_after(self, rowid: int, limit: int) -> list[tuple[int, str]]:
        """The next ``limit`` stale messages after ``rowid`` (rowid, Message-ID)."""
        return list(self._db.execute(
            "SELECT rowid, message_id FROM stale WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (rowid, limit)))

    def stale_count(self) -> int:  # (after ``reset``: every stored message)
        return int(self._db.execute("SELECT count(*) FROM stale").fetchone()[0])

    def stale_to_pending(self, *, keep: bool = True) -> int:
        """Move every stale message to ``pending`` (not ``keep``, after a ``reset``: only empty
        ``stale``, no million keys in ``pending`` for nothing); return how many there were."""
        if keep:
            self._db.execute("INSERT OR IGNORE INTO pending SELECT message_id FROM stale")
        return int(self._db.execute("DELETE FROM stale").rowcount)

    def add_pending(self, ids: Iterable[str]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", ((i,) for i in ids))

    def pending_dated_between(self, low: float, high: float) -> None:
        """Messages whose date ``now`` passed (either way) since the last refresh."""
        self._db.execute("INSERT OR IGNORE INTO pending SELECT message_id FROM facts "
                         "WHERE ts > ? AND ts <= ?", (low, high))

    def next_pending(self, limit: int) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT message_id FROM pending LIMIT ?",
                                                   (limit,))]

    def done_pending(self, ids: Iterable[str]) -> None:
        for chunk in _chunks(ids, self._db):
            self._db.execute(f"DELETE FROM pending WHERE message_id IN ({_marks(chunk)})",  # noqa: S608
                             chunk)

    def drop_read_indexes(self) -> None:
        """Before a first derivation: the indexes only the readers after it use are built
        once at the end (``build_read_indexes``), not kept up row by row."""
        for name in READ_INDEXES.keys() - _KEPT:
            self._db.execute(f"DROP INDEX IF EXISTS {name}")
        ledger_cache.pause(self._db)

    def build_read_indexes(self) -> None:
        for create in READ_INDEXES.values():  # (those kept: nothing to do)
            self._db.execute(create)
        ledger_cache.resume(self._db)

    def drop_fact_indexes(self) -> None:
        """Before classifying everything into empty tables (``build_fact_indexes`` after)."""
        for name in FACT_INDEXES:
            self._db.execute(f"DROP INDEX IF EXISTS {name}")

    def build_fact_indexes(self) -> None:
        for create in FACT_INDEXES.values():
            self._db.execute(create)

    # -- facts -------------------------------------------------------------------------------

    def put_facts(self, facts: Sequence[Fact], refs: Sequence[tuple[str, str]], *,
                  fresh: bool = False) -> None:
        """Write ``facts`` and their ``refs``; ``fresh``: none of them has refs stored yet."""
        if not fresh:
            self._db.executemany("DELETE FROM refs WHERE message_id = ?",
                                 [(f[0],) for f in facts])
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

    def has_message(self, message_id: str) -> bool:
        """Is the message among the stored (classified) mail? (A key probe, no decoding.)"""
        return self._db.execute("SELECT 1 FROM facts WHERE message_id = ?",
                                (message_id,)).fetchone() is not None

    def wrote_on(self, address: str, subject: str, before: datetime) -> bool:
        """Did ``address`` write a stored message with this normalised subject before
        ``before``? (Through ``facts_subject``.)"""
        return self._db.execute(
            "SELECT 1 FROM facts WHERE subject_key = ? AND ts < ? AND sender = ? LIMIT 1",
            (subject, before.timestamp(), address)).fetchone() is not None

    def senders_answering_mine(self) -> set[str]:
        """Senders of every inbound message that references an outbound personal message
        (``senders_replying_to`` and ``replying_to_mine`` over all facts at once)."""
        return {row[0] for row in self._db.execute(
            "SELECT DISTINCT f.sender FROM refs r JOIN facts f ON f.message_id = r.message_id "
            "JOIN facts g ON g.message_id = r.ref WHERE NOT f.outbound AND f.sender != '' "
            "AND g.outbound AND g.verdict = 'personal'")}

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

    def set_personal(self, now: float, *, every: bool = False) -> None:
        """For the pending messages (``every``: all of them, after a ``reset``: one pass, no
        probe of ``pending`` a row): personal now? The verdict (or, for
        a written-to sender, the soft one) is personal and the message is not dated in the
        future."""
        self._db.execute(_PERSONAL_EVERY if every else _PERSONAL_PENDING, (now,))

    def personal_among(self, ids: Iterable[str]) -> set[str]:
        return self._column("SELECT message_id FROM facts WHERE personal AND message_id IN ({})",
                            ids)

    def closure(self, start: Iterable[str], *, forward: bool, runs: Runs | None = None
                ) -> tuple[set[str], dict[str, float]]:
        """``syncd.store.closure.closure`` over these tables."""
        return closure(self._db, start, forward=forward, runs=runs)

    def subject_threads(self, subject: str, before: float, window: float
                        ) -> list[tuple[str, str]]:
        """(thread key, Message-ID) of the personal messages in the subject threads of
        ``subject`` (keys ``s:``) dated before ``before`` whose newest message is at most
        ``window`` seconds older than ``before``, oldest first: the threads a message at
        ``before`` could still join."""
        return list(self._db.execute(
            "SELECT thread, message_id FROM facts WHERE subject_key != '' AND subject_key = ? "
            "AND ts < ? AND personal AND thread IN (SELECT thread FROM facts WHERE "
            "subject_key != '' AND subject_key = ? AND ts < ? AND personal AND "
            "substr(thread, 1, 2) = 's:' GROUP BY thread HAVING max(ts) >= ?) "
            "ORDER BY ts, message_id", (subject, before, subject, before, before - window)))

    def set_threads(self, threads: dict[str, str]) -> None:
        self._db.executemany("UPDATE facts SET thread = ? WHERE message_id = ?",
                             ((t, m) for m, t in threads.items()))

    def first_intros(self) -> list[str]:
        """Personal messages with an introduction subject that open their thread."""
        return [row[0] for row in self._db.execute(
            "SELECT f.message_id FROM facts f INDEXED BY facts_intro WHERE f.intro AND f.personal "
            "AND NOT EXISTS ("
            "SELECT 1 FROM facts g WHERE g.personal AND g.thread = f.thread AND "
            "(g.ts < f.ts OR (g.ts = f.ts AND g.message_id < f.message_id)))")]

    def thread_of(self, message_id: str) -> str:
        row = self._db.execute("SELECT thread FROM facts WHERE message_id = ?",
                               (message_id,)).fetchone()
        return "" if row is None or row[0] is None else str(row[0])

    def thread_members(self, thread: str) -> list[str]:
        """The personal messages threaded into ``thread``."""
        return [row[0] for row in self._db.execute(
            "SELECT message_id FROM facts WHERE personal AND thread = ?", (thread,))]

    def written_to(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT address FROM written_to")}
