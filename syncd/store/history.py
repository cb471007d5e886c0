"""One person's stored interactions for ``syncd why``, read a row at a time (read only: the
derivation writes ``touches``, ``syncd.store.touches``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from syncd.store.touches import THREADLESS

# (ref, ts, direction, thread, subject, direct)
HistoryRow = tuple[str, float, str, str, str | None, int]


class PersonHistory:
    """SQL for one person's touches, for ``syncd why``."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def rows(self, person: str) -> Iterator[HistoryRow]:
        """``person``'s touches in the order the ledger reads them (time, then ref:
        ``TouchTables.touches_of``)."""
        yield from self._db.execute(
            "SELECT ref, ts, direction, thread, subject, direct FROM touches WHERE person = ? "
            "ORDER BY ts, ref", (person,))

    def thread_sizes(self, person: str) -> dict[str, int]:
        """Thread -> how many of ``person``'s touches are in it (meetings and logged touches,
        in no thread, left out)."""
        return dict(self._db.execute(
            "SELECT thread, count(*) FROM touches WHERE person = ? AND "  # noqa: S608
            f"direction NOT IN ({THREADLESS}) GROUP BY thread", (person,)))

    def size(self, person: str) -> int:
        return int(self._db.execute("SELECT count(*) FROM touches WHERE person = ?",
                                    (person,)).fetchone()[0])

    def threadless_refs(self, person: str) -> set[str]:
        """The meetings and logged touches that count for ``person``."""
        return {row[0] for row in self._db.execute(
            f"SELECT ref FROM touches WHERE person = ? AND direction IN ({THREADLESS})",  # noqa: S608
            (person,))}
