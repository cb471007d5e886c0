"""iCalendar to and from syncd's records. Pure: no network, no clock unless you pass none.

- ``meetings_from_ics`` turns one calendar resource into one ``Meeting`` per occurrence in a
  window (``connectors._ics_window``: recurrence expanded with ``recurring_ical_events``: RRULE,
  RDATE, EXDATE, RECURRENCE-ID overrides; a cancelled instance comes back with
  ``status="CANCELLED"``; a resource that does not recur is read without the library).
- ``followup_to_ics`` writes a follow-up as a single, non-recurring VEVENT with its VTIMEZONE.
- ``remote_from_ics`` reads one of our events back (key and start).

Every failure to understand the input is a ``ProtocolError`` with a short reason: the caller
quarantines that resource and moves on. The parsers catch every exception on purpose, because
icalendar and recurring_ical_events raise many kinds on hostile input.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from connectors._ics_window import (
    as_list,
    decoded,
    occurrences,
    span,
    tz_guesses_allowed,
)
from syncd.errors import ProtocolError
from syncd.model import Attendee, FollowUp, Meeting, Remote

OURS_UID_SUFFIX = "@syncd"
KEY_PROPERTY = "X-SYNCD-KEY"
KIND_PROPERTY = "X-SYNCD-KIND"
PRODID = "-//syncd//syncd follow-ups//EN"


# -- reading -------------------------------------------------------------------------------


def meetings_from_ics(
    data: bytes | str,
    *,
    account: str,
    resource: str,
    scope: str,
    window_start: datetime,
    window_end: datetime,
) -> list[Meeting]:
    """Every occurrence of every VEVENT in ``data`` that overlaps [window_start, window_end).

    ``resource`` (the CalDAV href) prefixes each occurrence's native id:
    ``f"{resource}#{start in UTC, ISO 8601}"``. Times come back aware, in UTC; floating times
    are taken as UTC; all-day events start and end at midnight UTC of their dates.
    """
    calendars = _parse(data)
    try:
        meetings = [
            _meeting(component, account=account, resource=resource, scope=scope)
            for calendar in calendars
            for component in occurrences(calendar, window_start, window_end)
        ]
    except ProtocolError as exc:
        raise ProtocolError(f"{resource}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any failure on foreign data is a protocol error
        raise ProtocolError(f"{resource}: cannot expand events: {_reason(exc)}") from None
    return _unique_ids(meetings)


def remote_from_ics(data: bytes | str, href: str, etag: str | None) -> Remote | None:
    """Our event's key and start, or None when ``data`` holds no syncd event."""
    for calendar in _parse(data):
        for event in calendar.walk("VEVENT"):
            key = _our_key(event)
            if key is None:
                continue
            try:
                start, _ = _bounds(event)
            except Exception as exc:  # noqa: BLE001 - foreign data: any failure is a protocol error
                raise ProtocolError(f"{href}: unreadable DTSTART: {_reason(exc)}") from None
            return Remote(key=key, remote_id=href, etag=etag, start=start)
    return None


def is_ours(event: icalendar.Component) -> bool:
    return _our_key(event) is not None


def _parse(data: bytes | str) -> list[icalendar.Calendar]:
    try:
        with tz_guesses_allowed():
            parsed = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # noqa: BLE001 - any failure on foreign data is a protocol error
        raise ProtocolError(f"not iCalendar: {_reason(exc)}") from None
    calendars = [c for c in parsed if isinstance(c, icalendar.Calendar) and c.name == "VCALENDAR"]
    if not calendars:
        raise ProtocolError("not iCalendar: no VCALENDAR")
    return calendars


def _meeting(event: icalendar.Component, *, account: str, resource: str, scope: str) -> Meeting:
    start, end = _bounds(event)
    organizer = event.get("ORGANIZER")
    return Meeting(
        account=account,
        native_id=f"{resource}#{start.isoformat()}",
        uid=str(event.get("UID", "")),
        start=start,
        end=end,
        all_day=not isinstance(decoded(event, "DTSTART"), datetime),
        organizer=_attendee(organizer, default_partstat="ACCEPTED") if organizer else None,
        attendees=tuple(_attendee(a) for a in as_list(event.get("ATTENDEE"))),
        status=str(event.get("STATUS", "CONFIRMED")).upper() or "CONFIRMED",
        summary=str(event["SUMMARY"]) if "SUMMARY" in event else None,
        scope=scope,
        ours=is_ours(event),
    )


def _bounds(event: icalendar.Component) -> tuple[datetime, datetime]:
    """Start and end of one component, in UTC (end defaults per RFC 5545 section 3.6.1)."""
    start, end = span(event)
    return start, max(start, end)


def _attendee(value: Any, *, default_partstat: str = "NEEDS-ACTION") -> Attendee:
    params = getattr(value, "params", {})
    address = str(value).strip()
    if address[:7].lower() == "mailto:":
        address = address[7:]
    return Attendee(
        email=address.strip(),
        name=str(params.get("CN", "")).strip().strip('"'),
        partstat=str(params.get("PARTSTAT", default_partstat)).upper(),
        cutype=str(params.get("CUTYPE", "INDIVIDUAL")).upper(),
    )


def _our_key(event: icalendar.Component) -> str | None:
    if KEY_PROPERTY in event:
        return str(event[KEY_PROPERTY])
    uid = str(event.get("UID", ""))
    if uid.endswith(OURS_UID_SUFFIX) and len(uid) > len(OURS_UID_SUFFIX):
        return uid[: -len(OURS_UID_SUFFIX)]
    return None


def _unique_ids(meetings: list[Meeting]) -> list[Meeting]:
    """Two VEVENTs of one file at one instant (not CalDAV, but real files do it)."""
    seen: set[str] = set()
    unique: list[Meeting] = []
    for meeting in meetings:
        native_id = meeting.native_id
        if native_id in seen:
            base = f"{native_id}#{meeting.uid}"
            native_id, n = base, 1
            while native_id in seen:
                n += 1
                native_id = f"{base}#{n}"
            meeting = replace(meeting, native_id=native_id)
        seen.add(native_id)
        unique.append(meeting)
    return unique


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


# -- writing -------------------------------------------------------------------------------


def followup_to_ics(f: FollowUp, *, stamp: datetime | None = None) -> bytes:
    """One VEVENT for ``f``: UID ``<key>@syncd``, DTSTART in ``f.timezone`` with its VTIMEZONE.

    ``stamp`` is the DTSTAMP (default: now). The event is transparent (free time) and never
    recurring; with ``f.alarm``, a VALARM (ACTION:DISPLAY) that long before it starts.
    """
    zone = ZoneInfo(f.timezone)
    start: date | datetime = f.start.astimezone(zone)
    end: date | datetime = (f.start.astimezone(UTC) + f.duration).astimezone(zone)
    if f.all_day:  # DTSTART;VALUE=DATE and an exclusive DTEND the next day
        start, end = f.start.date(), f.start.date() + timedelta(days=1)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"{f.key}{OURS_UID_SUFFIX}")
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f.title)
    event.add("description", f.description)
    event.add("transp", "TRANSPARENT")
    if f.email:
        event.add("url", f.mailto or f"mailto:{f.email}")
    if f.alarm is not None and not f.all_day:  # followups.alarm; none: no VALARM at all
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -f.alarm)
        alarm.add("description", f.title)
        event.add_component(alarm)
    event.add(KEY_PROPERTY, f.key)
    event.add(KIND_PROPERTY, f.kind)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
