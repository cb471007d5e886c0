"""The Outlook source's cursor: pure data, JSON on the wire.

    {"v": 1,
     "me": "dana@example.org",                   # the mailbox's own address (from /me)
     "ids": {"Projects": "<folder id>"},         # configured folders resolved by name
     "folders": {"inbox": {"link": "<nextLink or deltaLink>", "listing": "<token>"}},
     "calendar": {"link": "...", "listing": null,
                  "since": "<ISO instant>", "until": "<ISO instant>"},
     "contacts": {"link": "...", "listing": null}}   # when the account reads contacts

``link`` is the URL to GET next: an ``@odata.nextLink`` while a round is unfinished (so a crash
resumes after the last committed page), the ``@odata.deltaLink`` once it is done. ``listing``
is set while a full listing of that folder is unfinished, so the store's sweep after it still
counts the pages committed before a crash. The calendar's ``since`` is fixed at its first
listing (a later listing never sweeps old meetings that slid out of the window); ``until`` is
the end of the window it was listed with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

VERSION = 1


@dataclass(frozen=True, slots=True)
class Mark:
    link: str
    listing: str | None = None
    since: datetime | None = None  # calendar only
    until: datetime | None = None  # calendar only


@dataclass(slots=True)
class CursorState:
    me: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    folders: dict[str, Mark] = field(default_factory=dict)
    calendar: Mark | None = None
    contacts: Mark | None = None

    def dumps(self) -> str:
        doc: dict[str, object] = {
            "v": VERSION, "me": self.me, "ids": dict(sorted(self.ids.items())),
            "folders": {k: _mark(m) for k, m in sorted(self.folders.items())},
            "calendar": _mark(self.calendar) if self.calendar else None,
        }
        if self.contacts is not None:
            doc["contacts"] = _mark(self.contacts)
        return json.dumps(doc, separators=(",", ":"))


def loads(text: str | None) -> CursorState:
    """Parse a cursor; ``ValueError`` when it is not one this version wrote."""
    if text is None:
        return CursorState()
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("v") != VERSION:
            raise ValueError("unknown cursor version")
        me = doc.get("me")
        folders = {str(k): _parse_mark(v) for k, v in dict(doc.get("folders") or {}).items()}
        calendar = _parse_mark(doc["calendar"]) if doc.get("calendar") else None
        contacts = _parse_mark(doc["contacts"]) if doc.get("contacts") else None
        ids = {str(k): str(v) for k, v in dict(doc.get("ids") or {}).items()}
    except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"unreadable cursor: {exc}") from None
    return CursorState(str(me) if me else None, ids, folders, calendar, contacts)


def _mark(mark: Mark) -> dict[str, object]:
    out: dict[str, object] = {"link": mark.link, "listing": mark.listing}
    if mark.since is not None:
        out["since"] = mark.since.isoformat()
    if mark.until is not None:
        out["until"] = mark.until.isoformat()
    return out


def _parse_mark(raw: object) -> Mark:
    if not isinstance(raw, dict) or not isinstance(raw.get("link"), str):
        raise ValueError("a mark without a link")  # noqa: TRY004 - callers catch ValueError
    listing = raw.get("listing")
    return Mark(raw["link"], str(listing) if listing else None,
                _instant(raw.get("since")), _instant(raw.get("until")))


def _instant(value: object) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("naive instant in cursor")
    return moment
