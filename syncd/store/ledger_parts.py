"""The summary of one *part* of a person's touches: those of one quarter (``PART`` seconds), the
unit ``syncd.store.ledger_cache`` recomputes, so new mail with a correspondent of 300,000
touches re-reads a quarter of them, not all.

A part's summary (``summarize``) holds what the ledger needs from those touches alone: counts,
first and last times, the rows behind its newest interaction, owed reply, answer and ask, the
reply latencies, the times of the asks, owed replies and would-be unanswered asks, and the
touches as times and local days. ``merge`` makes a person's summary of their parts in time
order, the same as a summary of all their touches would be.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from itertools import chain
from typing import Any

from syncd import recent as recent_mod
from syncd.interactions import ASKS
from syncd.ledger import COPY_GAP

PART = 90 * 86_400  # a quarter, roughly
PART_OF = "CAST((ts + 1e11) / 7776000 AS INTEGER)"  # the part a time falls in (positive)
_COPY = "direction = 'out' AND coalesce(prev, '') = 'out' AND gap < :copy"
_OWED = "last AND (direct = 2 OR (direct AND NOT mine)) AND direction = 'in'"
_ASK = "last AND direct AND direction = 'out'"
_HEARD = "direction = 'meeting' OR (direction IN ('in', 'logged') AND direct)"
_STREAK = f"direction = 'out' AND direct AND mine AND NOT ({_COPY})"
_WORK = (f"FROM temp.ledger_work w CROSS JOIN touches t ON t.person = w.person "
         f"AND t.ts >= w.low AND t.ts < w.high WHERE {PART_OF.replace('ts', 't.ts')} = w.part")
_SUMMARY = f"""
SELECT t.person, w.part, min(ts), max(ts),
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
{_WORK} GROUP BY t.person, w.part
"""
_LATENCIES = (f"SELECT t.person, w.part, direction, gap {_WORK} "
              "AND prev IS NOT NULL AND prev != direction")
_CANDIDATES = (f"SELECT t.person, w.part, ({_ASK}) + 2 * ({_STREAK}), ts {_WORK} "
               f"AND (({_ASK}) OR ({_OWED}) OR ({_STREAK})) ORDER BY t.person, ts")
_TOUCHES = (f"SELECT t.person, w.part, ts, direction {_WORK} "
            f"AND NOT ({_COPY}) ORDER BY t.person, ts, direction")
_ROWS = """
SELECT w.kind, w.part, t.person, t.ts, t.ref, t.direction, t.thread, t.subject, t.direct, t.prev,
    t.last, t.mine
FROM temp.ledger_wanted w JOIN touches t ON t.person = w.person AND t.ts = w.ts
"""
ROW_KINDS = ("last", "owed", "helped", "ask")
# A part's summary, and (with ``streak`` the count, not the times) a person's: the fields of
# ``_SUMMARY`` (the person and part aside), the rows behind ``ROW_KINDS`` ((ts, direction,
# thread, ref, subject, direct) or None), the reply latencies either way (sorted), the times
# of the asks, owed replies and would-be unanswered asks (ascending), ``recent``'s arrays as
# bytes.
FIELDS = ("first", "last_ts", "last_in", "last_out", "direct_out", "n_in", "n_out", "n_meet",
          "first_meet", "init_me", "init_them", "rep_me", "rep_them", "first_exchange",
          "heard", "logged", "conversations", "last_logged", "owed_ts", "helped_ts", "ask_ts",
          *ROW_KINDS, "latencies_me", "latencies_them", "ask_times", "owed_times", "streak",
          "times", "days", "meetings")
_MIN = {"first", "first_meet", "first_exchange"}
_SUM = {"n_in", "n_out", "n_meet", "init_me", "init_them", "rep_me", "rep_them", "logged",
        "conversations"}
_ROW_AT = {"last": "last_ts", "owed": "owed_ts", "helped": "helped_ts", "ask": "ask_ts"}
_SCALARS = FIELDS.index("last")


def bounds(part: int) -> tuple[float, float]:
    """A little more than the times of ``part`` (the exact test is ``PART_OF``)."""
    low = part * PART - 1e11
    return low - 1, low + PART + 1


def summarize(db: sqlite3.Connection, tz: tzinfo, finder: recent_mod.DayFinder | None = None
              ) -> Iterator[tuple[str, int, tuple[Any, ...]]]:
    """(person, part, summary) for every part of ``temp.ledger_work`` with touches; ``finder``:
    the local days in ``tz`` worked out so far (shared by the batches of a refresh)."""
    copy = {"copy": COPY_GAP.total_seconds()}
    found: dict[tuple[str, int], list[Any]] = {}
    for person, part, *values in db.execute(_SUMMARY, copy):
        found[(person, part)] = [*values, None, None, None, None]
    latencies: dict[tuple[str, int, str], list[float]] = defaultdict(list)
    for person, part, direction, gap in db.execute(_LATENCIES):
        latencies[(person, part, direction)].append(gap)
    times: dict[tuple[str, int, int], list[float]] = defaultdict(list)  # 1 ask, 0 owed, 2 streak
    for person, part, kind, ts in db.execute(_CANDIDATES, copy):
        if kind & 1 or not kind:
            times[(person, part, kind & 1)].append(ts)
        if kind & 2:
            times[(person, part, 2)].append(ts)
    _rows(db, found)
    touches: dict[tuple[str, int], list[tuple[float, str]]] = defaultdict(list)
    for person, part, ts, direction in db.execute(_TOUCHES, copy):
        touches[(person, part)].append((ts, direction))
    finder = finder or recent_mod.DayFinder(tz)
    for (person, part), values in found.items():
        recent = recent_mod.build(touches.pop((person, part), []), tz, finder)
        yield person, part, (
            *values, sorted(latencies[(person, part, "out")]),
            sorted(latencies[(person, part, "in")]), times[(person, part, 1)],
            times[(person, part, 0)], times[(person, part, 2)], recent.times.tobytes(),
            recent.days.tobytes(), recent.meetings.tobytes())


def _rows(db: sqlite3.Connection, found: dict[tuple[str, int], list[Any]]) -> None:
    """The rows behind each part's newest interaction, owed reply, answer and ask (on a tie in
    time, the greater ref)."""
    slot = {kind: FIELDS.index(kind) for kind in ROW_KINDS}
    at = {kind: FIELDS.index(_ROW_AT[kind]) for kind in ROW_KINDS}
    db.execute("DELETE FROM temp.ledger_wanted")
    db.executemany("INSERT INTO temp.ledger_wanted VALUES (?, ?, ?, ?)", [
        (kind, person, part, v[at[kind]]) for (person, part), v in found.items()
        for kind in ROW_KINDS if v[at[kind]] is not None])
    for kind, part, person, ts, ref, direction, thread, subject, direct, prev, is_last, mine in (
            db.execute(_ROWS)):
        if fits(kind, direction, direct, prev, bool(is_last), bool(mine)):
            values = found[(person, part)]
            held = values[slot[kind]]
            if held is None or ref > held[3]:
                values[slot[kind]] = (ts, direction, thread, ref, subject, direct)
    db.execute("DELETE FROM temp.ledger_wanted")


_AT = {name: n for n, name in enumerate(FIELDS)}
_COMBINE = [(n, sum if name in _SUM else min if name in _MIN else max)
            for n, name in enumerate(FIELDS[:_SCALARS])]
_ROW_SLOTS = [(_AT[kind], _AT[_ROW_AT[kind]]) for kind in ROW_KINDS]


def merge(parts: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    """A person's summary from their parts' (in time order): the streak counted since they
    were last heard from."""
    if len(parts) == 1:
        values = list(parts[0])
    else:
        values = []
        for n, combine in _COMBINE:
            given = [p[n] for p in parts if p[n] is not None]
            values.append(combine(given) if given or combine is sum else None)
        for slot, n in _ROW_SLOTS:  # the part holding the newest time of the kind holds the row
            newest = values[n]
            values.append(None if newest is None else next(
                p[slot] for p in parts if p[n] == newest))
        for name in ("latencies_me", "latencies_them"):
            values.append(sorted(chain.from_iterable(p[_AT[name]] for p in parts)))
        for name in ("ask_times", "owed_times", "streak"):
            values.append(list(chain.from_iterable(p[_AT[name]] for p in parts)))
        for name in ("times", "days", "meetings"):
            values.append(b"".join(p[_AT[name]] for p in parts))
    streak = _AT["streak"]
    heard, asked = values[_AT["heard"]], values[streak]  # asked: the user's asks, their times
    values[streak] = len(asked) - (0 if heard is None else bisect_right(asked, heard))
    return tuple(values)


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
