"""connectors/_caldav_cursor.py: the CalDAV source's cursor survives a round trip; anything
unreadable means "list everything again", never an exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors._caldav_cursor import CalendarMark, CursorState, parse_cursor

SINCE = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
UNTIL = datetime(2027, 1, 19, 12, 0, tzinfo=UTC)


def test_a_cursor_round_trips() -> None:
    state = CursorState(SINCE, {}).marked("http://h/dana/work/", CalendarMark("t1", UNTIL))
    state = state.marked("http://h/dana/home/", CalendarMark("t2", UNTIL))

    again = parse_cursor(state.dump())

    assert again == state
    assert json.loads(state.dump())["calendars"]["http://h/dana/work/"] == {
        "token": "t1", "until": "2027-01-19T12:00:00+00:00"}
    assert again.without("http://h/dana/work/").calendars.keys() == {"http://h/dana/home/"}


@pytest.mark.parametrize("text", [
    None, "", "not json", "[]", '{"v": 2, "calendars": {}}', '{"v": 1, "calendars": []}',
    '{"v": 1, "since": "yesterday"}', '{"v": 1, "since": "2025-11-20T12:00:00"}',
    '{"v": 1, "calendars": {"u": {"token": "t"}}}', '{"http://h/cal/": "old-format-token"}',
])
def test_anything_unreadable_is_an_empty_cursor(text: str | None) -> None:
    assert parse_cursor(text) == CursorState()
