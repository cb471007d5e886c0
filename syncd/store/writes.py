"""The record of calendar writes (``writes``) and of writes whose answer was lost
(``uncertain``), kept by ``Store`` through this mixin: the engine reads what it wrote last
time, records each outcome, and settles the uncertain ones after the next snapshot."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from syncd.model import Uncertain, Written
from syncd.store import codec


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CalendarWrites:
    _db: sqlite3.Connection

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def written(self) -> dict[str, Written]:
        """The newest record per base key."""
        return {w.base_key: w for w in map(codec.written, self._db.execute(
            f"SELECT {codec.WRITTEN_COLUMNS} FROM writes ORDER BY generation"))}  # noqa: S608

    def record_write(self, written: Written, *, sink: str) -> None:
        """Record a write whose outcome is known (it settles an uncertain one for its key)."""
        with self._tx() as db:
            self._record(db, written, sink)

    def record_uncertain(self, uncertain: Uncertain, *, sink: str) -> None:
        """A write whose answer never came back; ``settle`` decides it after the next
        snapshot."""
        with self._tx() as db:
            db.execute(f"INSERT OR REPLACE INTO uncertain (op, sink, updated_at, "  # noqa: S608
                       f"{codec.WRITTEN_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       (uncertain.op, sink, _now(), *codec.written_row(uncertain.written)))

    def uncertain(self) -> list[Uncertain]:
        return [Uncertain(row[0], codec.written(row[1:])) for row in self._db.execute(
            f"SELECT op, {codec.WRITTEN_COLUMNS} FROM uncertain ORDER BY key")]  # noqa: S608

    def settle(self, settled: Iterable[Written], *, sink: str) -> None:
        """Record what the uncertain writes turned out to be, and forget them all (a write
        that did not happen leaves no record), in one transaction."""
        with self._tx() as db:
            for written in settled:
                self._record(db, written, sink)
            db.execute("DELETE FROM uncertain")

    @staticmethod
    def _record(db: sqlite3.Connection, written: Written, sink: str) -> None:
        db.execute(f"INSERT OR REPLACE INTO writes ({codec.WRITTEN_COLUMNS}, sink, "  # noqa: S608
                   "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   (*codec.written_row(written), sink, _now()))
        db.execute("DELETE FROM uncertain WHERE key = ?", (written.key,))

