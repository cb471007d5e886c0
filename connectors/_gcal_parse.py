"""Google Calendar event resources to syncd records, and follow-ups to event bodies: pure.

- ``parse_event``: one ``events.list`` item (``singleEvents=true``, so one occurrence) to a
  ``Meeting``: attendees with their responseStatus, resources as rooms, the organizer,
  cancelled events as ``CANCELLED``; all-day events start at midnight UTC like the CalDAV ones.
- ``event_body``: a ``FollowUp`` to the body syncd inserts: the deterministic ``id`` is our
  key (hex digits plus ``g<N>``, all inside base32hex), ``extendedProperties.private`` carries
  the key and kind, the event is transparent (free) and its times carry the IANA time zone.
- ``remote_of``: one of our events (not cancelled) to a ``Remote``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from syncd.errors import ProtocolError
from syncd.model import Attendee, FollowUp, Meeting, Remote

TAG_PROP, TAG = "syncd", "followup"  # on every event of ours: snapshot() filters on it
KEY_PROP = "syncd_key"
KIND_PROP = "syncd_kind"
_ID = re.compile(r"[a-v0-9]{5,1024}")
_PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE",
             "needsAction": "NEEDS-ACTION"}
_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}


def event_id(key: str) -> str:
    """Our key as a Google event id; ``ProtocolError`` if it is not valid base32hex."""
    if not _ID.fullmatch(key):
        raise ProtocolError(f"follow-up key {key!r} is not a valid Google event id")
    return key


def our_key(event: Mapping[str, Any]) -> str | None:
    private = (event.get("extendedProperties") or {}).get("private") or {}
    key = private.get(KEY_PROP)
    return str(key) if key else None


def parse_when(value: Mapping[str, Any] | None) -> tuple[datetime, bool]:
    """An EventDateTime to (aware UTC instant, all-day)."""
    if not value:
        raise ProtocolError("an event without start or end")
    if value.get("dateTime"):
        try:
            when = datetime.fromisoformat(str(value["dateTime"]))
        except ValueError:
            raise ProtocolError(f"unreadable dateTime {value['dateTime']!r}") from None
        if when.tzinfo is None:
            raise ProtocolError(f"dateTime without offset {value['dateTime']!r}")
        return when.astimezone(UTC), False
    if value.get("date"):
        try:
            day = date.fromisoformat(str(value["date"]))
        except ValueError:
            raise ProtocolError(f"unreadable date {value['date']!r}") from None
        return datetime.combine(day, time(0), tzinfo=UTC), True
    raise ProtocolError("an EventDateTime with neither dateTime nor date")


def _person(data: Mapping[str, Any]) -> Attendee:
    return Attendee(email=str(data.get("email") or ""), name=str(data.get("displayName") or ""),
                    partstat=_PARTSTAT.get(str(data.get("responseStatus")), "NEEDS-ACTION"),
                    cutype="ROOM" if data.get("resource") else "INDIVIDUAL")


def parse_event(event: Mapping[str, Any], *, account: str, scope: str) -> Meeting:
    native_id = str(event.get("id") or "")
    if not native_id:
        raise ProtocolError("an event without an id", account=account)
    start, all_day = parse_when(event.get("start"))
    end, _ = parse_when(event.get("end")) if event.get("end") else (start, all_day)
    attendees = tuple(_person(a) for a in event.get("attendees") or () if a.get("email"))
    organizer_data = event.get("organizer") or {}
    organizer = None
    if organizer_data.get("email"):
        mine = next((a for a in attendees if a.email.lower() ==
                     str(organizer_data["email"]).lower()), None)
        organizer = Attendee(str(organizer_data["email"]),
                             str(organizer_data.get("displayName") or ""),
                             partstat=mine.partstat if mine else "ACCEPTED")
    return Meeting(account=account, native_id=native_id,
                   uid=str(event.get("iCalUID") or native_id), start=start, end=max(start, end),
                   all_day=all_day, organizer=organizer, attendees=attendees,
                   status=_STATUS.get(str(event.get("status")), "CONFIRMED"),
                   summary=event.get("summary"), scope=scope, ours=our_key(event) is not None)


def event_body(f: FollowUp) -> dict[str, Any]:
    local = f.start.astimezone(_zone(f.timezone))
    return {
        "id": event_id(f.key),
        "status": "confirmed",
        "summary": f.title,
        "description": f.description,
        "start": {"dateTime": local.isoformat(), "timeZone": f.timezone},
        "end": {"dateTime": (local + f.duration).isoformat(), "timeZone": f.timezone},
        **({"start": {"date": local.date().isoformat()},  # all day: the end date is exclusive
            "end": {"date": (local.date() + timedelta(days=1)).isoformat()}} if f.all_day else {}),
        "transparency": "transparent",
        # said explicitly: unset, the calendar's default reminder would ring for every one
        "reminders": {"useDefault": False, "overrides": [] if f.alarm is None or f.all_day else
                      [{"method": "popup", "minutes": _minutes(f.alarm)}]},
        "extendedProperties": {"private": {TAG_PROP: TAG, KEY_PROP: f.key,
                                              KIND_PROP: f.kind}},
    }


def remote_of(event: Mapping[str, Any]) -> Remote | None:
    """One of our live events as a ``Remote``; None for others' and cancelled events."""
    key = our_key(event)
    if key is None or event.get("status") == "cancelled":
        return None
    start, _ = parse_when(event.get("start"))
    return Remote(key=key, remote_id=str(event["id"]), etag=event.get("etag"), start=start)


def _minutes(alarm: timedelta) -> int:
    return int(alarm.total_seconds() // 60)


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
