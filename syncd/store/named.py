"""``named``: the normalised addresses each stored message names (its sender, To and Cc, the
user's own addresses left out), so that ``syncd why PERSON`` finds the person's messages through
an index instead of matching every stored message's addresses.

Derived like ``facts`` (``syncd.store.derived``): the classification stage writes a message's
rows when it classifies it (``syncd.verdicts``), and ``reset`` empties the table. The table is
created when first needed; a store from before it is derived again anyway, since the code the
derived tables were made with changed (``syncd.incremental.fingerprint``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

# Keyed by address first: ``messages_naming`` reads a range of the table itself, and there is no
# second index to build and keep. (A store from before had it keyed by Message-ID, with an index
# ``named_address``: ``reset`` makes the table anew.)
TABLE = ("CREATE TABLE IF NOT EXISTS named (address TEXT NOT NULL, message_id TEXT NOT NULL, "
         "PRIMARY KEY (address, message_id)) WITHOUT ROWID")
_HELD = ("CREATE TEMP TABLE IF NOT EXISTS named_held (message_id TEXT NOT NULL, "
         "address TEXT NOT NULL)")


class Named:
    """SQL for ``named``."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def ensure(self) -> None:
        self._db.execute(TABLE)

    def reset(self) -> None:
        self._db.execute("DROP TABLE IF EXISTS named")  # (it may have the layout of before)
        self._db.execute(TABLE)

    def put(self, rows: Sequence[tuple[str, str]], *, fresh: bool) -> None:
        """(Message-ID, address) ``rows`` of some messages, added to what is there. A
        message's rows never change: its sender, To and Cc are stored once and never updated
        (``Store.ingest``), and the user's addresses are part of what the derived tables were
        made with (``syncd.incremental.fingerprint``), so a message classified again writes
        the rows it had. ``fresh``: the table is empty (a first derivation): the rows wait in
        a temporary table until ``put_held`` writes them all at once."""
        if fresh:
            self._db.execute(_HELD)
            self._db.executemany("INSERT INTO temp.named_held VALUES (?, ?)", rows)
            return
        # in key order: the table is its primary key (WITHOUT ROWID), so the order written
        # changes nothing stored, and neighbouring keys go to the same pages
        in_order = sorted((address, message_id) for message_id, address in rows)
        self._db.executemany("INSERT OR IGNORE INTO named (address, message_id) VALUES (?, ?)",
                             in_order)

    def put_held(self) -> None:
        """Write the rows ``put`` held, in key order: each page of the table written once,
        not batch after batch of keys spread over all of it."""
        self._db.execute(_HELD)
        self._db.execute("INSERT OR IGNORE INTO named (address, message_id) SELECT address, "
                         "message_id FROM temp.named_held ORDER BY address, message_id")
        self._db.execute("DROP TABLE temp.named_held")

    def messages_naming(self, addresses: Iterable[str], *, untouched: str = "") -> list[str]:
        """The messages naming one of ``addresses`` (normalised); with ``untouched``, only
        those that are no interaction of that person."""
        wanted = sorted(set(addresses))
        marks = ",".join("?" * len(wanted))
        query = f"SELECT DISTINCT message_id FROM named n WHERE address IN ({marks})"  # noqa: S608
        args: list[str] = list(wanted)
        if untouched:  # a probe per message (``touches_ref``), not a list of all their touches
            query += (" AND NOT EXISTS (SELECT 1 FROM touches t WHERE t.ref = n.message_id "
                      "AND t.person = ?)")
            args.append(untouched)
        return [row[0] for row in self._db.execute(query, args)]
