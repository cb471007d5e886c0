"""A follow-up the rules want, before placement: the record every kind's rule returns, its key
and its priority when a day is full (DESIGN.md section 4)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

# Lower number wins a slot when a day is full (DESIGN.md section 4).
PRIORITY = {"owed_reply": 0, "nudge": 1, "new_contact": 2, "thank": 3, "drift": 4,
            "cadence": 5, "weekly_plan": 6, "birthday": 7,
            "reauth": -1}  # birthdays are all-day events and take no slot



@dataclass(frozen=True, slots=True)
class Candidate:
    """A follow-up the rules want, before placement in the calendar."""

    base_key: str
    kind: str
    person: str
    due: datetime
    anchor: str  # what produced it; a dismissed follow-up comes back only with a new anchor
    reason: str
    details: tuple[str, ...] = ()  # more lines for the description (the weekly suggestions)
    rank: int | None = None  # overrides the kind's priority (a persistent nudge ranks lower)

    @property
    def priority(self) -> int:
        return PRIORITY[self.kind] if self.rank is None else self.rank


def base_key(person: str, kind: str) -> str:
    """``sha256(person_id, kind)`` in hex: valid as a CalDAV href and a Google event id."""
    return hashlib.sha256(f"{person}\x1f{kind}".encode()).hexdigest()[:40]
