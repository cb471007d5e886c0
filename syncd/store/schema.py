"""The store's schema: migrations by ``PRAGMA user_version``, and opening the file (0600 in a
0700 directory, WAL)."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from syncd.errors import SchemaTooNew, StoreError
from syncd.store.book import BOOK_SCHEMA
from syncd.store.derived import DERIVED_SCHEMA
from syncd.store.ledger_cache import LEDGER_CACHE_SCHEMA
from syncd.store.logged import LOGGED_SCHEMA
from syncd.store.own_senders import OWN_SENDERS_SCHEMA

log = logging.getLogger("syncd.store")

SCHEMA_VERSION = 10

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
    4: """
    CREATE TABLE uncertain (
        key TEXT PRIMARY KEY, op TEXT NOT NULL, base_key TEXT NOT NULL, remote_id TEXT NOT NULL,
        etag TEXT, start TEXT NOT NULL, anchor TEXT NOT NULL, kind TEXT NOT NULL,
        person_id TEXT NOT NULL, state TEXT NOT NULL, generation INTEGER NOT NULL,
        sink TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
    # flags derived from the start of a message's text (rules.text_signals); never the text
    5: """
    ALTER TABLE messages ADD COLUMN signals TEXT;
    """,
    6: BOOK_SCHEMA,
    7: LOGGED_SCHEMA,
    # per-person ledger summaries: a cache of ``touches``, marked dirty by triggers
    8: LEDGER_CACHE_SCHEMA,
    # an outbound touch whose text quotes someone's answer (``Interaction.answered``), kept so
    # that marking a thread again from its stored touches closes the same asks
    9: """
    ALTER TABLE touches ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
    """,
    # the From addresses of mail in the user's sent folders (labels \Sent, SENT): where the
    # user's other addresses are learned (``rules.people``), kept by triggers
    10: OWN_SENDERS_SCHEMA,
}



# 16 KiB pages: a store is read and written in long runs (a first derivation writes twice the
# mail's size in derived tables and indexes, through the WAL): a quarter of the system calls of
# 4 KiB pages, about 5% less CPU for a first derivation at a million messages (bench/README.md,
# "Issue 16: session 10 (io10)"). The page cache stays 2 MB. A store made before keeps its own.
PAGE_SIZE = 16_384


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database: 0600 file in a 0700 directory, WAL, migrated."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fresh = not path.exists()
    if fresh:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    path.chmod(0o600)
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level="DEFERRED")
        if fresh:  # (before any table; the connection's temporary tables keep the default:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # see below)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}; move it aside and run "
                         "`syncd sync` to rebuild it (follow-up records will be re-learned "
                         "from the calendar)") from None
    _migrate(conn, path)
    if fresh:  # the store's pages are set; temporary tables and sorts get 4 KiB pages again
        conn.execute("PRAGMA page_size = 4096")  # (16 KiB there cost 3-9 MB more at the peak)
    return conn


def renewed(conn: sqlite3.Connection, path: Path | None) -> sqlite3.Connection:
    """A fresh connection to ``path`` in place of ``conn`` (closed), which drops everything SQLite
    and sqlite3 cached for it; ``conn`` itself, its page cache freed, when there is no path, a
    transaction is open, or the file cannot be opened again (logged: the next cycle says more)."""
    if path is not None and not conn.in_transaction:
        try:
            fresh = connect(path)
        except (StoreError, OSError, sqlite3.Error) as exc:
            log.warning("keeping the store's connection: %s", exc)
        else:
            conn.close()
            return fresh
    conn.execute("PRAGMA shrink_memory")
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
