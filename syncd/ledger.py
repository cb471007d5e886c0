"""The reciprocity ledger: pure, derived every cycle from interactions, never stored.

Per person and thread, the interactions are read in time order:

- the first one is an *initiation* (by the user if outbound, by them if inbound);
- one whose direction differs from the one before is a *reply* by that side, its latency the gap;
- in a thread the user started, the user's direct message still last after ``nudge_after`` is
  an *open ask*; their reply there is *help* (a thank-you is due);
- in a thread they started, their direct message still last after ``owed_reply_after`` is an
  *owed reply*.

Only threads the user started hold asks, so "Thanks!" closing someone else's thread never
turns into a nudge; only threads they started hold owed replies, so their "Thanks!" closing the
user's ask never turns into an owed reply. The *unanswered streak* is the user's direct messages
in their own threads since the person last wrote or met them: nudges stop after two of them.

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
    started: set[str] = field(default_factory=set)  # thread keys the user started with them
    asks: list[Interaction] = field(default_factory=list)  # asks since they last answered
    owed: Interaction | None = None  # their newest direct message still waiting for the user
    helped: Interaction | None = None  # their newest answer to an ask, or introduction
    intros: list[Interaction] = field(default_factory=list)  # introductions (given/received)
    latencies_me: list[float] = field(default_factory=list)
    latencies_them: list[float] = field(default_factory=list)
    history: list[Interaction] = field(default_factory=list)
    last: Interaction | None = None  # the newest interaction (the first of equals)
    # When each open-ask / owed-reply candidate went quiet (a thread's last message): counted
    # against ``now`` by ``settle``, so a stored ledger stays valid as time passes.
    ask_times: list[datetime] = field(default_factory=list)
    owed_times: list[datetime] = field(default_factory=list)

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
        _thread_rules(ledgers[person], events)
    for ledger in ledgers.values():
        _streak(ledger)
        settle(ledger, now, nudge_after=nudge_after, owed_reply_after=owed_reply_after)
    return ledgers


def settle(ledger: PersonLedger, now: datetime, *, nudge_after: timedelta,
           owed_reply_after: timedelta) -> None:
    """The counts that depend on ``now``: asks unanswered past ``nudge_after``, replies owed
    past ``owed_reply_after``."""
    ledger.open_asks = sum(1 for at in ledger.ask_times if now - at > nudge_after)
    ledger.owed_replies = sum(1 for at in ledger.owed_times if now - at > owed_reply_after)


def add_introductions(ledgers: dict[str, PersonLedger], given: Iterable[Interaction],
                      received: Iterable[Interaction]) -> None:
    """Count introductions the user made for people (``given``) and those people made for the
    user (``received``); an introduction received is help worth a thank-you."""
    for i in given:
        if i.person in ledgers:
            ledgers[i.person].intros_given += 1
            ledgers[i.person].intros.append(i)
    for i in received:
        if i.person in ledgers:
            led = ledgers[i.person]
            led.intros_received += 1
            led.intros.append(i)
            if led.helped is None or i.at > led.helped.at:
                led.helped = i


def _count(ledger: PersonLedger, i: Interaction) -> None:
    ledger.history.append(i)
    if ledger.last is None or i.at > ledger.last.at:
        ledger.last = i
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


def _thread_rules(ledger: PersonLedger, events: list[Interaction]) -> None:
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
    if first.direction == "out":
        ledger.started.add(first.thread)
        if last.direct and last.direction == "out":
            ledger.ask_times.append(last.at)
        answers = [after for before, after in itertools.pairwise(events)
                   if before.direction == "out" and after.direction == "in"]
        if answers and (ledger.helped is None or answers[-1].at > ledger.helped.at):
            ledger.helped = answers[-1]
    elif last.direct and last.direction == "in":
        ledger.owed_times.append(last.at)
        if ledger.owed is None or last.at > ledger.owed.at:
            ledger.owed = last


def _streak(ledger: PersonLedger) -> None:
    heard = max((i.at for i in ledger.history if i.direction != "out"), default=None)
    ledger.asks = [i for i in ledger.history
                   if i.direction == "out" and i.direct and i.thread in ledger.started
                   and (heard is None or i.at > heard)]
