"""Touch rows (``syncd.store.touches.Touch``) from interactions and back: each interaction
marked with its place among the person's messages in its thread (``syncd.ledger.marked``) and
the number of people in its thread. ``syncd.incremental`` and ``syncd.first_pass`` write them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from syncd.interactions import ASKS, Interaction, direct_code
from syncd.ledger import Mark, marked
from syncd.model import Address
from syncd.store.codec import dt
from syncd.store.streamed import HeldTouch
from syncd.store.touches import Touch


def marking(touched: list[tuple[Interaction, Address]]) -> Iterator[Touch]:
    """Touch rows, each with its ``Mark`` among the person's messages in its thread;
    ``touched`` (sorted here) holds every interaction of the threads it is in."""
    touched.sort(key=lambda pair: (pair[0].at, pair[0].ref, pair[0].person))
    found = marked([i for i, _ in touched])
    company: dict[str, set[str]] = defaultdict(set)  # as rules.weekly.together groups them
    for i, _ in touched:
        company[i.thread or i.ref].add(i.person)
    for (i, address), mark in zip(touched, found, strict=True):
        yield row(i, address, mark, len(company[i.thread or i.ref]))


def row(i: Interaction, address: Address, mark: Mark, company: int) -> Touch:
    return (i.ref, i.at.timestamp(), i.person, i.direction, i.thread, i.subject, direct_code(i),
            address.email, address.name, int(mark.first), mark.prev, mark.gap, int(mark.last),
            int(mark.mine), company, int(i.answered))


def interaction(t: Touch) -> Interaction:
    ref, ts, person, direction, thread, subject, direct = t[:7]
    return Interaction(datetime.fromtimestamp(ts, UTC), person, direction, thread,
                       ref, subject, bool(direct), direct == ASKS, bool(t[15]))


_BY_TIME = itemgetter(1, 2, 3)  # a held touch's time, Message-ID and person


def marking_held(held: list[HeldTouch]) -> list[Touch]:
    """``marking`` of one thread's message touches as the first pass holds them (thread, ts,
    ref, person, direction, subject, direct code, address, name, answered), without building
    an ``Interaction`` for each: the same rows, in the same order. Every touch is "in" or
    "out" and in the same thread, so ``syncd.ledger.marked`` comes down to: per person, in
    time order, the direction before and the gap; the last is no longer last once anything
    newer came on the thread (theirs) or anything newer reached the user (the user's). Times
    compare as the stored floats (one per microsecond of the dates they came from); a gap is
    the dates' difference, as ``Mark`` holds it."""
    if not held:
        return []
    held.sort(key=_BY_TIME)
    newest = held[-1][1:3]  # the newest (time, Message-ID) on the thread; the newest heard:
    heard = None
    for t in reversed(held):
        if t[4] == "in" or t[9]:
            heard = t[1:3]
            break
    people: dict[str, list[int]] = {}
    for n, t in enumerate(held):
        people.setdefault(t[3], []).append(n)
    company = len(people)
    rows: list[Any] = [None] * len(held)  # (each set below)
    for indexes in people.values():
        mine = int(held[indexes[0]][4] == "out")
        final = indexes[-1]
        before: HeldTouch | None = None
        for n in indexes:
            t = held[n]
            last = 0
            if n == final:
                closing = newest if t[4] == "in" else heard
                last = int(closing is None or not closing > t[1:3])
            if before is None:
                rows[n] = (t[2], t[1], t[3], t[4], t[0], t[5], t[6], t[7], t[8], 1, None, 0.0,
                           last, mine, company, t[9])
            else:
                rows[n] = (t[2], t[1], t[3], t[4], t[0], t[5], t[6], t[7], t[8], 0, before[4],
                           _gap(t[1], before[1]), last, mine, company, t[9])
            before = t
    return rows


def _gap(ts: float, before: float) -> float:
    """Seconds between two stored times, as the difference of their dates gives it (exact for
    whole seconds; otherwise through the dates)."""
    if ts.is_integer() and before.is_integer():
        return ts - before
    return (dt(ts) - dt(before)).total_seconds()
