"""Microsoft Graph JSON to syncd records, and follow-ups to Graph events: pure, no network.

- ``parse_message`` maps a delta row of ``/me/mailFolders/{id}/messages/delta`` (the fields in
  ``message_select``) to a ``Message``. The native id is ``<folder>/<immutable id>``: one location
  per folder, so a message moved from Inbox to Archive is removed from one folder and added to
  the other while the store keeps one message (it keys messages by Message-ID).
- Delta rows for changed messages may be partial ("at least the properties that have been
  updated", reference/sync_engines.md 1.3): ``is_partial`` tells them apart and ``merge`` lays
  one over a full row without ever overwriting a value with null.
- ``parse_event`` maps a calendarView delta row to a ``Meeting``; ``event_body`` and
  ``remote_from_event`` are the follow-up sink's half.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors._imap_parse import RULE_HEADERS
from rules.text_signals import judge
from syncd.errors import ProtocolError
from syncd.model import Address, Attendee, FollowUp, Meeting, Message, Remote

# Our single-value extended property: the follow-up key on every event syncd writes.
KEY_PROPERTY = "String {f3c02648-6722-4768-8a8c-b995ef262114} Name syncd-key"
INFERENCE_OTHER = "inference:other"
BASE_FIELDS: tuple[str, ...] = (
    "from", "sender", "toRecipients", "ccRecipients", "sentDateTime", "receivedDateTime",
    "conversationId", "internetMessageId", "inferenceClassification", "subject",
)
_HEADER_NAMES = frozenset((*RULE_HEADERS, "in-reply-to", "references"))
_ANGLE = re.compile(r"<([^<>\s]+)>")
_RESPONSES = {"accepted": "ACCEPTED", "organizer": "ACCEPTED", "declined": "DECLINED",
              "tentativelyaccepted": "TENTATIVE", "none": "NEEDS-ACTION",
              "notresponded": "NEEDS-ACTION"}


def message_select(*, headers: bool, preview: bool = False) -> str:
    """The ``$select`` of a message delta: what the rules read, and nothing else (``bodyPreview``,
    the first 255 characters of the text, only for the text signals: judged, never kept)."""
    return ",".join(BASE_FIELDS + (("internetMessageHeaders",) if headers else ())
                    + (("bodyPreview",) if preview else ()))


def is_partial(row: Mapping[str, Any]) -> bool:
    """A delta row that carries only changed properties (a full row always has the dates)."""
    return "receivedDateTime" not in row and "sentDateTime" not in row


def has_rule_fields(row: Mapping[str, Any]) -> bool:
    """Whether a partial row changes anything syncd keeps (else it can be skipped)."""
    return any(row.get(name) is not None for name in (*BASE_FIELDS, "internetMessageHeaders"))


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``update`` laid over it, PATCH-like: a null or missing value never wins."""
    merged = dict(base)
    merged.update({k: v for k, v in update.items() if v is not None})
    return merged


def parse_message(row: Mapping[str, Any], *, account: str, folder: str,
                  labels: tuple[str, ...], preview: bool = False) -> Message:
    """A full delta row to a ``Message``; ``ProtocolError`` when it cannot be one."""
    graph_id = row.get("id")
    if not isinstance(graph_id, str) or not graph_id:
        raise ProtocolError("a message without an id")
    when = _instant(row.get("sentDateTime")) or _instant(row.get("receivedDateTime"))
    if when is None:
        raise ProtocolError(f"message {graph_id} has no usable date")
    headers = tuple((str(h.get("name", "")).lower(), str(h.get("value", "")))
                    for h in row.get("internetMessageHeaders") or ()
                    if isinstance(h, Mapping) and str(h.get("name", "")).lower() in _HEADER_NAMES)
    fields = dict(headers)
    sender = _address(row.get("from")) or _address(row.get("sender"))
    to, cc = _addresses(row.get("toRecipients")), _addresses(row.get("ccRecipients"))
    extra = (INFERENCE_OTHER,) if row.get("inferenceClassification") == "other" else ()
    return Message(
        account=account, native_id=f"{folder}/{graph_id}",
        message_id=_message_id(row.get("internetMessageId"), graph_id),
        date=when, sender=sender,
        to=to, cc=cc,
        subject=row.get("subject") if isinstance(row.get("subject"), str) else None,
        thread_id=row.get("conversationId") or None,
        in_reply_to=_first_id(fields.get("in-reply-to")),
        references=tuple(_ANGLE.findall(fields.get("references", ""))),
        headers=tuple((k, v) for k, v in headers if k in RULE_HEADERS),
        labels=labels + extra, scope=folder,
        signals=judge(text, sender, (*to, *cc))
        if preview and isinstance(text := row.get("bodyPreview"), str) else None)


def parse_event(row: Mapping[str, Any], *, account: str, me: str | None,
                scope: str = "calendar") -> Meeting:
    """A calendarView row to a ``Meeting`` (times in UTC; the user's own answer from
    ``responseStatus`` on the user's attendee entry)."""
    graph_id = row.get("id")
    start, end = _event_time(row.get("start")), _event_time(row.get("end"))
    if not isinstance(graph_id, str) or start is None or end is None:
        raise ProtocolError(f"event {graph_id!r} has no id or no usable start and end")
    own = _RESPONSES.get(str((row.get("responseStatus") or {}).get("response", "")).lower())
    mine = (me or "").lower()
    attendees: list[Attendee] = []
    for entry in row.get("attendees") or ():
        person = _address(entry)
        if person is None:
            continue
        status = str((entry.get("status") or {}).get("response", "none")).lower()
        partstat = _RESPONSES.get(status, "NEEDS-ACTION")
        if person.email.lower() == mine and own:
            partstat = own
        kind = "RESOURCE" if entry.get("type") == "resource" else "INDIVIDUAL"
        attendees.append(Attendee(person.email, person.name, partstat, kind))
    if mine and own and not any(a.email.lower() == mine for a in attendees):
        attendees.append(Attendee(me or "", "", own))
    organizer = _address(row.get("organizer"))
    return Meeting(
        account=account, native_id=graph_id, uid=str(row.get("iCalUId") or graph_id),
        start=start, end=end, all_day=bool(row.get("isAllDay")),
        organizer=Attendee(organizer.email, organizer.name, "ACCEPTED") if organizer else None,
        attendees=tuple(attendees),
        status="CANCELLED" if row.get("isCancelled") else "CONFIRMED",
        summary=row.get("subject") if isinstance(row.get("subject"), str) else None,
        scope=scope, ours=our_key(row) is not None)


def event_body(f: FollowUp) -> dict[str, Any]:
    """The POST / PATCH body of a follow-up event: free time, a reminder only when
    ``followups.alarm`` asks for one (else explicitly none), our key attached."""
    start = f.start.astimezone(UTC)
    return {
        "subject": f.title,
        "body": {"contentType": "text",
                 "content": f.description + (f"\n\n{f.mailto or 'mailto:' + f.email}"
                                             if f.email else "")},
        "start": {"dateTime": _graph_time(start), "timeZone": "UTC"},
        "end": {"dateTime": _graph_time(start + f.duration), "timeZone": "UTC"},
        **(_all_day(f) if f.all_day else {}),
        "showAs": "free",
        "isReminderOn": f.alarm is not None and not f.all_day,
        **({"reminderMinutesBeforeStart": int(f.alarm.total_seconds() // 60)}
           if f.alarm is not None and not f.all_day else {}),
        "categories": ["syncd"],
        "singleValueExtendedProperties": [{"id": KEY_PROPERTY, "value": f.key}],
    }


def _all_day(f: FollowUp) -> dict[str, Any]:
    """Graph's all-day form: midnight to midnight in the event's own time zone."""
    day = f.start.astimezone(ZoneInfo(f.timezone)).date()
    return {"isAllDay": True,
            "start": {"dateTime": f"{day.isoformat()}T00:00:00", "timeZone": f.timezone},
            "end": {"dateTime": f"{(day + timedelta(days=1)).isoformat()}T00:00:00",
                    "timeZone": f.timezone}}


def remote_from_event(row: Mapping[str, Any]) -> Remote | None:
    """One of our events as it stands (None: not ours, or no usable start)."""
    key = our_key(row)
    start = _event_time(row.get("start"))
    if key is None or start is None or not isinstance(row.get("id"), str):
        return None
    return Remote(key=key, remote_id=row["id"], etag=row.get("@odata.etag") or None, start=start)


def our_key(row: Mapping[str, Any]) -> str | None:
    for prop in row.get("singleValueExtendedProperties") or ():
        if isinstance(prop, Mapping) and str(prop.get("id", "")).lower() == KEY_PROPERTY.lower():
            value = prop.get("value")
            return str(value) if value else None
    return None


def key_filter(key: str | None = None) -> str:
    """``$filter`` for our events (all of them, or the one with ``key``)."""
    if key is None:
        return f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROPERTY}')"
    if "'" in key:
        raise ProtocolError(f"follow-up key {key!r} cannot be used in a filter")
    return (f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROPERTY}' "
            f"and ep/value eq '{key}')")


def key_expand() -> str:
    return f"singleValueExtendedProperties($filter=id eq '{KEY_PROPERTY}')"


# -- helpers -------------------------------------------------------------------------------------

def _address(value: object) -> Address | None:
    if not isinstance(value, Mapping):
        return None
    inner = value.get("emailAddress")
    if not isinstance(inner, Mapping):
        return None
    email = str(inner.get("address") or "").strip()
    return Address(email, str(inner.get("name") or "").strip()) if email else None


def _addresses(value: object) -> tuple[Address, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(a for a in map(_address, value) if a is not None)


def _message_id(value: object, graph_id: str) -> str:
    if isinstance(value, str) and value.strip():
        return _first_id(value) or value.strip().strip("<>")
    return "graph-" + hashlib.sha256(graph_id.encode()).hexdigest()[:32] + "@syncd.invalid"


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _ANGLE.search(value)
    return match.group(1) if match else None


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # Graph writes 7 fractional digits
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _event_time(value: object) -> datetime | None:
    """``dateTimeTimeZone`` in UTC (we ask for UTC with ``Prefer: outlook.timezone``)."""
    if not isinstance(value, Mapping):
        return None
    zone = str(value.get("timeZone") or "UTC")
    if zone.upper() not in ("UTC", "COORDINATED UNIVERSAL TIME", "ETC/UTC"):
        return None
    return _instant(value.get("dateTime"))


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def window(now: datetime, past: timedelta, future: timedelta) -> tuple[str, str]:
    """``startDateTime`` / ``endDateTime`` of a calendarView, ISO 8601 in UTC."""
    return ((now - past).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            (now + future).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
