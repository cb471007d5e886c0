"""The touches the user logged (``syncd touch``): the user's own data, in their own table.

Nothing a provider says can bring them back, so nothing that rebuilds from providers touches
this table: not a full resync, not an expired cursor, not a rebuild of the derived tables
(``DerivedTables.reset``). ``syncd.incremental`` copies them into ``touches`` each refresh.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from syncd.model import LoggedTouch

LOGGED_SCHEMA = """
    CREATE TABLE logged_touches (
        id INTEGER PRIMARY KEY AUTOINCREMENT, person TEXT NOT NULL, ts REAL NOT NULL,
        via TEXT NOT NULL, note TEXT NOT NULL, answered INTEGER NOT NULL,
        logged_at TEXT NOT NULL);
"""


class LoggedTouches:
    """SQL for ``logged_touches``; each change commits at once."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, person: str, at: datetime, *, via: str, note: str, answered: bool
            ) -> LoggedTouch:
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO logged_touches (person, ts, via, note, answered, logged_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (person, at.timestamp(), via, note, int(answered),
                 datetime.now(UTC).isoformat(timespec="seconds")))
        assert cursor.lastrowid is not None
        return LoggedTouch(cursor.lastrowid, person, at.astimezone(UTC), via, note, answered)

    def remove(self, touch_id: int) -> LoggedTouch | None:
        """Remove touch ``touch_id``; return it, or None when there is no such touch."""
        found = self.get(touch_id)
        if found is not None:
            with self._db:
                self._db.execute("DELETE FROM logged_touches WHERE id = ?", (touch_id,))
        return found

    def get(self, touch_id: int) -> LoggedTouch | None:
        rows = self._select("WHERE id = ?", (touch_id,))
        return rows[0] if rows else None

    def all(self) -> list[LoggedTouch]:
        """Every logged touch, oldest first."""
        return self._select("ORDER BY ts, id", ())

    def _select(self, tail: str, args: tuple[object, ...]) -> list[LoggedTouch]:
        return [LoggedTouch(n, person, datetime.fromtimestamp(ts, UTC), via, note, bool(answered))
                for n, person, ts, via, note, answered in self._db.execute(
                    f"SELECT id, person, ts, via, note, answered FROM logged_touches {tail}",  # noqa: S608
                    args)]
