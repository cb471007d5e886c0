"""Every person's ledger at ``now``, finished from the cached summaries (``ledger_cache``).

The same definitions as ``syncd.ledger.build`` (which is the reference: the tests hold this to
it on random histories). What depends on ``now`` is computed here, exactly, every cycle: which
asks and owed replies are overdue (``nudge_after``, ``owed_reply_after``: a bisection of the
cached times), the newest overdue ask (the row behind it looked up when it is not the newest
ask), and the two-year window of touches strength and rhythm read (``Recent.stored``, cut out
of the whole history when a rule first reads it).
"""

from __future__ import annotations

import marshal
import sqlite3
from bisect import bisect_left
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.interactions import ASKS, Interaction
from syncd.ledger import RECENT, PersonLedger
from syncd.recent import Recent
from syncd.store.ledger_parts import fits

_DUE = ("SELECT ts, direction, thread, ref, subject, direct, prev, last, mine FROM touches "
        "WHERE person = ? AND ts = ?")


class _Times(dict[float, datetime]):
    """POSIX seconds -> UTC datetime, each converted once (a person's newest touch is also
    their newest inbound or outbound one, and the time of their newest interaction...)."""

    def __missing__(self, ts: float) -> datetime:
        at = self[ts] = datetime.fromtimestamp(ts, UTC)
        return at


def _interaction(person: str, row: tuple[Any, ...] | None, at: _Times) -> Interaction | None:
    if row is None:
        return None
    ts, direction, thread, ref, subject, direct = row
    return Interaction(at[ts], person, direction, thread, ref, subject, bool(direct),
                       direct == ASKS)


def compute(db: sqlite3.Connection, now: datetime, *, nudge_after: timedelta,
            owed_reply_after: timedelta) -> dict[str, PersonLedger]:
    """Every person's ledger at ``now``, without history (``history`` stays empty), from a
    ``ledger_cache`` brought up to date (``syncd.store.ledger_cache.refresh``) for the user's
    time zone (``recent`` counts days there)."""
    ask_limit = (now - nudge_after).timestamp()
    owed_limit = (now - owed_reply_after).timestamp()
    since, now_ts = (now - RECENT).timestamp(), now.timestamp()
    out: dict[str, PersonLedger] = {}
    overdue: list[tuple[str, float]] = []
    at = _Times()
    for person, summary in db.execute(
            "SELECT person, summary FROM ledger_cache ORDER BY person"):
        (first, last_ts, last_in, last_out, direct_out, n_in, n_out, n_meet, first_meet,
         init_me, init_them, rep_me, rep_them, first_exchange, heard, logged, conversations,
         last_logged, _owed_ts, _helped_ts, ask_ts, last, owed_row, helped, ask,
         latencies_me, latencies_them, ask_times, owed_times, streak, times, days,
         meetings) = marshal.loads(summary)  # noqa: S302 (written by ledger_cache, same Python)
        n_asks = bisect_left(ask_times, ask_limit) if ask_times else 0
        at.clear()
        led = out[person] = PersonLedger(
            person, first_seen=at[first], last_touch=at[last_ts],
            last_inbound=None if last_in is None else at[last_in],
            last_outbound=None if last_out is None else at[last_out],
            last_direct_out=None if direct_out is None else at[direct_out], messages_in=n_in,
            messages_out=n_out, meetings=n_meet,
            first_meeting=None if first_meet is None else at[first_meet],
            initiated_by_me=init_me, initiated_by_them=init_them, replies_by_me=rep_me,
            replies_by_them=rep_them,
            first_exchange=None if first_exchange is None else at[first_exchange],
            open_asks=n_asks,
            owed_replies=bisect_left(owed_times, owed_limit) if owed_times else 0,
            logged=logged, conversations=conversations,
            last_logged=None if last_logged is None else at[last_logged],
            ask_streak=streak, last=_interaction(person, last, at),
            owed=_interaction(person, owed_row, at), helped=_interaction(person, helped, at),
            latencies_me=latencies_me, latencies_them=latencies_them,
            recent=Recent.stored(times, days, meetings, since, now_ts))
        if ask_ts is not None and (heard is None or heard <= ask_ts):
            led.last_ask = _interaction(person, ask, at)  # unless they wrote or met the user since
        due_ts = ask_times[n_asks - 1] if n_asks else None
        if due_ts is not None and (heard is None or heard <= due_ts):
            if due_ts == ask_ts:
                led.due_ask = _interaction(person, ask, at)
            else:
                overdue.append((person, due_ts))
    for person, ts in overdue:  # the newest overdue ask is not the newest ask: look it up
        best: tuple[Any, ...] | None = None
        for ts_, direction, thread, ref, subject, direct, prev, is_last, mine in db.execute(
                _DUE, (person, ts)):
            if fits("due_ask", direction, direct, prev, bool(is_last), bool(mine)) and (
                    best is None or ref > best[3]):
                best = (ts_, direction, thread, ref, subject, direct)
        out[person].due_ask = _interaction(person, best, _Times())
    return out
