"""Every person's ledger, recomputed from the stored touches in SQL each cycle.

The same definitions as ``syncd.ledger.build`` (which is the reference: the tests hold this to
it on random histories), read from the ``Mark`` each touch carries: one aggregate pass over the
covering index ``touches_ledger``, the reply latencies, the touches of the last two years
(``recent``), the unanswered streak since each person was last heard from, and one lookup of
the rows behind the newest interaction, owed reply, answer and ask.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from syncd.interactions import ASKS, Interaction
from syncd.ledger import COPY_GAP, RECENT, PersonLedger, newer

_AGGREGATE = """
SELECT person, min(ts), max(ts),
    max(ts) FILTER (WHERE direction = 'in'), max(ts) FILTER (WHERE direction = 'out'),
    max(ts) FILTER (WHERE direction = 'out' AND direct),
    count(*) FILTER (WHERE direction = 'in'),
    count(*) FILTER (WHERE direction = 'out'
                     AND NOT (coalesce(prev, '') = 'out' AND gap < :copy)),
    count(*) FILTER (WHERE direction = 'meeting'), min(ts) FILTER (WHERE direction = 'meeting'),
    count(*) FILTER (WHERE first AND direction = 'out'),
    count(*) FILTER (WHERE first AND direction = 'in'),
    count(*) FILTER (WHERE direction = 'out' AND prev = 'in'),
    count(*) FILTER (WHERE direction = 'in' AND prev = 'out'),
    min(ts) FILTER (WHERE prev IS NOT NULL AND prev != direction),
    count(*) FILTER (WHERE last AND direct AND direction = 'out' AND ts < :ask),
    count(*) FILTER (WHERE last AND (direct = 2 OR (direct AND NOT mine)) AND direction = 'in'
                     AND ts < :owed),
    max(ts) FILTER (WHERE last AND (direct = 2 OR (direct AND NOT mine)) AND direction = 'in'),
    max(ts) FILTER (WHERE mine AND direction = 'in' AND prev = 'out'),
    max(ts) FILTER (WHERE direction = 'meeting' OR (direction IN ('in', 'logged') AND direct)),
    max(ts) FILTER (WHERE last AND direct AND direction = 'out'),
    max(ts) FILTER (WHERE last AND direct AND direction = 'out' AND ts < :ask),
    count(*) FILTER (WHERE direction = 'logged'),
    count(*) FILTER (WHERE direction = 'logged' AND direct),
    max(ts) FILTER (WHERE direction = 'logged')
FROM touches GROUP BY person
"""
_LATENCIES = ("SELECT person, direction, gap FROM touches "
              "WHERE prev IS NOT NULL AND prev != direction")
_STREAK = """
SELECT t.person, count(*), max(t.ts) FROM heard h CROSS JOIN touches t
    ON t.person = h.person AND t.ts > coalesce(h.ts, -1e300)
WHERE t.direction = 'out' AND t.direct AND t.mine
    AND NOT (coalesce(t.prev, '') = 'out' AND t.gap < :copy)
GROUP BY t.person
"""
_RECENT = ("SELECT person, ts, direction FROM touches WHERE ts >= :since AND ts <= :now "
           "AND NOT (direction = 'out' AND coalesce(prev, '') = 'out' AND gap < :copy) "
           "ORDER BY person, ts, direction")
_ROWS = """
SELECT w.kind, t.person, t.ts, t.ref, t.direction, t.thread, t.subject, t.direct, t.prev,
    t.last, t.mine
FROM wanted w JOIN touches t ON t.person = w.person AND t.ts = w.ts
"""


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def compute(db: sqlite3.Connection, now: datetime, *, nudge_after: timedelta,
            owed_reply_after: timedelta) -> dict[str, PersonLedger]:
    """Every person's ledger at ``now``, without history (``history`` stays empty)."""
    out: dict[str, PersonLedger] = {}
    heard: list[tuple[str, float | None]] = []
    wanted: list[tuple[str, str, float]] = []
    copy = COPY_GAP.total_seconds()
    limits = {"ask": (now - nudge_after).timestamp(), "owed": (now - owed_reply_after).timestamp(),
              "copy": copy}
    for row in db.execute(_AGGREGATE, limits):
        (person, first, last, last_in, last_out, direct_out, n_in, n_out, n_meet, first_meet,
         init_me, init_them, rep_me, rep_them, first_exchange, asks, owed, owed_ts, helped_ts,
         heard_ts, ask_ts, due_ts, logged, conversations, last_logged) = row
        out[person] = PersonLedger(
            person, first_seen=_dt(first), last_touch=_dt(last), last_inbound=_dt(last_in),
            last_outbound=_dt(last_out), last_direct_out=_dt(direct_out), messages_in=n_in,
            messages_out=n_out,
            meetings=n_meet, first_meeting=_dt(first_meet), initiated_by_me=init_me,
            initiated_by_them=init_them, replies_by_me=rep_me, replies_by_them=rep_them,
            first_exchange=_dt(first_exchange), open_asks=asks, owed_replies=owed,
            logged=logged, conversations=conversations, last_logged=_dt(last_logged))
        heard.append((person, heard_ts))
        wanted.append(("last", person, last))
        if owed_ts is not None:
            wanted.append(("owed", person, owed_ts))
        if helped_ts is not None:
            wanted.append(("helped", person, helped_ts))
        if ask_ts is not None and (heard_ts is None or heard_ts <= ask_ts):
            wanted.append(("ask", person, ask_ts))  # unless they wrote or met the user since
        if due_ts is not None and (heard_ts is None or heard_ts <= due_ts):
            wanted.append(("due_ask", person, due_ts))
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
    for person, direction, gap in db.execute(_LATENCIES):
        latencies[(person, direction)].append(gap)
    for (person, direction), gaps in latencies.items():
        gaps.sort()
        if direction == "out":
            out[person].latencies_me = gaps
        else:
            out[person].latencies_them = gaps
    window = {"since": (now - RECENT).timestamp(), "now": now.timestamp(), "copy": copy}
    for person, ts, direction in db.execute(_RECENT, window):
        out[person].recent.append((datetime.fromtimestamp(ts, UTC), direction))
    db.execute("CREATE TEMP TABLE IF NOT EXISTS heard (person TEXT PRIMARY KEY, ts REAL)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (kind TEXT, person TEXT, ts REAL)")
    with db:
        db.execute("DELETE FROM heard")
        db.executemany("INSERT INTO heard VALUES (?, ?)", heard)
        for person, streak, _ in db.execute(_STREAK, {"copy": copy}):
            out[person].ask_streak = streak
        db.execute("DELETE FROM wanted")
        db.executemany("INSERT INTO wanted VALUES (?, ?, ?)", wanted)
        for kind, person, ts, ref, direction, thread, subject, direct, prev, last, mine in (
                db.execute(_ROWS)):
            if not _fits(kind, direction, direct, prev, bool(last), bool(mine)):
                continue
            found = Interaction(datetime.fromtimestamp(ts, UTC), person, direction, thread, ref,
                                subject, bool(direct), direct == ASKS)
            led = out[person]
            if kind == "last":
                led.last = newer(led.last, found)
            elif kind == "owed":
                led.owed = newer(led.owed, found)
            elif kind == "helped":
                led.helped = newer(led.helped, found)
            elif kind == "due_ask":
                led.due_ask = newer(led.due_ask, found)
            else:
                led.last_ask = newer(led.last_ask, found)
        db.execute("DELETE FROM heard")
        db.execute("DELETE FROM wanted")
    return out


def _fits(kind: str, direction: str, direct: int, prev: str | None, last: bool,
          mine: bool) -> bool:
    """Is a row at the wanted time one of the kind wanted (as the aggregate filtered it)?"""
    if kind == "owed":
        return last and (direct == ASKS or (bool(direct) and not mine)) and direction == "in"
    if kind == "helped":
        return mine and direction == "in" and prev == "out"
    if kind in ("ask", "due_ask"):
        return direction == "out" and bool(direct) and last
    return True
