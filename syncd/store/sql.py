"""Small helpers for the store's SQL: ``IN (...)`` lists in chunks SQLite accepts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

CHUNK = 500
# A longer list (a first derivation's large closures) goes in chunks of this many: a quarter
# of the statements, each padded to the full length (repeating its first id: ``IN`` is a
# membership test) so that one prepared statement per query serves them all. Each prepared
# statement stays in the connection's statement cache, and one per length of this size would
# cost RSS (chunks of 2,000 of every length: 5 MB more on the Enron mailboxes).
LARGE = 2000


def chunks(items: Iterable[str], db: sqlite3.Connection | None = None) -> Iterator[list[str]]:
    """``items`` in chunks for ``IN`` lists; with ``db``, a list longer than ``LARGE`` in chunks
    of exactly ``LARGE`` (within what this SQLite allows: 999 before 3.32)."""
    values = list(items)
    if db is None or len(values) <= LARGE:
        for start in range(0, len(values), CHUNK):
            yield values[start:start + CHUNK]
        return
    size = min(LARGE, db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    for start in range(0, len(values), size):
        chunk = values[start:start + size]
        yield chunk + [chunk[0]] * (size - len(chunk))


def marks(chunk: Sequence[Any]) -> str:
    """``?,?,?`` for ``chunk``."""
    return ",".join("?" * len(chunk))


def column(db: sqlite3.Connection, query: str, ids: Iterable[str]) -> set[str]:
    """The first column of ``query`` (whose ``{}`` takes the ``?`` marks) over ``ids``."""
    found: set[str] = set()
    for chunk in chunks(ids, db):
        found.update(row[0] for row in db.execute(query.format(marks(chunk)), chunk))
    return found
