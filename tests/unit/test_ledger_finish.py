"""``syncd.store.ledgers`` builds the interactions behind a cached row by filling the frozen
record's slots directly (a warm cycle makes 62,000 of them at a million messages): it must be
the very record ``Interaction(...)`` makes, every field set, still frozen."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.interactions import ASKS, Interaction
from syncd.store import ledgers

_ROWS = st.tuples(st.floats(0, 4e9), st.sampled_from(["in", "out", "meeting", "logged"]),
                  st.text(max_size=8), st.text(max_size=8), st.none() | st.text(max_size=8),
                  st.sampled_from([0, 1, ASKS]))


@given(st.text(max_size=8), _ROWS, st.booleans())
def test_a_cached_row_makes_the_interaction_the_constructor_makes(
        person: str, row: tuple[float, str, str, str, str | None, int], converted: bool) -> None:
    ts, direction, thread, ref, subject, direct = row
    at = datetime.fromtimestamp(ts, UTC)
    made = ledgers._interaction(person, row, at if converted else None)
    expected = Interaction(at, person, direction, thread, ref, subject, bool(direct),
                           direct == ASKS)
    assert made == expected
    assert hash(made) == hash(expected)
    assert [getattr(made, f.name) for f in fields(Interaction)] == [
        getattr(expected, f.name) for f in fields(Interaction)]
    with pytest.raises(FrozenInstanceError):
        made.ref = "changed"  # type: ignore[misc]


def test_no_row_no_interaction() -> None:
    assert ledgers._interaction("p", None, None) is None
