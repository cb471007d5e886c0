"""The address book: entries from CardDAV, Google People and Outlook contacts (``Contact``).

One row per (account, native id), kept by the same page + cursor discipline as meetings: a
removal deletes the row, a full listing sweeps what it did not see. Names, addresses, tags and
birthdays only; address books are never interactions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence

from syncd.model import Contact

BOOK_SCHEMA = """
CREATE TABLE contacts (
    account TEXT NOT NULL, native_id TEXT NOT NULL, name TEXT NOT NULL, addresses TEXT NOT NULL,
    tags TEXT NOT NULL, birthday TEXT, scope TEXT NOT NULL, listing TEXT,
    PRIMARY KEY (account, native_id));
CREATE INDEX contacts_scope ON contacts (account, scope);
"""


def put(db: sqlite3.Connection, account: str, contacts: Sequence[Contact],
        listing: str | None) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO contacts VALUES (?,?,?,?,?,?,?,?)",
        [(account, c.native_id, c.name, json.dumps(list(c.addresses)), json.dumps(list(c.tags)),
          None if c.birthday is None else json.dumps(list(c.birthday)), c.scope, listing)
         for c in contacts])


def remove(db: sqlite3.Connection, account: str, native_id: str) -> None:
    db.execute("DELETE FROM contacts WHERE account = ? AND native_id = ?", (account, native_id))


def read(db: sqlite3.Connection) -> Iterator[Contact]:
    for row in db.execute("SELECT account, native_id, name, addresses, tags, birthday, scope "
                          "FROM contacts ORDER BY account, native_id"):
        birthday = None
        if row[5] is not None:
            month, day, year = json.loads(row[5])
            birthday = (int(month), int(day), None if year is None else int(year))
        yield Contact(source=row[0], native_id=row[1], name=row[2],
                      addresses=tuple(json.loads(row[3])), tags=tuple(json.loads(row[4])),
                      birthday=birthday, scope=row[6])
