"""Small helpers for the store's SQL: ``IN (...)`` lists in chunks SQLite accepts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

CHUNK = 500


def chunks(items: Iterable[str]) -> Iterator[list[str]]:
    values = list(items)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def marks(chunk: Sequence[Any]) -> str:
    """``?,?,?`` for ``chunk``."""
    return ",".join("?" * len(chunk))


def column(db: sqlite3.Connection, query: str, ids: Iterable[str]) -> set[str]:
    """The first column of ``query`` (whose ``{}`` takes the ``?`` marks) over ``ids``."""
    found: set[str] = set()
    for chunk in chunks(ids):
        found.update(row[0] for row in db.execute(query.format(marks(chunk)), chunk))
    return found
