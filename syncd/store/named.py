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

TABLE = ("CREATE TABLE IF NOT EXISTS named (message_id TEXT NOT NULL, address TEXT NOT NULL, "
         "PRIMARY KEY (message_id, address)) WITHOUT ROWID")
INDEX = "CREATE INDEX IF NOT EXISTS named_address ON named (address)"
_HELD = ("CREATE TEMP TABLE IF NOT EXISTS named_held (message_id TEXT NOT NULL, "
         "address TEXT NOT NULL)")


class Named:
    """SQL for ``named``."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def ensure(self) -> None:
        self._db.execute(TABLE)
        self._db.execute(INDEX)

    def reset(self) -> None:
        self._db.execute(TABLE)
        self._db.execute("DELETE FROM named")

    def drop_index(self) -> None:
        """Before a first derivation writes every row (``ensure`` builds it again after)."""
        self._db.execute("DROP INDEX IF EXISTS named_address")

    def put(self, rows: Sequence[tuple[str, str]], ids: Iterable[str], *, fresh: bool) -> None:
        """(Message-ID, address) ``rows`` for messages ``ids``, replacing what they had;
        ``fresh``: none of them has rows yet, and the table is empty (a first derivation):
        the rows wait in a temporary table until ``put_held`` writes them all at once."""
        if fresh:
            self._db.execute(_HELD)
            self._db.executemany("INSERT INTO temp.named_held VALUES (?, ?)", rows)
            return
        self._db.executemany("DELETE FROM named WHERE message_id = ?", [(i,) for i in ids])
        # in key order: the table is its primary key (WITHOUT ROWID), so the order written
        # changes nothing stored, and neighbouring keys go to the same pages
        self._db.executemany("INSERT OR IGNORE INTO named VALUES (?, ?)", sorted(rows))

    def put_held(self) -> None:
        """Write the rows ``put`` held, in key order: each page of the table written once,
        not batch after batch of keys spread over all of it."""
        self._db.execute(_HELD)
        self._db.execute("INSERT OR IGNORE INTO named SELECT message_id, address FROM "
                         "temp.named_held ORDER BY message_id, address")
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
