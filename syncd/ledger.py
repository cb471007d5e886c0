"""The reciprocity ledger: pure, derived every cycle from interactions, never stored.

Per person and thread, the interactions are read in time order:

- the first one is an *initiation* (by the user if outbound, by them if inbound);
- one whose direction differs from the one before is a *reply* by that side, its latency the gap;
- an outbound direct message still last in its thread after ``nudge_after`` is an *open ask*;
- an inbound direct message still last in its thread after ``owed_reply_after`` is an *owed reply*.

``given`` = the user's initiations + replies + introductions made for them; ``received`` the
same from their side; ``balance = given - received``.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncd.interactions import Interaction


@dataclass(slots=True)
class PersonLedger:
    person: str
    first_seen: datetime | None = None
    last_touch: datetime | None = None
    last_inbound: datetime | None = None
    last_outbound: datetime | None = None
    messages_in: int = 0
    messages_out: int = 0
    meetings: int = 0
    initiated_by_me: int = 0
    initiated_by_them: int = 0
    replies_by_me: int = 0
    replies_by_them: int = 0
    open_asks: int = 0
    owed_replies: int = 0
    intros_given: int = 0
    intros_received: int = 0
    first_meeting: datetime | None = None
    first_exchange: datetime | None = None  # the first reply, either way: two-way from then on
    latencies_me: list[float] = field(default_factory=list)
    latencies_them: list[float] = field(default_factory=list)
    history: list[Interaction] = field(default_factory=list)

    @property
    def given(self) -> int:
        return self.initiated_by_me + self.replies_by_me + self.intros_given

    @property
    def received(self) -> int:
        return self.initiated_by_them + self.replies_by_them + self.intros_received

    @property
    def balance(self) -> int:
        return self.given - self.received

    @property
    def exchanges(self) -> int:
        """Two-way history: replies either way plus meetings (what ``min_exchanges`` counts)."""
        return self.replies_by_me + self.replies_by_them + self.meetings

    @property
    def median_reply_me(self) -> timedelta | None:
        return _median(self.latencies_me)

    @property
    def median_reply_them(self) -> timedelta | None:
        return _median(self.latencies_them)


def _median(values: list[float]) -> timedelta | None:
    return timedelta(seconds=statistics.median(values)) if values else None


def build(interactions: Iterable[Interaction], now: datetime, *, nudge_after: timedelta,
          owed_reply_after: timedelta) -> dict[str, PersonLedger]:
    """``interactions`` sorted by time (as ``syncd.interactions.derive`` returns them)."""
    ledgers: dict[str, PersonLedger] = {}
    by_thread: dict[tuple[str, str], list[Interaction]] = defaultdict(list)
    for i in interactions:
        ledger = ledgers.get(i.person)
        if ledger is None:
            ledger = ledgers[i.person] = PersonLedger(i.person)
        _count(ledger, i)
        if i.direction != "meeting":
            by_thread[(i.person, i.thread)].append(i)
    for (person, _thread), events in by_thread.items():
        _thread_rules(ledgers[person], events, now, nudge_after, owed_reply_after)
    return ledgers


def _count(ledger: PersonLedger, i: Interaction) -> None:
    ledger.history.append(i)
    if ledger.first_seen is None:
        ledger.first_seen = i.at
    ledger.last_touch = i.at if ledger.last_touch is None else max(ledger.last_touch, i.at)
    if i.direction == "in":
        ledger.messages_in += 1
        ledger.last_inbound = i.at
    elif i.direction == "out":
        ledger.messages_out += 1
        ledger.last_outbound = i.at
    else:
        ledger.meetings += 1
        if ledger.first_meeting is None:
            ledger.first_meeting = i.at


def _thread_rules(ledger: PersonLedger, events: list[Interaction], now: datetime,
                  nudge_after: timedelta, owed_reply_after: timedelta) -> None:
    first = events[0]
    if first.direction == "out":
        ledger.initiated_by_me += 1
    else:
        ledger.initiated_by_them += 1
    for before, after in itertools.pairwise(events):
        if before.direction == after.direction:
            continue
        gap = (after.at - before.at).total_seconds()
        if after.direction == "out":
            ledger.replies_by_me += 1
            ledger.latencies_me.append(gap)
        else:
            ledger.replies_by_them += 1
            ledger.latencies_them.append(gap)
        if ledger.first_exchange is None or after.at < ledger.first_exchange:
            ledger.first_exchange = after.at
    last = events[-1]
    if last.direct and last.direction == "out" and now - last.at > nudge_after:
        ledger.open_asks += 1
    if last.direct and last.direction == "in" and now - last.at > owed_reply_after:
        ledger.owed_replies += 1
