"""A calendar resource that does not recur is read without recurring_ical_events (issue 16: the
daemon need not hold the library, x_wr_timezone and click). The library itself is the oracle:
every resource the short path takes must give the very meetings the library's expansion gives."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

from connectors import _ics, _ics_window

CRLF = "\r\n"
WINDOW = (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
# ../shared/data beside the checkout (/work/main) or beside the worktrees' folder (/work/wt/x)
CORPUS = next((p / "shared" / "data" for p in Path(__file__).resolve().parents
               if (p / "shared" / "data").is_dir()), Path("shared/data")) / "ical"


def ics(*events: str, head: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e if 'UID:' in e else f'UID:e{i}{CRLF}{e}'}\r\n"
                   "END:VEVENT\r\n" for i, e in enumerate(events))
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{head}{body}"
            "END:VCALENDAR\r\n").encode()


def as_meetings(components: list[icalendar.Component]) -> list[str]:
    return sorted(repr(_ics._meeting(c, account="cal", resource="/r.ics", scope="/cal/"))
                  for c in components)


def by_library(calendar: icalendar.Calendar, start: datetime, end: datetime) -> list[str]:
    with _ics_window.tz_guesses_allowed():
        return as_meetings(recurring_ical_events.of(calendar).between(start, end))


@pytest.mark.parametrize("events", [
    ("DTSTART:20260601T000000Z\r\nDTEND:20260601T010000Z",),  # starts at the window's start
    ("DTSTART:20260531T230000Z\r\nDTEND:20260601T000000Z",),  # ends there: outside
    ("DTSTART:20260630T230000Z\r\nDTEND:20260701T010000Z",),  # runs past the end
    ("DTSTART:20260701T000000Z\r\nDTEND:20260701T010000Z",),  # starts at the end: outside
    ("DTSTART:20260601T000000Z",),  # an instant at the start: inside
    ("DTSTART:20260701T000000Z",),  # an instant at the end: outside
    ("DTSTART;VALUE=DATE:20260531",),  # all day, the day before
    ("DTSTART;VALUE=DATE:20260630\r\nDTEND;VALUE=DATE:20260702",),
    ("DTSTART;TZID=Europe/Berlin:20260601T013000\r\nDURATION:PT1H",),  # 23:30 to 00:30 UTC
    ("DTSTART:20260615T090000\r\nDTEND:20260615T100000",),  # floating
    ("DTSTART:20260615T090000Z\r\nDTEND:20260615T080000Z",),  # ends before it starts
    ("DTSTART:20260615T090000\r\nDTEND;TZID=Europe/Berlin:20260615T120000",),  # mixed
    ("DTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z",
     "DTSTART:20260501T090000Z\r\nDTEND:20260501T100000Z",
     "DTSTART;VALUE=DATE:20260620\r\nSTATUS:CANCELLED"),
])
def test_a_resource_that_does_not_recur_gives_what_the_library_gives(
        events: tuple[str, ...]) -> None:
    calendar = _ics._parse(ics(*events))[0]
    assert as_meetings(_ics_window.occurrences(calendar, *WINDOW)) == by_library(calendar, *WINDOW)


@pytest.mark.parametrize(("events", "head"), [
    (("DTSTART:20260601T090000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3",), ""),
    (("DTSTART:20260601T090000Z\r\nRDATE:20260603T090000Z",), ""),
    (("DTSTART:20260601T090000Z", "DTSTART:20260601T100000Z\r\nUID:e0\r\nSEQUENCE:2"), ""),
    (("DTSTART:20260601T090000",), "X-WR-TIMEZONE:Europe/Berlin\r\n"),
])
def test_recurrence_a_repeated_uid_or_a_calendar_zone_go_to_the_library(
        events: tuple[str, ...], head: str) -> None:
    calendar = _ics._parse(ics(*events, head=head))[0]
    assert _ics_window.single_occurrences(calendar, *WINDOW) is None
    assert as_meetings(_ics_window.occurrences(calendar, *WINDOW)) == by_library(calendar, *WINDOW)


def test_the_library_is_imported_only_for_a_resource_that_recurs() -> None:
    code = ("import sys\nfrom datetime import UTC, datetime\n"
            "from connectors._ics import meetings_from_ics\n"
            "window = dict(window_start=datetime(2026, 6, 1, tzinfo=UTC), "
            "window_end=datetime(2026, 7, 1, tzinfo=UTC))\n"
            "for data in sys.argv[1:]:\n"
            "    found = meetings_from_ics(data, account='c', resource='/r', scope='/', **window)\n"
            "    print(len(found), 'recurring_ical_events' in sys.modules)\n")
    single = ics("DTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z").decode()
    weekly = ics("DTSTART:20260601T090000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3").decode()
    result = subprocess.run([sys.executable, "-c", code, single, weekly], capture_output=True,
                            text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.split("\n")[:2] == ["1 False", "3 True"]


def _windows(calendar: icalendar.Calendar) -> Iterator[tuple[datetime, datetime]]:
    """A year, and the edges of the first events: where the two readings could part."""
    yield datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    second, hour, day = timedelta(seconds=1), timedelta(hours=1), timedelta(days=1)
    for event in list(calendar.walk("VEVENT"))[:4]:
        try:
            start, end = _ics._bounds(event)
        except Exception:  # noqa: BLE001 - a broken event: no edges to try
            continue
        yield from ((start - day, start), (start, start + second), (start - hour, start + hour),
                    (end, end + day), (end - second, end), (start - 400 * day, start + 60 * day))


@pytest.mark.corpus
def test_every_real_ics_file_reads_the_same_with_or_without_the_library() -> None:
    files = sorted(CORPUS.rglob("*.ics")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip(f"no .ics corpus at {CORPUS} (see shared/data/MANIFEST)")
    compared = 0
    for path in files:
        try:
            calendars = _ics._parse(path.read_bytes())
        except _ics.ProtocolError:
            continue
        for calendar in calendars:
            if any("DTSTART" not in e for e in calendar.walk("VEVENT")):
                continue  # refused before either reading
            for start, end in _windows(calendar):
                short = _ics_window.single_occurrences(calendar, start, end)
                if short is None:
                    continue
                assert as_meetings(short) == by_library(calendar, start, end), (path, start)
                compared += 1
    assert compared > 1000  # the short path is the common one: a path never taken proves nothing
