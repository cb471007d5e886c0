"""The local database: the only module that touches sqlite3.

Metadata only (DESIGN.md section 10). Messages are kept by Message-ID, so the same message seen in
two folders or two accounts is one row; where it was seen lives in ``locations``. Each page and
the cursor after it are committed in one transaction. ``writes`` records every calendar write:
it is the one table that cannot be re-fetched from a provider.

Deleted mail does not un-happen a conversation: a message whose locations are all gone stays in
``messages`` (it still counts as a touch). A deleted or cancelled meeting is removed.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syncd.errors import SchemaTooNew, StoreError
from syncd.model import Address, Attendee, Meeting, Message, Page, Written
from syncd.store.derived import DERIVED_SCHEMA, DerivedTables

log = logging.getLogger("syncd.store")
EMPTY_LISTING_GUARD = 5  # an empty listing sweeps nothing where at least this many items are stored
SCHEMA_VERSION = 3

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE cursors (
        account TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE messages (
        message_id TEXT PRIMARY KEY, ts REAL NOT NULL, sender TEXT, recipients TEXT NOT NULL,
        subject TEXT, thread_id TEXT, in_reply_to TEXT, refs TEXT NOT NULL, headers TEXT NOT NULL,
        labels TEXT NOT NULL, account TEXT NOT NULL);
    CREATE INDEX messages_ts ON messages (ts);
    CREATE TABLE locations (
        account TEXT NOT NULL, native_id TEXT NOT NULL, message_id TEXT NOT NULL,
        scope TEXT NOT NULL, listing TEXT, PRIMARY KEY (account, native_id));
    CREATE INDEX locations_scope ON locations (account, scope);
    CREATE TABLE meetings (
        account TEXT NOT NULL, native_id TEXT NOT NULL, uid TEXT NOT NULL, start_ts REAL NOT NULL,
        end_ts REAL NOT NULL, all_day INTEGER NOT NULL, organizer TEXT, attendees TEXT NOT NULL,
        status TEXT NOT NULL, summary TEXT, scope TEXT NOT NULL, ours INTEGER NOT NULL,
        listing TEXT, PRIMARY KEY (account, native_id));
    CREATE INDEX meetings_scope ON meetings (account, scope);
    CREATE TABLE quarantine (
        account TEXT NOT NULL, native_id TEXT NOT NULL, seen_at TEXT NOT NULL,
        PRIMARY KEY (account, native_id));
    CREATE TABLE writes (
        key TEXT PRIMARY KEY, base_key TEXT NOT NULL, remote_id TEXT NOT NULL, etag TEXT,
        start TEXT NOT NULL, anchor TEXT NOT NULL, kind TEXT NOT NULL, person_id TEXT NOT NULL,
        state TEXT NOT NULL, generation INTEGER NOT NULL, sink TEXT NOT NULL,
        updated_at TEXT NOT NULL);
    CREATE INDEX writes_base ON writes (base_key);
    CREATE TABLE account_status (
        account TEXT PRIMARY KEY, state TEXT NOT NULL, last_success TEXT, last_error TEXT,
        items INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
    """,
    2: """
    ALTER TABLE account_status ADD COLUMN next_run TEXT;
    """,
    3: DERIVED_SCHEMA,
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _addr(a: Address | None) -> list[str] | None:
    return None if a is None else [a.email, a.name]


class Store:
    """An open database. Use ``Store.open(path)`` as a context manager."""

    def __init__(self, conn: sqlite3.Connection, *, keep_subjects: bool = True) -> None:
        self._db = conn
        self.keep_subjects = keep_subjects

    @classmethod
    @contextmanager
    def open(cls, path: Path, *, keep_subjects: bool = True) -> Iterator[Store]:
        store = cls(connect(path), keep_subjects=keep_subjects)
        try:
            yield store
        finally:
            store._db.close()

    @property
    def derived(self) -> DerivedTables:
        """The derived tables: a cache of the detection stage, rebuilt when rules change."""
        return DerivedTables(self._db)

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
            messages = [i for i in page.items if isinstance(i, Message)]
            meetings = [i for i in page.items if isinstance(i, Meeting)]
            if messages:
                self._put_messages(db, account, messages, page.listing)
            if meetings:
                self._put_meetings(db, account, meetings, page.listing)
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
        for table in ("locations", "meetings"):
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
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for mid, labels in db.execute(
                    f"SELECT message_id, labels FROM messages WHERE message_id IN ({marks})",  # noqa: S608
                    chunk):
                existing[mid] = set(json.loads(labels))
        rows = []
        changed = []
        for m in messages:
            before = existing.get(m.message_id)
            labels = sorted((before or set()) | set(m.labels))
            if before is None or len(labels) != len(before):
                changed.append((m.message_id,))
            existing[m.message_id] = set(labels)
            rows.append((
                m.message_id, m.date.timestamp(), json.dumps(_addr(m.sender)),
                json.dumps([[a.email, a.name] for a in m.to] + [None]
                           + [[a.email, a.name] for a in m.cc]),
                m.subject if self.keep_subjects else None, m.thread_id, m.in_reply_to,
                json.dumps(m.references), json.dumps(m.headers), json.dumps(labels), account,
            ))
        db.executemany(
            "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(message_id) DO "
            "UPDATE SET labels = excluded.labels, "
            "thread_id = coalesce(messages.thread_id, excluded.thread_id)", rows)
        db.executemany("INSERT OR IGNORE INTO stale VALUES (?)", changed)
        db.executemany(
            "INSERT OR REPLACE INTO locations VALUES (?, ?, ?, ?, ?)",
            [(account, m.native_id, m.message_id, m.scope, listing) for m in messages])

    def _put_meetings(self, db: sqlite3.Connection, account: str, meetings: Sequence[Meeting],
                      listing: str | None) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO meetings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(account, m.native_id, m.uid, m.start.timestamp(), m.end.timestamp(),
              int(m.all_day), json.dumps(_attendee(m.organizer)),
              json.dumps([_attendee(a) for a in m.attendees]), m.status,
              m.summary if self.keep_subjects else None, m.scope, int(m.ours), listing)
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
        query = ("SELECT message_id, ts, sender, recipients, subject, thread_id, in_reply_to, "
                 "refs, headers, labels, account FROM messages ORDER BY ts, message_id")
        for row in self._db.execute(query):
            yield _message(row)

    def message(self, message_id: str) -> Message | None:
        row = self._db.execute(
            "SELECT message_id, ts, sender, recipients, subject, thread_id, in_reply_to, refs, "
            "headers, labels, account FROM messages WHERE message_id = ?",
            (message_id,)).fetchone()
        return None if row is None else _message(row)

    def messages_by_id(self, ids: Iterable[str]) -> list[Message]:
        """The stored messages among ``ids``, ordered as ``messages`` orders them."""
        found: list[Message] = []
        wanted = list(ids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            query = ("SELECT message_id, ts, sender, recipients, subject, thread_id, "  # noqa: S608
                     "in_reply_to, refs, headers, labels, account FROM messages WHERE "
                     f"message_id IN ({marks})")
            found.extend(_message(row) for row in self._db.execute(query, chunk))
        found.sort(key=lambda m: (m.date, m.message_id))
        return found

    def meetings(self) -> Iterator[Meeting]:
        query = ("SELECT account, native_id, uid, start_ts, end_ts, all_day, organizer, "
                 "attendees, status, summary, scope, ours FROM meetings ORDER BY start_ts")
        for row in self._db.execute(query):
            yield Meeting(
                account=row[0], native_id=row[1], uid=row[2], start=_dt(row[3]),
                end=_dt(row[4]), all_day=bool(row[5]), organizer=_attendee_of(json.loads(row[6])),
                attendees=tuple(a for a in map(_attendee_of, json.loads(row[7])) if a),
                status=row[8], summary=row[9], scope=row[10], ours=bool(row[11]))

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("messages", "locations", "meetings", "quarantine", "writes"):
            out[table] = int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
        return out

    def items_of(self, account: str) -> int:
        row = self._db.execute(
            "SELECT (SELECT count(*) FROM locations WHERE account = ?) + "
            "(SELECT count(*) FROM meetings WHERE account = ?)", (account, account)).fetchone()
        return int(row[0])

    # -- calendar writes ---------------------------------------------------------------------

    def written(self) -> dict[str, Written]:
        """The newest record per base key."""
        out: dict[str, Written] = {}
        for row in self._db.execute(
                "SELECT key, base_key, remote_id, etag, start, anchor, kind, person_id, state, "
                "generation FROM writes ORDER BY generation"):
            out[row[1]] = Written(
                key=row[0], base_key=row[1], remote_id=row[2], etag=row[3],
                start=datetime.fromisoformat(row[4]), anchor=row[5], kind=row[6],
                person_id=row[7], state=row[8], generation=int(row[9]))
        return out

    def record_write(self, written: Written, *, sink: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO writes VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (written.key, written.base_key, written.remote_id, written.etag,
                 written.start.isoformat(), written.anchor, written.kind, written.person_id,
                 written.state, written.generation, sink, _now()))

    # -- account status ----------------------------------------------------------------------

    def set_status(self, account: str, state: str, *, error: str | None = None) -> None:
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO account_status (account, state, last_success, last_error, items, "
                "updated_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(account) DO UPDATE SET "
                "state = excluded.state, updated_at = excluded.updated_at, "
                "last_success = coalesce(excluded.last_success, account_status.last_success), "
                "last_error = CASE WHEN excluded.state = 'ok' THEN account_status.last_error "
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


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database: 0600 file in a 0700 directory, WAL, migrated."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    path.chmod(0o600)
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level="DEFERRED")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}; move it aside and run "
                         "`syncd sync` to rebuild it (follow-up records will be re-learned "
                         "from the calendar)") from None
    _migrate(conn, path)
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        conn.close()
        raise SchemaTooNew(
            f"the store at {path} was written by a newer syncd (schema {version}, this one "
            f"knows {SCHEMA_VERSION}); upgrade syncd (pip install -U syncd)")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with conn:
            conn.executescript(f"BEGIN; {_MIGRATIONS[target]} PRAGMA user_version = {target}; "
                               "COMMIT;")


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _attendee(a: Attendee | None) -> list[str] | None:
    return None if a is None else [a.email, a.name, a.partstat, a.cutype]


def _attendee_of(raw: list[str] | None) -> Attendee | None:
    return None if raw is None else Attendee(*raw)


_ADDRESSES: dict[tuple[str, str], Address] = {}
_TUPLES: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _address(email: str, name: str) -> Address:
    """One shared record per (address, name): a mailbox repeats the same people thousands of
    times, and sharing keeps a large backfill's memory flat."""
    key = (email, name)
    found = _ADDRESSES.get(key)
    if found is None:
        if len(_ADDRESSES) > 200_000:
            _ADDRESSES.clear()
        found = _ADDRESSES[key] = Address(sys.intern(email), sys.intern(name))
    return found


def _shared(value: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(_TUPLES) > 50_000:
        _TUPLES.clear()
    return _TUPLES.setdefault(value, value)


def _addresses(raw: Iterable[list[str]]) -> tuple[Address, ...]:
    return _shared(tuple(_address(e, n) for e, n in raw))


def _message(row: sqlite3.Row | tuple[Any, ...]) -> Message:
    sender = json.loads(row[2])
    recipients = json.loads(row[3])
    split = recipients.index(None)
    return Message(
        account=row[10], native_id="", message_id=row[0], date=_dt(row[1]),
        sender=None if sender is None else _address(sender[0], sender[1]),
        to=_addresses(recipients[:split]), cc=_addresses(recipients[split + 1:]),
        subject=row[4], thread_id=row[5], in_reply_to=row[6],
        references=tuple(json.loads(row[7])),
        headers=_shared(tuple((sys.intern(k), v) for k, v in json.loads(row[8]))),
        labels=_shared(tuple(json.loads(row[9]))))
