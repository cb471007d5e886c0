"""The local database: this package is the only code that touches sqlite3.

``Store`` (here) keeps the records: messages, meetings, cursors, account status, and (through
``writes``) the calendar writes. ``schema`` migrates and opens the file; ``codec`` turns
records into rows and back; ``derived`` keeps what syncd derived from each message and
``touches`` the interactions (``syncd.incremental`` drives both); ``ledgers`` recomputes
every person's ledger from the interactions; ``logged`` keeps the touches the user logged
(``syncd touch``), their own data; ``sql`` has the helpers they share.

Metadata only (DESIGN.md section 10). Messages are kept by Message-ID, so the same message seen in
two folders or two accounts is one row; where it was seen lives in ``locations``. Each page and
the cursor after it are committed in one transaction. ``writes`` records every calendar write
(the calendar can tell it again: events carry our key, and the engine adopts the unrecorded
ones); ``uncertain`` holds the writes whose answer was lost until the next snapshot settles them.

Deleted mail does not un-happen a conversation: a message whose locations are all gone stays in
``messages`` (it still counts as a touch). A deleted or cancelled meeting is removed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from syncd.model import Contact, Meeting, Message, Page
from syncd.store import book, codec, sql
from syncd.store.derived import DerivedTables
from syncd.store.history import PersonHistory
from syncd.store.logged import LoggedTouches
from syncd.store.own_senders import own_senders
from syncd.store.schema import SCHEMA_VERSION, connect, renewed
from syncd.store.writes import CalendarWrites, _now

__all__ = ["SCHEMA_VERSION", "Store", "connect"]

log = logging.getLogger("syncd.store")
EMPTY_LISTING_GUARD = 5  # an empty listing sweeps nothing where at least this many items are stored
class Store(CalendarWrites):
    """An open database. Use ``Store.open(path)`` as a context manager."""

    def __init__(self, conn: sqlite3.Connection, *, keep_subjects: bool = True,
                 path: Path | None = None) -> None:
        self._db = conn
        self.keep_subjects = keep_subjects
        self._path = path  # known when opened by path: ``shrink`` reopens the connection

    @classmethod
    @contextmanager
    def open(cls, path: Path, *, keep_subjects: bool = True) -> Iterator[Store]:
        store = cls(connect(path), keep_subjects=keep_subjects, path=path)
        try:
            yield store
        finally:
            store._db.close()

    @property
    def derived(self) -> DerivedTables:
        """The derived tables: a cache of the detection stage, rebuilt when rules change."""
        return DerivedTables(self._db)

    @property
    def history(self) -> PersonHistory:
        """One person's stored interactions a row at a time (``syncd why``)."""
        return PersonHistory(self._db)

    @property
    def logged(self) -> LoggedTouches:
        """The touches the user logged: their own data, never rebuilt from a provider."""
        return LoggedTouches(self._db)

    def shrink(self) -> None:
        """Between cycles, free SQLite's caches and the records shared while decoding. Opened by
        path, the store reopens its connection: that also drops the up to 128 statements
        sqlite3 keeps prepared (about 0.7 MB after a daemon's cycle, and growing)."""
        self._db = renewed(self._db, self._path)
        codec.forget_shared()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._db:  # commits on success, rolls back on any exception
            yield self._db

    # -- ingest ------------------------------------------------------------------------------

    def ingest(self, account: str, page: Page) -> None:
        """Store a page's items, removals, quarantine and cursor in one transaction."""
        with self._tx() as db:
            for native_id in page.removed:
                db.execute("DELETE FROM locations WHERE account = ? AND native_id = ?",
                           (account, native_id))
                db.execute("DELETE FROM meetings WHERE account = ? AND (native_id = ? OR "
                           "substr(native_id, 1, ?) = ?)",
                           (account, native_id, len(native_id) + 1, native_id + "#"))
                book.remove(db, account, native_id)
            messages = [i for i in page.items if isinstance(i, Message)]
            meetings = [i for i in page.items if isinstance(i, Meeting)]
            if messages:
                self._put_messages(db, account, messages, page.listing)
            if meetings:
                self._put_meetings(db, account, meetings, page.listing)
            contacts = [i for i in page.items if isinstance(i, Contact)]
            if contacts:
                book.put(db, account, contacts, page.listing)
            db.executemany(
                "INSERT OR REPLACE INTO quarantine VALUES (?, ?, ?)",
                [(account, n, _now()) for n in page.quarantined],
            )
            if page.listing and page.listing_complete:
                self._sweep(db, account, page.scope, page.listing)
            db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?, ?)",
                       (account, page.cursor, _now()))

    @staticmethod
    def _sweep(db: sqlite3.Connection, account: str, scope: str, listing: str) -> None:
        """After a full listing, drop what it did not see, unless it saw nothing at all while
        this scope holds many items: a provider that suddenly shows an empty folder or calendar
        is a glitch until proven otherwise, and never wipes the history (deletions the provider
        reports one by one still apply)."""
        for table in ("locations", "meetings", "contacts"):
            seen, stale = db.execute(
                f"SELECT count(*) FILTER (WHERE listing = ?), "  # noqa: S608
                f"count(*) FILTER (WHERE listing IS NULL OR listing != ?) FROM {table} "
                "WHERE account = ? AND scope = ?", (listing, listing, account, scope)).fetchone()
            if seen == 0 and stale >= EMPTY_LISTING_GUARD:
                log.warning("%s: %s came back empty but %d items were stored; keeping them "
                            "(a glitch, or delete them at the provider one by one)",
                            account, scope or "the account", stale)
                continue
            db.execute(f"DELETE FROM {table} WHERE account = ? AND scope = ? "  # noqa: S608
                       "AND (listing IS NULL OR listing != ?)", (account, scope, listing))

    def _put_messages(self, db: sqlite3.Connection, account: str, messages: Sequence[Message],
                      listing: str | None) -> None:
        ids = [m.message_id for m in messages]
        existing: dict[str, set[str]] = {}
        flags: dict[str, str | None] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for mid, labels, signals in db.execute(
                    "SELECT message_id, labels, signals FROM messages "  # noqa: S608
                    f"WHERE message_id IN ({marks})", chunk):
                existing[mid] = set(json.loads(labels))
                flags[mid] = signals
        rows = []
        changed = []
        for m in messages:
            before = existing.get(m.message_id)
            labels = sorted((before or set()) | set(m.labels))
            new_flags = None if m.signals is None else ",".join(m.signals)
            if (before is None or len(labels) != len(before)
                    or (new_flags is not None and new_flags != flags.get(m.message_id))):
                changed.append((m.message_id,))  # text flags that arrive later count too
                flags[m.message_id] = new_flags
            existing[m.message_id] = set(labels)
            rows.append(codec.message_row(m, account, labels, keep_subject=self.keep_subjects))
        db.executemany(
            "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(message_id) DO "
            "UPDATE SET labels = excluded.labels, "
            "signals = coalesce(excluded.signals, messages.signals), "
            "thread_id = coalesce(messages.thread_id, excluded.thread_id)", rows)
        db.executemany("INSERT OR IGNORE INTO stale VALUES (?)", changed)
        db.executemany(
            "INSERT OR REPLACE INTO locations VALUES (?, ?, ?, ?, ?)",
            [(account, m.native_id, m.message_id, m.scope, listing) for m in messages])

    def _put_meetings(self, db: sqlite3.Connection, account: str, meetings: Sequence[Meeting],
                      listing: str | None) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO meetings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [codec.meeting_row(m, account, listing, keep_subject=self.keep_subjects)
             for m in meetings])

    # -- cursors ------------------------------------------------------------------------------

    def cursor(self, account: str) -> str | None:
        row = self._db.execute("SELECT cursor FROM cursors WHERE account = ?",
                               (account,)).fetchone()
        return None if row is None else str(row[0])

    def forget_cursor(self, account: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM cursors WHERE account = ?", (account,))

    # -- reading -----------------------------------------------------------------------------

    def messages(self) -> Iterator[Message]:
        query = f"SELECT {codec.COLUMNS} FROM messages ORDER BY ts, message_id"  # noqa: S608
        for row in self._db.execute(query):
            yield codec.message(row)

    def message(self, message_id: str) -> Message | None:
        row = self._db.execute(
            f"SELECT {codec.COLUMNS} FROM messages WHERE message_id = ?",  # noqa: S608
            (message_id,)).fetchone()
        return None if row is None else codec.message(row)

    def messages_by_id(self, ids: Iterable[str], *, headers: bool = True) -> list[Message]:
        """The stored messages among ``ids``, ordered as ``messages`` orders them; without
        their rule headers when ``headers`` is false (once classified, nothing reads them)."""
        found: list[Message] = []
        wanted = list(ids)
        column = "headers" if headers else "'[]'"
        for chunk in sql.chunks(wanted, self._db):
            marks = ",".join("?" * len(chunk))
            query = ("SELECT message_id, ts, sender, recipients, subject, thread_id, "  # noqa: S608
                     f"in_reply_to, refs, {column}, labels, account, signals FROM messages WHERE "
                     f"message_id IN ({marks})")
            found.extend(codec.message(row) for row in self._db.execute(query, chunk))
        found.sort(key=lambda m: (m.date, m.message_id))
        return found

    def message_batches(self, size: int) -> Iterator[list[Message]]:
        """Every stored message, ``size`` at a time, in the order they were stored (one scan of
        the table: what a first derivation classifies)."""
        after = 0
        while batch := [(row[12], codec.message(row)) for row in self._db.execute(
                f"SELECT {codec.COLUMNS}, rowid FROM messages WHERE rowid > ? "  # noqa: S608
                "ORDER BY rowid LIMIT ?", (after, size))]:
            after = batch[-1][0]
            yield [m for _, m in batch]

    def messages_like(self, patterns: Sequence[str], *, untouched: str = "") -> list[Message]:
        """The messages whose sender or recipients match one of the ``LIKE`` ``patterns``
        (escape character ``\\``; ASCII case-insensitive), ordered as ``messages`` orders them;
        with ``untouched``, only those that are no interaction of that person."""
        if not patterns:
            return []
        where = " OR ".join(["sender LIKE ? ESCAPE '\\' OR recipients LIKE ? ESCAPE '\\'"]
                            * len(patterns))
        args: list[str] = [p for p in patterns for _ in (0, 1)]
        if untouched:
            where = (f"({where}) AND message_id NOT IN "  # noqa: S608 - placeholders only
                     "(SELECT ref FROM touches WHERE person = ?)")
            args.append(untouched)
        query = ("SELECT message_id, ts, sender, recipients, subject, thread_id, "  # noqa: S608
                 "in_reply_to, refs, headers, labels, account FROM messages WHERE "
                 f"{where} ORDER BY ts, message_id")
        return [codec.message(row) for row in self._db.execute(query, args)]

    def meetings(self) -> Iterator[Meeting]:
        query = ("SELECT account, native_id, uid, start_ts, end_ts, all_day, organizer, "
                 "attendees, status, summary, scope, ours FROM meetings ORDER BY start_ts")
        for row in self._db.execute(query):
            yield codec.meeting(row)

    def own_senders(self) -> list[str]:
        """The From addresses of the mail in the user's sent folders."""
        return own_senders(self._db)

    def address_book(self) -> list[Contact]:
        """Every stored address-book entry (CardDAV, Google People, Outlook contacts)."""
        return list(book.read(self._db))

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("messages", "locations", "meetings", "contacts", "quarantine", "writes"):
            out[table] = int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
        return out

    def items_of(self, account: str) -> int:
        row = self._db.execute(
            "SELECT (SELECT count(*) FROM locations WHERE account = ?) + "
            "(SELECT count(*) FROM meetings WHERE account = ?) + "
            "(SELECT count(*) FROM contacts WHERE account = ?)",
            (account, account, account)).fetchone()
        return int(row[0])

    # -- account status ----------------------------------------------------------------------

    def set_status(self, account: str, state: str, *, error: str | None = None) -> None:
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO account_status (account, state, last_success, last_error, items, "
                "updated_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(account) DO UPDATE SET "
                "state = excluded.state, updated_at = excluded.updated_at, "
                "last_success = coalesce(excluded.last_success, account_status.last_success), "
                # a recovered account has no error to show: an old one would only mislead
                "last_error = CASE WHEN excluded.state = 'ok' THEN NULL "
                "ELSE excluded.last_error END",
                (account, state, now if state == "ok" else None, error, now))

    def set_next_run(self, account: str, when: datetime | None) -> None:
        """When the daemon means to pull ``account`` next (shown by ``syncd status``)."""
        with self._tx() as db:
            db.execute("UPDATE account_status SET next_run = ? WHERE account = ?",
                       (None if when is None else when.isoformat(timespec="seconds"), account))

    def statuses(self) -> dict[str, dict[str, Any]]:
        out = {}
        for row in self._db.execute("SELECT account, state, last_success, last_error, next_run "
                                    "FROM account_status"):
            out[row[0]] = {"state": row[1], "last_success": row[2], "last_error": row[3],
                           "next_run": row[4]}
        return out
