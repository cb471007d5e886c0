"""The reciprocity ledger: pure, derived every cycle from interactions, never stored.

Per person and thread, the interactions are read in time order (each gets a ``Mark``: first,
the direction and gap of the one before, last, and whether the user started the thread):

- the first one is an *initiation* (by the user if outbound, by them if inbound);
- one whose direction differs from the one before is a *reply* by that side, its latency the gap;
- the user's message that asks them something (``direct``: in To and an ask, ``rules.asks``)
  still last after ``nudge_after`` is an *open ask* (``last`` is thread-wide: ``marked``), unless
  they wrote or met the user since; their reply in a thread the user started is *help* (a
  thank-you is due);
- in a thread they started, their message that expects an answer (``direct``), still last
  after ``owed_reply_after``, is an *owed reply*.

Only threads they started hold owed replies, so their "Thanks!" closing the user's ask never
turns into an owed reply. The *unanswered streak* is the user's asks in their own threads since
the person last wrote or met them: three or more lower a nudge's priority (``rules.reciprocity``).

Where two candidates for the same slot (the newest owed reply, answer, ask, interaction) share
a time, the one with the greater ref wins, so the result does not depend on reading order.

``given`` = the user's initiations + replies + introductions made for them; ``received`` the
same from their side; ``balance = given - received``.

A touch the user logged (direction ``logged``, ``syncd touch``) is a touch like any other for
the last touch; it counts in ``logged``, and where they answered (``direct``: a call, a meeting,
or ``--answered``) in ``conversations`` (two-way history, like a meeting) and as hearing from
them, which ends the unanswered streak. It belongs to no thread and holds no ask.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from syncd import recent as recent_mod
from syncd.interactions import Interaction
from syncd.recent import Recent

RECENT = timedelta(days=730)  # the window strength and rhythm read: the last two years


@dataclass(slots=True)
class PersonLedger:
    person: str
    first_seen: datetime | None = None
    last_touch: datetime | None = None
    last_inbound: datetime | None = None
    last_outbound: datetime | None = None
    last_direct_out: datetime | None = None  # the user's newest ask of them, on any thread
    # the user's newest message that started a new conversation with them since their owed
    # message (``rules.resumed``): set by the pipeline for those with a reply owed
    resumed: datetime | None = None
    # the user's newest message to them, after an open ask, that quotes their words from mail
    # never synced (``rules.quoted_answer``): set by the pipeline (``syncd.later_mail``)
    quoted_answer: datetime | None = None
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
    logged: int = 0  # touches the user logged
    conversations: int = 0  # of those, the ones where they answered
    last_logged: datetime | None = None
    first_meeting: datetime | None = None
    first_exchange: datetime | None = None  # the first reply, either way: two-way from then on
    ask_streak: int = 0  # the user's asks since they last answered or met the user
    last_ask: Interaction | None = None  # the newest of those
    due_ask: Interaction | None = None  # the newest of those older than nudge_after
    owed: Interaction | None = None  # their newest direct message still waiting for the user
    helped: Interaction | None = None  # their newest answer to an ask, or introduction
    last: Interaction | None = None  # the newest interaction
    intros: list[Interaction] = field(default_factory=list)  # introductions (given/received)
    latencies_me: list[float] = field(default_factory=list)  # seconds, ascending
    latencies_them: list[float] = field(default_factory=list)
    history: list[Interaction] = field(default_factory=list)  # loaded where a rule reads it
    # every touch within ``RECENT`` before now (copies aside), its time and local day: what the
    # strength and rhythm of the relationship are learned from (rules.strength, rules.rhythm)
    recent: Recent = field(default_factory=Recent)

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
        """Two-way history: replies either way, meetings and logged conversations (what
        ``min_exchanges`` counts)."""
        return self.replies_by_me + self.replies_by_them + self.meetings + self.conversations

    @property
    def median_reply_me(self) -> timedelta | None:
        return _median(self.latencies_me)

    @property
    def median_reply_them(self) -> timedelta | None:
        return _median(self.latencies_them)


@dataclass(frozen=True, slots=True)
class Mark:
    """Where an interaction stands among one person's interactions in one thread."""

    first: bool
    prev: str | None  # the direction of the one before; None for the first
    gap: float  # seconds since the one before (0 for the first)
    last: bool
    mine: bool  # the user started this thread with this person


NO_MARK = Mark(False, None, 0.0, False, False)  # meetings and logged touches: no thread
# One more message of the user's to the same person on the same thread this soon, with nothing
# from them in between, is a copy of the same message (a second folder, a resend) and counts
# once (DESIGN.md section 3: copies of one sent message are one message).
COPY_GAP = timedelta(hours=12)


def is_copy(i: Interaction, mark: Mark) -> bool:
    return (i.direction == "out" and mark.prev == "out"
            and mark.gap < COPY_GAP.total_seconds())
THREADLESS = frozenset({"meeting", "logged"})


def hears(i: Interaction) -> bool:
    """Did the user hear back from them here: their message to the user (in To; a copy of
    their mail to others is no answer), a meeting, an answered logged touch?"""
    return i.direction == "meeting" or (i.direction in ("in", "logged") and i.direct)


def _median(values: list[float]) -> timedelta | None:
    return timedelta(seconds=statistics.median(values)) if values else None


def newer(a: Interaction | None, b: Interaction) -> Interaction:
    """The newer of two interactions; on a tie in time, the greater ref."""
    return b if a is None or (b.at, b.ref) > (a.at, a.ref) else a


def marks(events: Sequence[Interaction]) -> list[Mark]:
    """``events``: one person's messages in one thread, in time order."""
    mine = events[0].direction == "out"
    out = []
    for n, i in enumerate(events):
        before = events[n - 1] if n else None
        out.append(Mark(n == 0, before.direction if before else None,
                        (i.at - before.at).total_seconds() if before else 0.0,
                        n == len(events) - 1, mine))
    return out


def marked(interactions: Sequence[Interaction]) -> list[Mark]:
    """Each interaction's ``Mark`` among the person's messages in its thread (``NO_MARK`` for
    meetings and logged touches, which belong to no thread). ``interactions`` sorted by time,
    and holding every interaction of the threads they are in.

    ``last`` looks at the whole thread: the user's message is last for a person while nobody
    has written to the user on the thread since (an answer by a co-recipient, or by someone
    answering for the person asked, closes the ask for everyone asked; so does the user's later
    message there quoting an answer that never reached the synced folders) and the user has not
    written to that person there again; their message is last while nothing at all was written
    on the thread since (the user's answer to anyone on it, a co-recipient's, a later message of
    their own)."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    newest: dict[str, tuple[datetime, str]] = {}  # per thread, the newest message
    heard: dict[str, tuple[datetime, str]] = {}  # per thread, the newest message to the user
    for n, i in enumerate(interactions):
        if i.direction not in THREADLESS:
            groups[(i.person, i.thread)].append(n)
            newest[i.thread] = max(newest.get(i.thread, (i.at, i.ref)), (i.at, i.ref))
            if i.direction == "in" or i.answered:  # the user quoting an answer: one came
                heard[i.thread] = max(heard.get(i.thread, (i.at, i.ref)), (i.at, i.ref))
    out = [NO_MARK] * len(interactions)
    for indexes in groups.values():
        for n, mark in zip(indexes, marks([interactions[n] for n in indexes]), strict=True):
            i = interactions[n]
            closing = newest if i.direction == "in" else heard
            if mark.last and closing.get(i.thread, (i.at, i.ref)) > (i.at, i.ref):
                mark = Mark(mark.first, mark.prev, mark.gap, False, mark.mine)
            out[n] = mark
    return out


def build(interactions: Sequence[Interaction], now: datetime, *, nudge_after: timedelta,
          owed_reply_after: timedelta, tz: tzinfo = UTC) -> dict[str, PersonLedger]:
    """``interactions`` sorted by time (as ``syncd.interactions.derive`` returns them);
    ``tz``: the user's, whose calendar days ``recent`` counts."""
    ledgers: dict[str, PersonLedger] = {}
    heard: dict[str, datetime] = {}  # when each person last wrote to or met the user
    rows = list(zip(interactions, marked(interactions), strict=True))
    for i, mark in rows:
        ledger = ledgers.get(i.person)
        if ledger is None:
            ledger = ledgers[i.person] = PersonLedger(i.person)
        _count(ledger, i, is_copy(i, mark))
        if mark is not NO_MARK:
            step(ledger, i, mark, now, nudge_after, owed_reply_after)
        if hears(i):
            heard[i.person] = max(i.at, heard.get(i.person, i.at))
    for i, mark in rows:  # the unanswered streak: the user's asks since they last heard back
        if (i.direction == "out" and i.direct and mark.mine and not is_copy(i, mark)
                and (i.person not in heard or i.at > heard[i.person])):
            ledgers[i.person].ask_streak += 1
    for person, ledger in ledgers.items():  # they wrote or met the user since: answered
        if ledger.last_ask is not None and heard.get(person, ledger.last_ask.at) > (
                ledger.last_ask.at):
            ledger.last_ask = None
        if ledger.due_ask is not None and heard.get(person, ledger.due_ask.at) > (
                ledger.due_ask.at):
            ledger.due_ask = None
    for ledger in ledgers.values():
        ledger.latencies_me.sort()
        ledger.latencies_them.sort()
    recent: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for i, mark in rows:
        if now - RECENT <= i.at <= now and not is_copy(i, mark):
            recent[i.person].append((i.at.timestamp(), i.direction))
    for person, touches in recent.items():
        ledgers[person].recent = recent_mod.build(sorted(touches), tz)
    return ledgers


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
            led.helped = newer(led.helped, i)


def _count(ledger: PersonLedger, i: Interaction, copy: bool = False) -> None:
    ledger.history.append(i)
    ledger.last = newer(ledger.last, i)
    if ledger.first_seen is None:
        ledger.first_seen = i.at
    ledger.last_touch = i.at if ledger.last_touch is None else max(ledger.last_touch, i.at)
    if i.direction == "in":
        ledger.messages_in += 1
        ledger.last_inbound = i.at
    elif i.direction == "out":
        ledger.messages_out += 0 if copy else 1
        ledger.last_outbound = i.at
        if i.direct:
            ledger.last_direct_out = i.at
    elif i.direction == "logged":
        ledger.logged += 1
        ledger.conversations += i.direct
        ledger.last_logged = i.at if ledger.last_logged is None else max(ledger.last_logged, i.at)
    else:
        ledger.meetings += 1
        if ledger.first_meeting is None:
            ledger.first_meeting = i.at


def step(ledger: PersonLedger, i: Interaction, mark: Mark, now: datetime,
         nudge_after: timedelta, owed_reply_after: timedelta) -> None:
    """What one message, marked within its thread, adds to the thread-level numbers."""
    if mark.first:
        if i.direction == "out":
            ledger.initiated_by_me += 1
        else:
            ledger.initiated_by_them += 1
    if mark.prev is not None and mark.prev != i.direction:
        if i.direction == "out":
            ledger.replies_by_me += 1
            ledger.latencies_me.append(mark.gap)
        else:
            ledger.replies_by_them += 1
            ledger.latencies_them.append(mark.gap)
        if ledger.first_exchange is None or i.at < ledger.first_exchange:
            ledger.first_exchange = i.at
        if mark.mine and i.direction == "in":
            ledger.helped = newer(ledger.helped, i)  # they answered the user's ask
    if mark.last and i.direct:
        if i.direction == "out":
            ledger.last_ask = newer(ledger.last_ask, i)
            if now - i.at > nudge_after:
                ledger.open_asks += 1
                ledger.due_ask = newer(ledger.due_ask, i)
        elif i.direction == "in" and (not mark.mine or i.asks):
            if now - i.at > owed_reply_after:
                ledger.owed_replies += 1
            ledger.owed = newer(ledger.owed, i)
