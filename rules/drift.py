"""Kind ``drift``: a two-way relationship gone quiet for longer than usual (DESIGN.md section 4).

Due at the last touch + ``[drift] factor`` x the person's rhythm (``rules.rhythm``), and never
sooner than ``MIN_SILENCE`` after it; only for people with a two-way history (``rules.strength``)
and no matching ``[[cadences]]`` entry (a configured cadence wins). Any new touch satisfies it.
Pure; ``now`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta, tzinfo

from rules.candidates import Candidate, base_key
from rules.rhythm import rhythm
from rules.strength import two_way
from syncd.ledger import PersonLedger

MIN_SILENCE = timedelta(days=14)  # a daily colleague is not "drifting" after three quiet days


@dataclass(frozen=True, slots=True)
class DriftSettings:
    enabled: bool = True
    factor: float = 3.0
    min_touches: int = 6
    tz: tzinfo = UTC


def _days(n: int) -> str:
    return "day" if n == 1 else f"{n} days"


def drift(ledger: PersonLedger, settings: DriftSettings) -> Candidate | None:
    """The reconnect reminder this person's silence calls for, if any (before the lapse)."""
    if not settings.enabled or ledger.last_touch is None or not two_way(ledger):
        return None
    usual = rhythm(ledger.recent, settings.min_touches)
    if usual is None:
        return None
    last = ledger.last_touch
    due = last + max(timedelta(days=usual.days * settings.factor), MIN_SILENCE)
    silence = (due.astimezone(settings.tz).date() - last.astimezone(settings.tz).date()).days
    return Candidate(
        base_key(ledger.person, "drift"), "drift", ledger.person, due,
        f"drift:{last.isoformat()}",
        f"you usually talk every {_days(usual.days)} (median of {usual.gaps} gaps since "
        f"{usual.since}); on {due.astimezone(settings.tz).date()} it has been {silence} days "
        f"since your last touch on {last.astimezone(settings.tz).date()}")
