"""Relationship strength, 0-100 (DESIGN.md section 3). Pure; ``now`` passed in.

Four shares, each between 0 and 1, weighted, then all multiplied by a recency *decay*:

- frequency (40): ``1 - exp(-d / 12)``, d = touch days in the last year (monthly ~ 0.63);
- reciprocity (30): ``min(mine, theirs) / max(mine, theirs)``, mine = messages sent + meetings,
  theirs = messages received + meetings;
- meetings (15): ``1 - exp(-m / 4)``, m = meetings in the last year;
- tenure (15): years since first seen, over 3, at most 1;
- decay: ``0.5 ** (days since the last touch / half-life)``, the half-life 30 days for a new
  relationship plus 30 per year of tenure, at most 180 days: a long relationship fades slowly.

``score = round(sum of weight x share x decay)``. One-way traffic (only the user writing, or only
them, and no meeting) is capped at ``ONE_WAY_CAP``: it is never a strong relationship.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.ledger import PersonLedger

WEIGHTS = {"frequency": 40, "reciprocity": 30, "meetings": 15, "tenure": 15}
ONE_WAY_CAP = 20
YEAR = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Strength:
    score: int
    shares: dict[str, float]  # each component's share, 0-1, before weight and decay
    decay: float
    half_life_days: int
    days_since: int
    one_way: bool
    touch_days_year: int
    meetings_year: int

    def points(self, name: str) -> float:
        """What one component adds to the score (weight x share x decay)."""
        return WEIGHTS[name] * self.shares[name] * self.decay

    def explain(self) -> list[str]:
        """One line per component, the way ``why`` and ``ledger`` show them."""
        lines = [f"{name} {self.points(name):.1f} of {WEIGHTS[name]} "
                 f"(share {self.shares[name]:.2f})" for name in WEIGHTS]
        lines.append(f"decay x{self.decay:.2f}: {self.days_since} days since the last touch, "
                     f"half-life {self.half_life_days} days")
        if self.one_way:
            lines.append(f"one-way traffic: capped at {ONE_WAY_CAP}")
        return lines


def two_way(ledger: PersonLedger) -> bool:
    """Both sides took part: messages each way, or a meeting."""
    return ledger.meetings > 0 or (ledger.messages_in > 0 and ledger.messages_out > 0)


def strength(ledger: PersonLedger, now: datetime) -> Strength:
    """``ledger.recent`` carries the touch days in the user's time zone."""
    days_year = len(ledger.recent.day_ordinals(now - YEAR))
    meetings_year = ledger.recent.meetings_since(now - YEAR)
    mine = ledger.messages_out + ledger.meetings
    theirs = ledger.messages_in + ledger.meetings
    tenure = max(0.0, (now - ledger.first_seen).days / 365) if ledger.first_seen else 0.0
    shares = {
        "frequency": 1 - math.exp(-days_year / 12),
        "reciprocity": min(mine, theirs) / max(mine, theirs) if max(mine, theirs) else 0.0,
        "meetings": 1 - math.exp(-meetings_year / 4),
        "tenure": min(1.0, tenure / 3),
    }
    half_life = min(180, 30 + round(30 * tenure))
    since = max(0, (now - ledger.last_touch).days) if ledger.last_touch else 10 ** 6
    decay = 0.5 ** (since / half_life)
    score = round(sum(WEIGHTS[k] * shares[k] * decay for k in WEIGHTS))
    one_way = not two_way(ledger)
    if one_way:
        score = min(score, ONE_WAY_CAP)
    return Strength(score, shares, decay, half_life, since, one_way, days_year, meetings_year)
