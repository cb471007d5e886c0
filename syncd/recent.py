"""A person's recent touches as strength and rhythm read them: times and local days, no records.

``Recent`` holds the touches of a window (the ledger's: the last two years, copies of one sent
message aside) as three compact arrays: every touch's time (POSIX seconds, ascending), the
calendar day it fell on in the user's time zone (a date ordinal, so ``date.fromordinal`` gives it
back) and, apart, the times of the meetings among them. ``local_days`` turns times into days
converting once per day, not per touch; ``window`` cuts the window out of a longer history by
bisection (``syncd.store.ledger_cache`` keeps each person's whole history that way, and
``Recent.stored`` cuts only what a rule reads).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

Arrays = tuple["array[float]", "array[int]", "array[float]"]  # times, days, meetings


class Recent:
    """Every touch's time (ascending), the local day it fell on, and the meetings' times
    (``times``, ``days``, ``meetings``). Made from arrays, or (``stored``) from a whole history
    as bytes and a window, cut out when first read: a cycle reads few people's."""

    __slots__ = ("_arrays", "_stored")

    def __init__(self, times: array[float] | None = None, days: array[int] | None = None,
                 meetings: array[float] | None = None) -> None:
        self._arrays: Arrays | None = (
            array("d") if times is None else times, array("i") if days is None else days,
            array("d") if meetings is None else meetings)
        self._stored: tuple[bytes, bytes, bytes, float, float] | None = None

    @classmethod
    def stored(cls, times: bytes, days: bytes, meetings: bytes, low: float, high: float
               ) -> Recent:
        """The touches from ``low`` to ``high`` (POSIX seconds, both included) of a history
        kept as the bytes of its arrays."""
        made = cls.__new__(cls)  # (no empty arrays made to be thrown away)
        made._arrays, made._stored = None, (times, days, meetings, low, high)
        return made

    def _cut(self) -> Arrays:
        if self._arrays is None:
            assert self._stored is not None
            times, days, meetings, low, high = self._stored
            self._arrays = window_ts(Recent(_load("d", times), _load("i", days),
                                            _load("d", meetings)), low, high)._cut()
            self._stored = None
        return self._arrays

    @property
    def times(self) -> array[float]:
        return self._cut()[0]

    @property
    def days(self) -> array[int]:
        return self._cut()[1]

    @property
    def meetings(self) -> array[float]:
        return self._cut()[2]

    def __len__(self) -> int:
        return len(self.times)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Recent) and self._cut() == other._cut()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, like the list it replaced

    def __repr__(self) -> str:
        return f"Recent({len(self)} touches on {len(set(self.days))} days)"

    def day_ordinals(self, since: datetime | None = None) -> list[int]:
        """The distinct local days with a touch (at ``since`` or later), in order."""
        start = 0 if since is None else bisect_left(self.times, since.timestamp())
        return sorted(set(self.days[start:]))

    def dates(self) -> list[date]:
        return [date.fromordinal(d) for d in self.day_ordinals()]

    def meetings_since(self, since: datetime) -> int:
        return len(self.meetings) - bisect_left(self.meetings, since.timestamp())


def _load(kind: str, blob: bytes) -> array[Any]:
    out = array(kind)
    out.frombytes(blob)
    return out


def local_days(times: Sequence[float], tz: tzinfo) -> array[int]:
    """The local day (ordinal) of each of ``times`` (ascending): converted once per day, the
    rest compared with the next local midnight."""
    out = array("i")
    day, until = 0, float("-inf")
    for ts in times:
        if ts >= until - 1e-6:  # (a time a rounding away from midnight: converted to be sure)
            today = datetime.fromtimestamp(ts, tz).date()
            if today.toordinal() != day:
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
    times, days, meetings = whole._cut()
    if not times or (times[0] >= low and times[-1] <= high):
        return whole
    start, end = bisect_left(times, low), bisect_right(times, high)
    return Recent(times[start:end], days[start:end],
                  meetings[bisect_left(meetings, low):bisect_right(meetings, high)])
