"""``syncd.touch_rows.marking_held`` (the first pass's marking of one thread's held touches,
without an ``Interaction`` each) gives the rows ``marking`` gives for the same touches: same
marks, same order, whatever the ties of time, the people, directions, quoted answers and
times with microseconds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from syncd.interactions import ASKS, Interaction
from syncd.model import Address
from syncd.store.codec import dt
from syncd.store.streamed import HeldTouch
from syncd.touch_rows import marking, marking_held

T0 = datetime(2019, 3, 31, 0, 59, 59, tzinfo=UTC)
OFFSETS = [timedelta(0), timedelta(microseconds=1), timedelta(seconds=1),
           timedelta(hours=11, microseconds=999_999), timedelta(hours=13, microseconds=500_001),
           timedelta(days=40, seconds=3)]


@st.composite
def threads(draw: st.DrawFn) -> list[HeldTouch]:
    held: dict[tuple[float, str, str], HeldTouch] = {}
    for _ in range(draw(st.integers(1, 12))):
        ts = (T0 + draw(st.sampled_from(OFFSETS))).timestamp()
        ref = draw(st.sampled_from(["a@x", "b@x", "c@x"]))
        person = draw(st.sampled_from(["p1", "p2", "p3"]))
        direction = draw(st.sampled_from(["in", "out"]))
        held[(ts, ref, person)] = (
            "r:root@x", ts, ref, person, direction, draw(st.sampled_from([None, "Hi"])),
            draw(st.sampled_from([0, 1, ASKS])), person + "@x.example",
            draw(st.sampled_from(["", "P"])), draw(st.sampled_from([0, 1])))
    return list(held.values())


def _interactions(held: list[HeldTouch]) -> list[tuple[Interaction, Address]]:
    return [(Interaction(dt(ts), person, direction, thread, ref, subject, bool(direct),
                         direct == ASKS, bool(answered)), Address(email, name))
            for (thread, ts, ref, person, direction, subject, direct, email, name, answered)
            in held]


@given(threads(), st.randoms())
def test_marking_held_equals_marking(held: list[HeldTouch], shuffle: random.Random) -> None:
    expected = list(marking(_interactions(held)))
    shuffle.shuffle(held)  # sorted there as marking sorts
    assert marking_held(held) == expected


def test_a_gap_with_microseconds_is_the_dates_difference() -> None:
    first, second = T0 + timedelta(microseconds=3), T0 + timedelta(seconds=7, microseconds=1)
    held: list[HeldTouch] = [("r:x", when.timestamp(), ref, "p1", "out", None, 0, "p1@x", "", 0)
                             for when, ref in ((first, "a@x"), (second, "b@x"))]
    rows = marking_held(held)
    assert rows[1][11] == (second - first).total_seconds()
    assert rows == list(marking(_interactions(held)))
