"""The CalDAV source's cursor: pure data, JSON on the wire.

    {"v": 1,
     "since": "2025-11-21T12:00:00+00:00",
     "calendars": {"<calendar URL>": {"token": "<sync-token>", "until": "<ISO instant>"}}}

- ``token`` is the calendar's RFC 6578 sync-token after the last page applied.
- ``until`` is the end of the window the calendar was last *listed* with. Recurring events are
  expanded locally, so an unchanged weekly series never shows up in a sync-collection answer:
  when ``until`` comes closer than half of ``window_future``, the calendar is listed again
  (upsert, then sweep) so that its later occurrences enter the store.
- ``since`` is the start of the window, fixed at the first listing: a later listing sweeps only
  what is really gone, never old meetings that slid out of ``now - window_past``. It moves
  back (with a fresh listing) when ``window_past`` grows.

Anything unreadable counts as no cursor: every calendar is listed afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

VERSION = 1


@dataclass(frozen=True, slots=True)
class CalendarMark:
    token: str
    until: datetime


@dataclass(frozen=True, slots=True)
class CursorState:
    since: datetime | None = None
    calendars: dict[str, CalendarMark] = field(default_factory=dict)

    def dump(self) -> str:
        return json.dumps({
            "v": VERSION,
            "since": self.since.isoformat() if self.since else None,
            "calendars": {url: {"token": m.token, "until": m.until.isoformat()}
                          for url, m in sorted(self.calendars.items())},
        }, separators=(",", ":"))

    def marked(self, url: str, mark: CalendarMark) -> CursorState:
        return replace(self, calendars={**self.calendars, url: mark})

    def without(self, url: str) -> CursorState:
        return replace(self, calendars={u: m for u, m in self.calendars.items() if u != url})


def parse_cursor(text: str | None) -> CursorState:
    """The state in ``text``; an empty state for None or anything malformed."""
    if not text:
        return CursorState()
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("v") != VERSION:
            return CursorState()
        since = _instant(raw["since"]) if raw.get("since") else None
        calendars = {
            str(url): CalendarMark(str(mark["token"]), _instant(mark["until"]))
            for url, mark in dict(raw.get("calendars") or {}).items()
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return CursorState()
    return CursorState(since, calendars)


def _instant(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("naive instant in cursor")
    return moment
