"""Which VEVENTs of one calendar resource fall in a window, and the date values they are read by.

A resource without recurrence (no RRULE, RDATE, EXDATE or RECURRENCE-ID, no UID used twice, no
``X-WR-TIMEZONE``) is one occurrence per VEVENT, kept when it overlaps the window as
recurring_ical_events decides it: starts inclusive, ends exclusive, an instant counted at the
window's start but not at its end. Anything else is expanded by the library, imported only then:
with the ``x_wr_timezone`` and ``click`` it imports it is about 1.4 MB a daemon would otherwise
hold from its first calendar pull (issue 16). ``tests/unit/test_ics_single.py`` holds the short
path to the library's answer on every real .ics file of the shared corpus.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
from icalendar.error import GloballyUniqueTZIDGuessed

from syncd.errors import ProtocolError

MAX_OCCURRENCES = 5000  # per resource and window; more is a runaway rule, not a calendar


def occurrences(
    calendar: icalendar.Calendar, window_start: datetime, window_end: datetime
) -> list[icalendar.Component]:
    """Occurrences overlapping the window; refuses rules that would run away."""
    for event in calendar.walk("VEVENT"):
        if "DTSTART" not in event:
            raise ProtocolError("VEVENT without DTSTART")
    _refuse_runaway_rules(calendar, window_end - window_start)
    found = single_occurrences(calendar, window_start, window_end)
    if found is None:
        import recurring_ical_events  # only a resource that recurs needs it (see the docstring)

        with tz_guesses_allowed():
            found = recurring_ical_events.of(calendar).between(window_start, window_end)
    if len(found) > MAX_OCCURRENCES:
        raise ProtocolError(f"more than {MAX_OCCURRENCES} occurrences in the window")
    return found


_RECURRENCE = ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")


def single_occurrences(calendar: icalendar.Calendar, window_start: datetime,
                        window_end: datetime) -> list[icalendar.Component] | None:
    """The VEVENTs overlapping the window when none recurs, by recurring_ical_events' own rule
    (starts inclusive, ends exclusive; an instant counts at the window's start, not its end);
    None when anything needs the library: recurrence, a UID used twice, ``X-WR-TIMEZONE``, an
    end before the start, a value it cannot read, a window without length."""
    if "X-WR-TIMEZONE" in calendar or window_start >= window_end:
        return None
    found: list[icalendar.Component] = []
    uids: set[str] = set()
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        if any(name in event for name in _RECURRENCE) or uid in uids:
            return None  # a repeated UID is one series to the library (the later SEQUENCE wins)
        uids.add(uid)
        try:
            with tz_guesses_allowed():
                start, end = span(event)
        except Exception:  # noqa: BLE001 - foreign data: the library's path reports it
            return None
        if end < start or not _same_kind(event):
            return None
        if (window_start <= start < window_end if start == end
                else start < window_end and window_start < end):
            found.append(event)
    return found


def _same_kind(event: icalendar.Component) -> bool:
    """DTSTART and DTEND both dates, both floating or both zoned date-times, each as its VALUE
    parameter says: the library reads mixed ones its own way (a floating start in the end's
    zone, a zoned ``VALUE=DATE`` as a date)."""
    kinds = set()
    for name in ("DTSTART", "DTEND"):
        if name in event:
            value = decoded(event, name)
            if isinstance(value, datetime):
                if str(event[name].params.get("VALUE", "DATE-TIME")).upper() == "DATE":
                    return False
                kinds.add("floating" if value.tzinfo is None else "zoned")
            else:
                kinds.add("date")
    return len(kinds) == 1


_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600}


def _refuse_runaway_rules(calendar: icalendar.Calendar, window: timedelta) -> None:
    """A sub-daily RRULE can mean millions of occurrences; expanding them would hang."""
    for event in calendar.walk("VEVENT"):
        for rule in as_list(event.get("RRULE")):
            unit = _SECONDS.get(str(first(rule.get("FREQ"), "")).upper())
            if unit is None:
                continue
            interval = max(1, int(first(rule.get("INTERVAL"), 1)))
            estimate = window.total_seconds() / (unit * interval)
            if "COUNT" in rule:
                estimate = min(estimate, int(first(rule.get("COUNT"), 0)))
            if estimate > MAX_OCCURRENCES:
                raise ProtocolError(f"RRULE would give about {estimate:.0f} occurrences")


def first(value: Any, default: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else default
    return default if value is None else value


def span(event: icalendar.Component) -> tuple[datetime, datetime]:
    """Start and end of one component in UTC, as written (an end may precede the start)."""
    if "DTSTART" not in event:
        raise ProtocolError("VEVENT without DTSTART")
    raw_start = decoded(event, "DTSTART")
    start = utc(raw_start)
    if "DTEND" in event:
        end = utc(decoded(event, "DTEND"))
    elif "DURATION" in event:
        duration = decoded(event, "DURATION")
        if not isinstance(duration, timedelta):
            raise ProtocolError("DURATION is not a duration")
        end = start + duration
    else:
        end = start if isinstance(raw_start, datetime) else start + timedelta(days=1)
    return start, end


def decoded(event: icalendar.Component, name: str) -> object:
    """The decoded value of a date, date-time or duration property (raises when broken)."""
    prop: Any = event[name]  # vDDDTypes or vDuration; vBroken raises on .dt
    found: object = prop.dt
    return found


def utc(value: object) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    raise ProtocolError(f"expected a date or date-time, got {type(value).__name__}")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@contextmanager
def tz_guesses_allowed() -> Iterator[None]:
    """A vendor-prefixed TZID (``/mozilla.org/20070129_1/Europe/Berlin``) resolved by dropping
    the prefix is what every client does; icalendar warns about the guess each time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)
        yield
