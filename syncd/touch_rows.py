"""Touch rows (``syncd.store.touches.Touch``) from interactions and back: each interaction
marked with its place among the person's messages in its thread (``syncd.ledger.marked``) and
the number of people in its thread. ``syncd.incremental`` and ``syncd.first_pass`` write them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from syncd.interactions import ASKS, Interaction, direct_code
from syncd.ledger import Mark, marked
from syncd.model import Address
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
