"""Per-person ledger summaries kept between cycles: a cache of the touches, never the truth.

Everything in a person's ledger that does not depend on ``now`` (counts, first and last times,
reply latencies, the newest interaction, owed reply, answer and ask, the unanswered streak), the
times of their asks and owed replies (``now`` decides which are overdue) and their whole history
of touches as times and local days (``syncd.recent``; ``now`` decides the two-year window) is
kept in ``ledger_cache``, one row per person. ``syncd.store.ledgers`` finishes each ledger at
``now`` from it, so a cycle reads 20,000 rows instead of a million touches.

It can never be stale: triggers on ``touches`` put the person of every row inserted, deleted or
updated into ``ledger_dirty`` in the very statement that changes it (so in the same
transaction; a crash loses both or neither), and ``refresh`` recomputes the dirty people from
their touches before anything reads the cache. A fingerprint in ``meta`` (this code and the
ledger code it mirrors, and the time zone the days are counted in) drops and rebuilds all of
it when either changes; ``DerivedTables.reset`` (a rules or config change, ``syncd sync
--rederive``... anything that re-derives) empties it too. The tests hold the cached ledgers
equal to ``syncd.ledger.build`` over the same interactions, on random histories and steps.
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

from syncd import recent as recent_mod
from syncd.interactions import ASKS
from syncd.ledger import COPY_GAP
from syncd.store.sql import chunks

_CACHE_TABLE = "CREATE TABLE ledger_cache (person TEXT PRIMARY KEY, summary BLOB NOT NULL)"
TRIGGERS = {  # what marks a person dirty, in the statement that changes their touches
    "touches_dirty_insert": "AFTER INSERT ON touches BEGIN "
                            "INSERT OR IGNORE INTO ledger_dirty VALUES (NEW.person); END",
    "touches_dirty_delete": "AFTER DELETE ON touches BEGIN "
                            "INSERT OR IGNORE INTO ledger_dirty VALUES (OLD.person); END",
    "touches_dirty_update": "AFTER UPDATE ON touches BEGIN "
                            "INSERT OR IGNORE INTO ledger_dirty VALUES (OLD.person); "
                            "INSERT OR IGNORE INTO ledger_dirty VALUES (NEW.person); END",
}
LEDGER_CACHE_SCHEMA = f"""
    {_CACHE_TABLE};
    CREATE TABLE ledger_dirty (person TEXT PRIMARY KEY);
    {"; ".join(f"CREATE TRIGGER {name} {body}" for name, body in TRIGGERS.items())};
    CREATE INDEX touches_threadless ON touches (direction)
        WHERE direction IN ('meeting', 'logged');
"""
_SOURCES = ("store/ledger_cache.py", "store/ledgers.py", "ledger.py", "recent.py")
_COPY = "direction = 'out' AND coalesce(prev, '') = 'out' AND gap < :copy"
_OWED = "last AND (direct = 2 OR (direct AND NOT mine)) AND direction = 'in'"
_ASK = "last AND direct AND direction = 'out'"
_HEARD = "direction = 'meeting' OR (direction IN ('in', 'logged') AND direct)"
_WORK = "person IN (SELECT person FROM temp.ledger_work)"
_SUMMARY = f"""
SELECT person, min(ts), max(ts),
    max(ts) FILTER (WHERE direction = 'in'), max(ts) FILTER (WHERE direction = 'out'),
    max(ts) FILTER (WHERE direction = 'out' AND direct),
    count(*) FILTER (WHERE direction = 'in'),
    count(*) FILTER (WHERE direction = 'out' AND NOT ({_COPY})),
    count(*) FILTER (WHERE direction = 'meeting'), min(ts) FILTER (WHERE direction = 'meeting'),
    count(*) FILTER (WHERE first AND direction = 'out'),
    count(*) FILTER (WHERE first AND direction = 'in'),
    count(*) FILTER (WHERE direction = 'out' AND prev = 'in'),
    count(*) FILTER (WHERE direction = 'in' AND prev = 'out'),
    min(ts) FILTER (WHERE prev IS NOT NULL AND prev != direction),
    max(ts) FILTER (WHERE {_HEARD}),
    count(*) FILTER (WHERE direction = 'logged'),
    count(*) FILTER (WHERE direction = 'logged' AND direct),
    max(ts) FILTER (WHERE direction = 'logged'),
    max(ts) FILTER (WHERE {_OWED}),
    max(ts) FILTER (WHERE mine AND direction = 'in' AND prev = 'out'),
    max(ts) FILTER (WHERE {_ASK})
FROM touches WHERE {_WORK} GROUP BY person
"""  # noqa: S608
_LATENCIES = (f"SELECT person, direction, gap FROM touches WHERE {_WORK} "  # noqa: S608
              "AND prev IS NOT NULL AND prev != direction")
_CANDIDATES = (f"SELECT person, {_ASK}, ts FROM touches WHERE {_WORK} "  # noqa: S608
               f"AND (({_ASK}) OR ({_OWED})) ORDER BY person, ts")
_TOUCHES = (f"SELECT person, ts, direction FROM touches WHERE {_WORK} "  # noqa: S608
            f"AND NOT ({_COPY}) ORDER BY person, ts, direction")
_STREAK = """
SELECT t.person, count(*) FROM temp.ledger_heard h CROSS JOIN touches t
    ON t.person = h.person AND t.ts > coalesce(h.ts, -1e300)
WHERE t.direction = 'out' AND t.direct AND t.mine
    AND NOT (coalesce(t.prev, '') = 'out' AND t.gap < :copy)
GROUP BY t.person
"""
_ROWS = """
SELECT w.kind, t.person, t.ts, t.ref, t.direction, t.thread, t.subject, t.direct, t.prev,
    t.last, t.mine
FROM temp.ledger_wanted w JOIN touches t ON t.person = w.person AND t.ts = w.ts
"""
ROW_KINDS = ("last", "owed", "helped", "ask")
# A summary (``marshal``: fast to read, and written and read by the same Python, which the
# fingerprint holds): the fields of ``_SUMMARY`` (the person aside), the streak, the rows behind
# ``ROW_KINDS`` ((ts, direction, thread, ref, subject, direct) or None), the reply latencies
# either way (sorted), the times of the asks and owed replies (ascending), and ``recent``'s
# arrays as bytes.
FIELDS = ("first", "last_ts", "last_in", "last_out", "direct_out", "n_in", "n_out", "n_meet",
          "first_meet", "init_me", "init_them", "rep_me", "rep_them", "first_exchange",
          "heard", "logged", "conversations", "last_logged", "owed_ts", "helped_ts", "ask_ts",
          "streak", *ROW_KINDS, "latencies_me", "latencies_them", "asks", "owed", "times",
          "days", "meetings")
BATCH = 2_000  # people recomputed at a time


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
    if row is None or row[0] != wanted:  # the table too: its layout may have changed
        db.execute("DROP TABLE IF EXISTS ledger_cache")
        db.execute(_CACHE_TABLE)
        db.execute("INSERT OR IGNORE INTO ledger_dirty SELECT DISTINCT person FROM touches")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('ledger_cache', ?)", (wanted,))
    dirty = [r[0] for r in db.execute("SELECT person FROM ledger_dirty ORDER BY person")]
    db.execute("CREATE TEMP TABLE IF NOT EXISTS ledger_work (person TEXT PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS ledger_heard (person TEXT PRIMARY KEY, ts REAL)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS ledger_wanted (kind TEXT, person TEXT, ts REAL)")
    for start in range(0, len(dirty), BATCH):
        batch = dirty[start:start + BATCH]
        db.execute("DELETE FROM temp.ledger_work")
        db.executemany("INSERT INTO temp.ledger_work VALUES (?)", [(p,) for p in batch])
        rows = list(_summaries(db, tz))
        for chunk in chunks(batch):
            db.execute(f"DELETE FROM ledger_cache WHERE person IN ({','.join('?' * len(chunk))})",  # noqa: S608
                       chunk)
        db.executemany("INSERT INTO ledger_cache VALUES (?, ?)", rows)
    for table in ("temp.ledger_work", "temp.ledger_heard", "temp.ledger_wanted", "ledger_dirty"):
        db.execute(f"DELETE FROM {table}")  # noqa: S608
    return len(dirty)


def _summaries(db: sqlite3.Connection, tz: tzinfo) -> Iterator[tuple[str, bytes]]:
    """One ``ledger_cache`` row per person of ``temp.ledger_work`` who has touches."""
    copy = {"copy": COPY_GAP.total_seconds()}
    summary: dict[str, list[Any]] = {}
    for person, *values in db.execute(_SUMMARY, copy):
        summary[person] = [*values, 0, None, None, None, None]
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
    for person, direction, gap in db.execute(_LATENCIES):
        latencies[(person, direction)].append(gap)
    asks: dict[str, list[float]] = defaultdict(list)
    owed: dict[str, list[float]] = defaultdict(list)
    for person, ask, ts in db.execute(_CANDIDATES):
        (asks if ask else owed)[person].append(ts)
    _streaks_and_rows(db, summary)
    touches: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for person, ts, direction in db.execute(_TOUCHES, copy):
        touches[person].append((ts, direction))
    for person, values in summary.items():
        recent = recent_mod.build(touches.pop(person, []), tz)
        yield person, marshal.dumps((
            *values, sorted(latencies[(person, "out")]), sorted(latencies[(person, "in")]),
            asks[person], owed[person], recent.times.tobytes(), recent.days.tobytes(),
            recent.meetings.tobytes()))


def _streaks_and_rows(db: sqlite3.Connection, summary: dict[str, list[Any]]) -> None:
    """The unanswered streak since each person was last heard from, and the rows behind their
    newest interaction, owed reply, answer and ask (on a tie in time, the greater ref)."""
    heard, last, owed, helped, ask = (FIELDS.index(f) for f in (
        "heard", "last_ts", "owed_ts", "helped_ts", "ask_ts"))
    db.executemany("INSERT INTO temp.ledger_heard VALUES (?, ?)",
                   [(p, v[heard]) for p, v in summary.items()])
    streak = FIELDS.index("streak")
    for person, count in db.execute(_STREAK, {"copy": COPY_GAP.total_seconds()}):
        summary[person][streak] = count
    db.executemany("INSERT INTO temp.ledger_wanted VALUES (?, ?, ?)", [
        (kind, p, v[at]) for p, v in summary.items()
        for kind, at in (("last", last), ("owed", owed), ("helped", helped), ("ask", ask))
        if v[at] is not None])
    for kind, person, ts, ref, direction, thread, subject, direct, prev, is_last, mine in (
            db.execute(_ROWS)):
        if fits(kind, direction, direct, prev, bool(is_last), bool(mine)):
            slot = FIELDS.index(kind)
            held = summary[person][slot]
            if held is None or ref > held[3]:
                summary[person][slot] = (ts, direction, thread, ref, subject, direct)
    db.execute("DELETE FROM temp.ledger_heard")
    db.execute("DELETE FROM temp.ledger_wanted")


def fits(kind: str, direction: str, direct: int, prev: str | None, last: bool,
         mine: bool) -> bool:
    """Is a row at the wanted time one of the kind wanted (as the summary filtered it)?"""
    if kind == "owed":
        return last and (direct == ASKS or (bool(direct) and not mine)) and direction == "in"
    if kind == "helped":
        return mine and direction == "in" and prev == "out"
    if kind in ("ask", "due_ask"):
        return direction == "out" and bool(direct) and last
    return True
