"""Birthdays (DESIGN.md section 4, kind ``birthday``): pure, ``now`` passed in.

The birthdays come from one place, ``birthdays``: person id -> ``Birthday``, whatever supplied
them (a ``[[people]]`` entry's ``birthday``, an address book). ``[birthdays] remind`` picks the
people:

- ``"active"`` (the default): anyone tagged, and anyone with a two-way history (a reply either
  way, or a meeting) and a touch in the last two years;
- ``"all"``: everyone with a birthday, even someone never written to or met;
- ``"none"``: nobody.

The follow-up is due on the next birthday on or after today (in ``me.timezone``); year-less
birthdays work, and February 29 falls on February 28 in other years. Its anchor is that date, so
the day passing satisfies it and a dismissed one comes back the next year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.candidates import Candidate, base_key
from syncd.ledger import PersonLedger
from syncd.model import Birthday

KIND = "birthday"
ACTIVE_WITHIN = timedelta(days=730)  # "in the last two years"


def selected(remind: str, ledger: PersonLedger | None, tags: Sequence[str], now: datetime
             ) -> bool:
    """Does ``[birthdays] remind`` want this person's birthday in the calendar?"""
    if remind == "all":
        return True
    if remind != "active":
        return False
    if tags:
        return True
    return (ledger is not None and ledger.exchanges > 0 and ledger.last_touch is not None
            and now - ledger.last_touch <= ACTIVE_WITHIN)


def birthday(person: str, when: Birthday, now: datetime, tz: ZoneInfo) -> Candidate:
    """The follow-up for ``person``'s next birthday (today's, on the day itself)."""
    day = when.next_from(now.astimezone(tz).date())
    turns = f", turns {day.year - when.year}" if when.year and day.year > when.year else ""
    return Candidate(
        base_key(person, KIND), KIND, person, datetime.combine(day, time(0), tzinfo=tz),
        f"birthday:{day.isoformat()}", f"birthday on {day:%A} {day.day} {day:%B}{turns}")


def wanted(birthdays: Mapping[str, Birthday], ledgers: Mapping[str, PersonLedger],
           tags: Callable[[str], Sequence[str]], remind: str, now: datetime, tz: ZoneInfo
           ) -> dict[str, Candidate]:
    """A follow-up for every person with a birthday that ``remind`` selects, by base key."""
    out: dict[str, Candidate] = {}
    for person, when in birthdays.items():
        if selected(remind, ledgers.get(person), tags(person), now):
            cand = birthday(person, when, now, tz)
            out[cand.base_key] = cand
    return out
