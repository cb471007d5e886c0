"""The summary of one *part* of a person's touches: those of one quarter (``PART`` seconds), the
unit ``syncd.store.ledger_cache`` recomputes, so new mail with a correspondent of 300,000
touches re-reads a quarter of them, not all.

A part's summary (``summarize``) holds what the ledger needs from those touches alone: counts,
first and last times, the rows behind its newest interaction, owed reply, answer and ask, the
reply latencies, the times of the asks, owed replies and would-be unanswered asks, and the
touches as times and local days. ``merge`` makes a person's summary of their parts in time
order, the same as a summary of all their touches would be.

``summarize`` reads the touches once, in the order of ``touches_ledger`` (person, time), and
works out every part's figures as it goes; only the rows behind the four interactions are
looked up (by rowid, a batch of parts at a time). ``marshal`` marks an object held anywhere
else as one it may refer to again, so the bytes of a summary depend on what else holds its
values when it is written: each summary is built of values nothing else holds (times copied,
not shared between fields), the same bytes as when each figure came from its own SQL column.
"""

from __future__ import annotations

import sqlite3
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from math import inf
from typing import Any

from syncd.interactions import ASKS
from syncd.ledger import COPY_GAP
from syncd.recent import DayFinder

PART = 90 * 86_400  # a quarter, roughly
PART_OF = "CAST((ts + 1e11) / 7776000 AS INTEGER)"  # the part a time falls in (positive)
SCAN = "rowid, person, ts, direction, direct, first, prev, last, mine, gap"  # in touches_ledger
# A touch as ``summarize`` reads it (``SCAN``'s columns)
Scanned = tuple[int, str, float, str, int, int, str | None, int, int, float]
ROW_KINDS = ("last", "owed", "helped", "ask")
# A part's summary, and (with ``streak`` the count, not the times) a person's: counts and
# times (the fields up to ``ask_ts``), the rows behind ``ROW_KINDS`` ((ts, direction, thread,
# ref, subject, direct) or None), the reply latencies either way (sorted), the times of the
# asks, owed replies and would-be unanswered asks (ascending), ``recent``'s arrays as bytes.
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
BATCH = 2_000  # parts whose rows are looked up at a time
_ROWS = ("SELECT t.ts, t.direction, t.thread, t.ref, t.subject, t.direct "
         "FROM temp.ledger_rows w CROSS JOIN touches t ON t.rowid = w.id ORDER BY w.rowid")


def bounds(part: int) -> tuple[float, float]:
    """A little more than the times of ``part`` (the exact test is ``PART_OF``)."""
    low = part * PART - 1e11
    return low - 1, low + PART + 1


def summarize(db: sqlite3.Connection, touches: Iterable[Scanned], finder: DayFinder
              ) -> Iterator[tuple[str, int, tuple[Any, ...]]]:
    """(person, part, summary) for every part of ``touches`` (``SCAN``'s columns, by person and
    time: in the order of ``touches_ledger``); ``finder``: the local days worked out so far
    (shared by every part of a refresh)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS ledger_rows (id INTEGER NOT NULL)")
    batch: list[tuple[str, int, list[Any], list[list[int]]]] = []
    for scanned in _scan(touches):
        batch.append(scanned)
        if len(batch) >= BATCH:
            done = _finish(db, batch, finder)
            batch = []
            yield from done
    yield from _finish(db, batch, finder)


_LAST = FIELDS.index("last")  # where the rows go
_TIMES_AT, _DAYS_AT = FIELDS.index("times"), FIELDS.index("days")


def _scan(touches: Iterable[Scanned]) -> Iterator[tuple[str, int, list[Any], list[list[int]]]]:
    """Each part's summary but its rows and days (``_finish``), in one pass over its touches,
    with the rowids of all its touches at the newest time of each of ``ROW_KINDS``, and its
    times as an array. Its times are the rows' objects, each copied where it is a field."""
    copy = COPY_GAP.total_seconds()
    person = ""
    part = -1
    high = -inf  # below this time, the same part (``part``'s end, less a second)
    done: tuple[str, int, list[Any], list[list[int]]] | None = None
    earliest = 0.0  # (each part's figures, set again as it starts)
    newest = 0.0
    last_in = last_out = direct_out = first_meet = first_exchange = heard = _NONE
    last_logged = owed = helped = ask = _NONE
    n_in = n_out = n_meet = init_me = init_them = rep_me = rep_them = logged = talks = 0
    at_newest: list[int] = []
    at_owed = at_helped = at_ask = at_newest
    lat_me: list[float] = []
    lat_them = asks = oweds = streak = lat_me
    times = meetings = array("d")
    for rowid, who, ts, direction, direct, first, prev, last, mine, gap in chain(touches,
                                                                                  (_END,)):
        if ts >= high or who != person:
            at = int((ts + 1e11) / PART) if ts < inf else -1  # (-1: the end, ``_END``)
            if at != part or who != person:
                if part >= 0:
                    done = (person, part, [  # FIELDS (rows, times and days: _finish), each time
                        earliest * 1.0, newest * 1.0,  # its own object (the module's docstring)
                        None if last_in is None else last_in * 1.0,
                        None if last_out is None else last_out * 1.0,
                        None if direct_out is None else direct_out * 1.0, n_in, n_out, n_meet,
                        None if first_meet is None else first_meet * 1.0, init_me, init_them,
                        rep_me, rep_them,
                        None if first_exchange is None else first_exchange * 1.0,
                        None if heard is None else heard * 1.0, logged, talks,
                        None if last_logged is None else last_logged * 1.0,
                        None if owed is None else owed * 1.0,
                        None if helped is None else helped * 1.0,
                        None if ask is None else ask * 1.0, None, None, None, None,
                        sorted(lat_me) if len(lat_me) > 1 else lat_me,
                        sorted(lat_them) if len(lat_them) > 1 else lat_them, asks, oweds, streak,
                        times, None, meetings.tobytes()], [at_newest, at_owed, at_helped, at_ask])
                person, part, earliest, newest = who, at, ts, ts
                high = (at + 1) * PART - 1e11 - 1
                last_in = last_out = direct_out = first_meet = first_exchange = heard = None
                last_logged = owed = helped = ask = None
                n_in = n_out = n_meet = init_me = init_them = rep_me = rep_them = 0
                logged = talks = 0
                at_newest, at_owed, at_helped, at_ask = [], [], [], []
                lat_me, lat_them, asks, oweds, streak = [], [], [], [], []
                times = array("d")
                meetings = array("d")
                if done is not None:  # (nothing of it held here: see the module's docstring)
                    yield done
                    done = None
                if at < 0:
                    return
        if ts != newest:
            newest, at_newest = ts, [rowid]
        else:
            at_newest.append(rowid)
        if direction == "in":
            n_in += 1
            last_in = ts
            times.append(ts)
            if first:
                init_them += 1
            if direct:
                heard = ts
                if last and (direct == ASKS or not mine):  # an owed reply
                    oweds.append(ts)
                    if ts != owed:
                        owed, at_owed = ts, [rowid]
                    else:
                        at_owed.append(rowid)
            if prev == "out":
                rep_them += 1
                if mine:  # an answer to the user's thread
                    if ts != helped:
                        helped, at_helped = ts, [rowid]
                    else:
                        at_helped.append(rowid)
        elif direction == "out":
            last_out = ts
            copied = prev == "out" and gap < copy
            if not copied:
                n_out += 1
                times.append(ts)
            if first:
                init_me += 1
            if prev == "in":
                rep_me += 1
            if direct:
                direct_out = ts
                if last:  # an ask
                    asks.append(ts)
                    if ts != ask:
                        ask, at_ask = ts, [rowid]
                    else:
                        at_ask.append(rowid)
                if mine and not copied:
                    streak.append(ts)
        else:
            times.append(ts)
            if direction == "meeting":
                n_meet += 1
                heard = ts
                meetings.append(ts)
                if first_meet is None:
                    first_meet = ts
            elif direction == "logged":
                logged += 1
                last_logged = ts
                if direct:
                    talks += 1
                    heard = ts
        if prev is not None and prev != direction:
            if first_exchange is None:
                first_exchange = ts
            if direction == "out":
                lat_me.append(gap)
            elif direction == "in":
                lat_them.append(gap)


_END: Scanned = (0, "", inf, "", 0, 0, None, 0, 0, 0.0)  # after the last touch
_NONE: float | None = None


def _finish(db: sqlite3.Connection, batch: list[tuple[str, int, list[Any], list[list[int]]]],
            finder: DayFinder) -> list[tuple[str, int, tuple[Any, ...]]]:
    """The summaries of ``batch`` (``_scan``'s, emptied): the rows behind each part's newest
    interaction, owed reply, answer and ask looked up (on a tie in time, the greater ref),
    the local days of its touches."""
    ids: list[int] = []  # the rows wanted (in part order: a part's rows are often the same)
    slots: list[int] = []  # and where each goes (four a part)
    for n, (_, _, _, found) in enumerate(batch):
        for slot, rowids in enumerate(found, n * 4):
            for rowid in rowids:
                ids.append(rowid)
                slots.append(slot)
    db.execute("DELETE FROM temp.ledger_rows")
    db.executemany("INSERT INTO temp.ledger_rows VALUES (?)", zip(ids))  # (rowids 1, 2, ...)
    rows: list[Any] = [None] * (4 * len(batch))
    for slot, row in zip(slots, db.execute(_ROWS), strict=True):
        held = rows[slot]
        if held is None or row[3] > held[3]:
            rows[slot] = row
    del ids, slots
    out = []
    for n, (person, part, figures, _) in enumerate(batch):
        figures[_LAST:_LAST + 4] = rows[n * 4:n * 4 + 4]
        times = figures[_TIMES_AT]
        figures[_TIMES_AT] = times.tobytes()
        figures[_DAYS_AT] = finder.days(times).tobytes()
        out.append((person, part, tuple(figures)))
        figures.clear()
    batch.clear()
    return out


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
        fields = list(zip(*parts, strict=True))  # each field of every part
        values = []
        for n, combine in _COMBINE:
            if combine is sum:  # (counts are never None)
                values.append(sum(fields[n]))
            else:
                given = [v for v in fields[n] if v is not None]
                values.append(combine(given) if given else None)
        for slot, n in _ROW_SLOTS:  # the part holding the newest time of the kind holds the row
            newest = values[n]
            values.append(None if newest is None else fields[slot][fields[n].index(newest)])
        for name in ("latencies_me", "latencies_them"):
            values.append(sorted(chain.from_iterable(fields[_AT[name]])))
        for name in ("ask_times", "owed_times", "streak"):
            values.append(list(chain.from_iterable(fields[_AT[name]])))
        for name in ("times", "days", "meetings"):
            values.append(b"".join(fields[_AT[name]]))
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
