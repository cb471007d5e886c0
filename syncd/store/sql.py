"""Small helpers for the store's SQL: ``IN (...)`` lists in chunks SQLite accepts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

CHUNK = 500
# The most ``?`` one list takes where a query has one list: fewer, larger statements for a
# large set (a first derivation's closures), within what this SQLite allows (999 before 3.32).
# Not more: each prepared statement stays in the connection's statement cache, and at 5,000
# marks those cost 8 MB of RSS for 0.1 s of CPU per 100,000 messages.
LARGE = 2000


def chunks(items: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    values = list(items)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def large(db: sqlite3.Connection) -> int:
    """The chunk size for a query with one ``IN`` list on ``db``."""
    return min(LARGE, db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


def marks(chunk: Sequence[Any]) -> str:
    """``?,?,?`` for ``chunk``."""
    return ",".join("?" * len(chunk))


def column(db: sqlite3.Connection, query: str, ids: Iterable[str]) -> set[str]:
    """The first column of ``query`` (whose ``{}`` takes the ``?`` marks) over ``ids``."""
    found: set[str] = set()
    for chunk in chunks(ids, large(db)):
        found.update(row[0] for row in db.execute(query.format(marks(chunk)), chunk))
    return found
