"""A relationship's rhythm: the person's usual gap between touches (DESIGN.md section 3). Pure.

The touches of the last two years (``PersonLedger.recent``) are taken as *touch days*: the
distinct calendar days, in the user's time zone, with any touch (a message either way or a
meeting), so a burst of twenty messages in one afternoon is one touch, and daylight saving time
changes no gap. The rhythm is the **median** gap between consecutive touch days (robust: one
long holiday or one busy week barely moves it), learned only from at least ``min_touches`` touch
days spanning at least ``MIN_SPAN`` (a single burst of mail never teaches a rhythm).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

MIN_SPAN = timedelta(days=30)  # first to last touch day: shorter is a burst, not a rhythm


@dataclass(frozen=True, slots=True)
class Rhythm:
    days: int  # the usual gap between touch days (median, rounded, at least 1)
    gaps: int  # how many gaps it was learned from
    since: date  # the first touch day it was learned from


def touch_days(recent: Iterable[tuple[datetime, str]], tz: tzinfo) -> list[date]:
    """The distinct local days with a touch, in order."""
    return sorted({at.astimezone(tz).date() for at, _direction in recent})


def gaps(days: list[date]) -> list[int]:
    """Whole days between consecutive touch days."""
    return [(b - a).days for a, b in itertools.pairwise(days)]


def rhythm(recent: Iterable[tuple[datetime, str]], tz: tzinfo, min_touches: int
           ) -> Rhythm | None:
    """The person's usual gap, or None when there is too little history to learn one."""
    days = touch_days(recent, tz)
    if len(days) < max(2, min_touches) or days[-1] - days[0] < MIN_SPAN:
        return None
    found = gaps(days)
    return Rhythm(max(1, round(statistics.median(found))), len(found), days[0])
