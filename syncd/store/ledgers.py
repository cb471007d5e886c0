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


# Filling the frozen record's slots through their descriptors skips the dataclass
# ``__init__``'s ``object.__setattr__`` per field (1.1 instead of 1.9 µs; 62,000 of them a
# cycle at a million messages), as ``syncd.model.build_message`` does for messages.
_new = object.__new__
_AT, _PERSON, _DIRECTION, _THREAD, _REF, _SUBJECT, _DIRECT, _ASKS, _ANSWERED = (
    getattr(Interaction, name).__set__ for name in Interaction.__slots__)


def _interaction(person: str, row: tuple[Any, ...] | None, at: datetime | None
                 ) -> Interaction | None:
    """The interaction behind a cached row; ``at``: its time, when already converted."""
    if row is None:
        return None
    ts, direction, thread, ref, subject, direct = row
    made = _new(Interaction)
    _AT(made, datetime.fromtimestamp(ts, UTC) if at is None else at)
    _PERSON(made, person)
    _DIRECTION(made, direction)
    _THREAD(made, thread)
    _REF(made, ref)
    _SUBJECT(made, subject)
    _DIRECT(made, bool(direct))
    _ASKS(made, direct == ASKS)
    _ANSWERED(made, False)  # (read when a thread is marked, never from a ledger)
    return made


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
    when = datetime.fromtimestamp  # (each time converted inline: 118,000 at a million)
    for person, summary in db.execute(
            "SELECT person, summary FROM ledger_cache ORDER BY person"):
        (first, last_ts, last_in, last_out, direct_out, n_in, n_out, n_meet, first_meet,
         init_me, init_them, rep_me, rep_them, first_exchange, heard, logged, conversations,
         last_logged, _owed_ts, _helped_ts, ask_ts, last, owed_row, helped, ask,
         latencies_me, latencies_them, ask_times, owed_times, streak, times, days,
         meetings) = marshal.loads(summary)  # noqa: S302 (written by ledger_cache, same Python)
        n_asks = bisect_left(ask_times, ask_limit) if ask_times else 0
        last_at = when(last_ts, UTC)  # also the time of the newest interaction, and often of
        # the newest inbound or outbound one
        led = out[person] = PersonLedger(
            person, first_seen=last_at if first == last_ts else when(first, UTC),
            last_touch=last_at,
            last_inbound=None if last_in is None else last_at if last_in == last_ts
            else when(last_in, UTC),
            last_outbound=None if last_out is None else last_at if last_out == last_ts
            else when(last_out, UTC),
            last_direct_out=None if direct_out is None else when(direct_out, UTC),
            messages_in=n_in, messages_out=n_out, meetings=n_meet,
            first_meeting=None if first_meet is None else when(first_meet, UTC),
            initiated_by_me=init_me, initiated_by_them=init_them, replies_by_me=rep_me,
            replies_by_them=rep_them,
            first_exchange=None if first_exchange is None else when(first_exchange, UTC),
            open_asks=n_asks,
            owed_replies=bisect_left(owed_times, owed_limit) if owed_times else 0,
            logged=logged, conversations=conversations,
            last_logged=None if last_logged is None else when(last_logged, UTC),
            ask_streak=streak, last=_interaction(person, last, last_at),
            owed=_interaction(person, owed_row, None), helped=_interaction(person, helped, None),
            latencies_me=latencies_me, latencies_them=latencies_them,
            recent=Recent.stored(times, days, meetings, since, now_ts))
        asked: Interaction | None = None
        if ask_ts is not None and (heard is None or heard <= ask_ts):
            # unless they wrote or met the user since
            led.last_ask = asked = _interaction(person, ask, None)
        due_ts = ask_times[n_asks - 1] if n_asks else None
        if due_ts is not None and (heard is None or heard <= due_ts):
            if due_ts == ask_ts:
                led.due_ask = asked or _interaction(person, ask, None)
            else:
                overdue.append((person, due_ts))
    for person, ts in overdue:  # the newest overdue ask is not the newest ask: look it up
        best: tuple[Any, ...] | None = None
        for ts_, direction, thread, ref, subject, direct, prev, is_last, mine in db.execute(
                _DUE, (person, ts)):
            if fits("due_ask", direction, direct, prev, bool(is_last), bool(mine)) and (
                    best is None or ref > best[3]):
                best = (ts_, direction, thread, ref, subject, direct)
        out[person].due_ask = _interaction(person, best, None)
    return out
