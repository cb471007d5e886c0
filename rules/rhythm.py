"""A relationship's rhythm: the person's usual gap between touches (DESIGN.md section 3). Pure.

The touches of the last two years (``PersonLedger.recent``, which carries each touch's calendar
day in the user's time zone) are taken as *touch days*: the distinct days with any touch (a
message either way or a meeting), so a burst of twenty messages in one afternoon is one touch,
and daylight saving time changes no gap. The rhythm is the **median** gap between consecutive
touch days (robust: one long holiday or one busy week barely moves it), learned only from at
least ``min_touches`` touch days spanning at least ``MIN_SPAN`` (a single burst of mail never
teaches a rhythm).
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from syncd.recent import Recent

MIN_SPAN = timedelta(days=30)  # first to last touch day: shorter is a burst, not a rhythm


@dataclass(frozen=True, slots=True)
class Rhythm:
    days: int  # the usual gap between touch days (median, rounded, at least 1)
    gaps: int  # how many gaps it was learned from
    since: date  # the first touch day it was learned from


def touch_days(recent: Recent) -> list[date]:
    """The distinct local days with a touch, in order."""
    return recent.dates()


def gaps(days: list[int]) -> list[int]:
    """Whole days between consecutive touch days (date ordinals)."""
    return [b - a for a, b in itertools.pairwise(days)]


def rhythm(recent: Recent, min_touches: int) -> Rhythm | None:
    """The person's usual gap, or None when there is too little history to learn one."""
    if len(recent) < max(2, min_touches):  # fewer touches than touch days needed
        return None
    days = recent.day_ordinals()
    if len(days) < max(2, min_touches) or days[-1] - days[0] < MIN_SPAN.days:
        return None
    found = gaps(days)
    return Rhythm(max(1, round(statistics.median(found))), len(found),
                  date.fromordinal(days[0]))
