"""Per-person ledger summaries kept between cycles: a cache of the touches, never the truth.

Everything in a person's ledger that does not depend on ``now`` (counts, first and last times,
reply latencies, the newest interaction, owed reply, answer and ask, the unanswered streak), the
times of their asks and owed replies (``now`` decides which are overdue) and their whole history
of touches as times and local days (``syncd.recent``; ``now`` decides the two-year window) is
kept in ``ledger_cache``, one row per person, merged from the summaries of the *parts* of their
touches (a quarter each, ``ledger_parts``; ``syncd.store.ledger_parts``). ``syncd.store.ledgers``
finishes each ledger at ``now`` from it, so a cycle reads 20,000 rows instead of a million
touches, and new mail with someone re-reads one quarter of their touches, not all.

It can never be stale: triggers on ``touches`` put the person and part of every row inserted,
deleted or updated into ``ledger_dirty`` in the very statement that changes it (so in the same
transaction; a crash loses both or neither), and ``refresh`` recomputes the dirty parts from
their touches, and those people's summaries from their parts, before anything reads the cache.
A fingerprint in ``meta`` (this code and the ledger code it mirrors, the Python that wrote the
``marshal`` summaries, the time zone the days are counted in) drops and rebuilds all of it when
any of them changes, and a derivation of everything rebuilds it too (``pause``, ``resume``). A
rebuild marks nothing and reads nothing back: one pass over every touch in person and time
order (``touches_ledger``) writes each part and each person's summary as it leaves them. The
tests hold the cached ledgers equal to ``syncd.ledger.build`` over the same interactions, on
random histories and steps.
"""

from __future__ import annotations

import hashlib
import marshal
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from typing import Any

from syncd.recent import DayFinder
from syncd.store import ledger_parts
from syncd.store.ledger_parts import PART_OF, SCAN, bounds, merge

_CACHE_TABLES = (
    "CREATE TABLE ledger_cache (person TEXT PRIMARY KEY, summary BLOB NOT NULL)",
    ("CREATE TABLE ledger_parts (person TEXT NOT NULL, part INTEGER NOT NULL, "
     "summary BLOB NOT NULL, PRIMARY KEY (person, part))"))
_NEW, _OLD = PART_OF.replace("ts", "NEW.ts"), PART_OF.replace("ts", "OLD.ts")
_MARK = "INSERT OR IGNORE INTO ledger_dirty VALUES ({}.person, {});"
TRIGGERS = {  # what marks a part dirty, in the statement that changes its touches
    "touches_dirty_insert": f"AFTER INSERT ON touches BEGIN {_MARK.format('NEW', _NEW)} END",
    "touches_dirty_delete": f"AFTER DELETE ON touches BEGIN {_MARK.format('OLD', _OLD)} END",
    "touches_dirty_update": f"AFTER UPDATE ON touches BEGIN {_MARK.format('OLD', _OLD)} "
                            f"{_MARK.format('NEW', _NEW)} END",
}
LEDGER_CACHE_SCHEMA = f"""
    {"; ".join(_CACHE_TABLES)};
    CREATE TABLE ledger_dirty (person TEXT NOT NULL, part INTEGER NOT NULL,
                               PRIMARY KEY (person, part));
    {"; ".join(f"CREATE TRIGGER {name} {body}" for name, body in TRIGGERS.items())};
    CREATE INDEX touches_threadless ON touches (direction)
        WHERE direction IN ('meeting', 'logged');
"""
_SOURCES = ("store/ledger_cache.py", "store/ledger_parts.py", "store/ledgers.py", "ledger.py",
            "recent.py")
BATCH = 2_000  # parts recomputed at a time
_ALL = f"SELECT {SCAN} FROM touches ORDER BY person, ts"  # noqa: S608 (through touches_ledger)
_WORK = (f"SELECT {', '.join(f't.{c}' for c in SCAN.split(', '))} "  # noqa: S608
         f"FROM temp.ledger_work w CROSS JOIN touches t ON t.person = w.person "
         f"AND t.ts >= w.low AND t.ts < w.high WHERE {PART_OF.replace('ts', 't.ts')} = w.part "
         "ORDER BY w.person, t.ts")


def fingerprint(tz: tzinfo) -> str:
    digest = hashlib.sha256(f"{tz}|{sys.version_info[:2]}|{marshal.version}".encode())
    root = Path(__file__).resolve().parent.parent
    for name in _SOURCES:
        path = root / name
        digest.update(path.read_bytes() if path.is_file() else name.encode())
    return digest.hexdigest()


def pause(db: sqlite3.Connection) -> None:
    """Before a derivation of everything (``DerivedTables.drop_read_indexes``): no marks for a
    million touches; ``resume`` has every person rebuilt instead."""
    for name in TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def resume(db: sqlite3.Connection) -> None:
    for name, body in TRIGGERS.items():
        db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    db.execute("DELETE FROM meta WHERE key = 'ledger_cache'")  # rebuilt whole when next read


def refresh(db: sqlite3.Connection, tz: tzinfo) -> int:
    """Bring ``ledger_cache`` up to date with ``touches`` (all of it if the fingerprint
    changed); returns how many people were recomputed. Call inside a write transaction."""
    wanted = fingerprint(tz)
    row = db.execute("SELECT value FROM meta WHERE key = 'ledger_cache'").fetchone()
    finder = DayFinder(tz)  # each day's local midnight worked out once for every part
    if row is None or row[0] != wanted:  # the tables too: their layout may have changed
        for table, create in zip(("ledger_cache", "ledger_parts"), _CACHE_TABLES, strict=True):
            db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute(create)
        db.execute("DELETE FROM ledger_dirty")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('ledger_cache', ?)", (wanted,))
        return _rebuild(db, finder)
    dirty: dict[str, list[int]] = defaultdict(list)
    for person, part in db.execute("SELECT person, part FROM ledger_dirty ORDER BY person"):
        dirty[person].append(part)
    db.execute("CREATE TEMP TABLE IF NOT EXISTS ledger_work (person TEXT, part INTEGER, "
               "low REAL, high REAL, PRIMARY KEY (person, part))")
    for batch in _batches(dirty):
        db.execute("DELETE FROM temp.ledger_work")
        db.executemany("INSERT INTO temp.ledger_work VALUES (?, ?, ?, ?)", [
            (p, part, *bounds(part)) for p in batch for part in dirty[p]])
        made = {(p, part): v for p, part, v in ledger_parts.summarize(
            db, db.execute(_WORK), finder)}
        db.execute("DELETE FROM ledger_parts WHERE (person, part) IN "
                   "(SELECT person, part FROM temp.ledger_work)")
        db.executemany("INSERT INTO ledger_parts VALUES (?, ?, ?)",
                       [(p, part, marshal.dumps(v)) for (p, part), v in made.items()])
        _merge(db, made)
        del made
    for table in ("temp.ledger_work", "ledger_dirty"):
        db.execute(f"DELETE FROM {table}")  # noqa: S608
    return len(dirty)


def _rebuild(db: sqlite3.Connection, finder: DayFinder) -> int:
    """Every part and every person's summary into the emptied tables, from one pass over the
    touches in person and time order (``touches_ledger``); how many people."""
    people = 0
    parts: list[tuple[str, int, bytes]] = []
    summaries: list[tuple[str, bytes]] = []
    held: list[tuple[Any, ...]] = []  # the parts of ``current``
    current = ""
    for person, part, summary in ledger_parts.summarize(db, db.execute(_ALL), finder):
        if held and person != current:
            summaries.append((current, marshal.dumps(merge(held))))
            people, held = people + 1, []
        current = person
        held.append(summary)
        parts.append((person, part, marshal.dumps(summary)))
        if len(parts) >= BATCH:
            _write(db, parts, summaries)
    if held:
        summaries.append((current, marshal.dumps(merge(held))))
        people += 1
    _write(db, parts, summaries)
    return people


def _write(db: sqlite3.Connection, parts: list[tuple[str, int, bytes]],
           summaries: list[tuple[str, bytes]]) -> None:
    db.executemany("INSERT INTO ledger_parts VALUES (?, ?, ?)", parts)
    db.executemany("INSERT INTO ledger_cache VALUES (?, ?)", summaries)
    parts.clear()
    summaries.clear()


def _batches(dirty: dict[str, list[int]]) -> Iterator[list[str]]:
    """The dirty people, a few at a time: about ``BATCH`` parts (memory stays flat)."""
    batch: list[str] = []
    size = 0
    for person, parts in dirty.items():
        batch.append(person)
        size += len(parts)
        if size >= BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _merge(db: sqlite3.Connection, made: dict[tuple[str, int], tuple[Any, ...]]) -> None:
    """The summaries of the people of ``temp.ledger_work`` from all their parts: ``made``
    (person, part -> summary) those just recomputed, the others read back (a first build has
    none to read)."""
    found: dict[str, dict[int, tuple[Any, ...]]] = defaultdict(dict)
    for (person, part), summary in made.items():
        found[person][part] = summary
    for person, part, summary in db.execute(
            "SELECT person, part, summary FROM ledger_parts WHERE person IN "
            "(SELECT person FROM temp.ledger_work) AND NOT EXISTS (SELECT 1 FROM "
            "temp.ledger_work w WHERE w.person = ledger_parts.person AND w.part = "
            "ledger_parts.part)"):
        found[person][part] = marshal.loads(summary)  # noqa: S302 (written by this module)
    db.execute("DELETE FROM ledger_cache WHERE person IN (SELECT person FROM temp.ledger_work)")
    db.executemany("INSERT INTO ledger_cache VALUES (?, ?)", [
        (person, marshal.dumps(merge([parts[n] for n in sorted(parts)])))
        for person, parts in found.items()])
