"""Small builders for records in unit tests (pure data, no servers)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd import config as config_mod
from syncd.config import Config
from syncd.model import Address, Attendee, Meeting, Message

ME = "dana@example.org"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
_ids = itertools.count(1)


def config(**sections: Any) -> Config:
    raw: dict[str, Any] = {"me": {"name": "Dana", "addresses": [ME], "timezone": "Europe/Berlin"}}
    raw.update(sections)
    return config_mod.from_dict(raw)


def mail(sender: str, to: list[str] | str, *, days_ago: float, subject: str = "Hello",
         cc: list[str] | None = None, reply_to: str | None = None, mid: str | None = None,
         headers: tuple[tuple[str, str], ...] = (), labels: tuple[str, ...] = (),
         name: str = "") -> Message:
    to_list = [to] if isinstance(to, str) else to
    message_id = mid or f"m{next(_ids)}@test"
    return Message(
        account="mail", native_id=f"INBOX/1/{message_id}", message_id=message_id,
        date=NOW - timedelta(days=days_ago), sender=Address(sender, name),
        to=tuple(Address(a) for a in to_list), cc=tuple(Address(a) for a in cc or []),
        subject=subject, in_reply_to=reply_to, references=(reply_to,) if reply_to else (),
        headers=headers, labels=labels)


def meeting(others: list[str], *, days_ago: float, partstat: str = "ACCEPTED",
            organizer: str = ME, status: str = "CONFIRMED", all_day: bool = False,
            ours: bool = False, rooms: list[str] | None = None, uid: str | None = None,
            ) -> Meeting:
    start = NOW - timedelta(days=days_ago)
    people = [Attendee(ME, "Dana", partstat)] + [Attendee(a, "", "ACCEPTED") for a in others]
    people += [Attendee(r, "", "ACCEPTED", "ROOM") for r in rooms or []]
    uid = uid or f"u{next(_ids)}"
    return Meeting(account="cal", native_id=f"/cal/{uid}.ics#{start.isoformat()}", uid=uid,
                   start=start, end=start + timedelta(hours=1), all_day=all_day,
                   organizer=Attendee(organizer), attendees=tuple(people), status=status,
                   summary="Meeting", scope="/cal/", ours=ours)
