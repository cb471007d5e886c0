"""A person's recent touches as strength and rhythm read them: times and local days, no records.

``Recent`` holds the touches of a window (the ledger's: the last two years, copies of one sent
message aside) as three compact arrays: every touch's time (POSIX seconds, ascending), the
calendar day it fell on in the user's time zone (a date ordinal, so ``date.fromordinal`` gives it
back) and, apart, the times of the meetings among them. ``local_days`` turns times into days
converting once per day, not per touch; ``window`` cuts the window out of a longer history by
bisection (``syncd.store.ledger_cache`` keeps each person's whole history that way).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo


def _times() -> array[float]:
    return array("d")


def _days() -> array[int]:
    return array("i")


@dataclass(frozen=True, slots=True)
class Recent:
    times: array[float] = field(default_factory=_times)  # every touch, ascending
    days: array[int] = field(default_factory=_days)  # each one's local day (ordinal)
    meetings: array[float] = field(default_factory=_times)  # the meetings' times, ascending

    def __len__(self) -> int:
        return len(self.times)

    def day_ordinals(self, since: datetime | None = None) -> list[int]:
        """The distinct local days with a touch (at ``since`` or later), in order."""
        start = 0 if since is None else bisect_left(self.times, since.timestamp())
        return sorted(set(self.days[start:]))

    def dates(self) -> list[date]:
        return [date.fromordinal(d) for d in self.day_ordinals()]

    def meetings_since(self, since: datetime) -> int:
        return len(self.meetings) - bisect_left(self.meetings, since.timestamp())


def local_days(times: Sequence[float], tz: tzinfo) -> array[int]:
    """The local day (ordinal) of each of ``times`` (ascending): converted once per day, the
    rest compared with the next local midnight."""
    out = array("i")
    day, until = 0, float("-inf")
    for ts in times:
        if ts >= until:
            today = datetime.fromtimestamp(ts, tz).date()
            day = today.toordinal()
            until = datetime.combine(today + timedelta(days=1), time(), tz).timestamp()
        out.append(day)
    return out


def build(touches: Iterable[tuple[float, str]], tz: tzinfo) -> Recent:
    """``touches``: (time, direction), in time order."""
    times = array("d")
    meetings = array("d")
    for ts, direction in touches:
        times.append(ts)
        if direction == "meeting":
            meetings.append(ts)
    return Recent(times, local_days(times, tz), meetings)


def window(whole: Recent, since: datetime, until: datetime) -> Recent:
    """The touches of ``whole`` from ``since`` to ``until``, both included."""
    return window_ts(whole, since.timestamp(), until.timestamp())


def window_ts(whole: Recent, low: float, high: float) -> Recent:
    """``window`` in POSIX seconds: ``whole`` itself when it lies within."""
    times, meetings = whole.times, whole.meetings
    if not times or (times[0] >= low and times[-1] <= high):
        return whole
    start, end = bisect_left(times, low), bisect_right(times, high)
    return Recent(times[start:end], whole.days[start:end],
                  meetings[bisect_left(meetings, low):bisect_right(meetings, high)])
