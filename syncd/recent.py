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
    """The local day (ordinal) of each of ``times`` (ascending)."""
    return DayFinder(tz).days(times)


_DAY = 86_400
_Split = tuple[float, float, int, int]  # (band start, midnight, day before, day from then)


class DayFinder:
    """The local day (ordinal) of times in one zone: each UTC day that times fall on is
    worked out once (where its local midnight falls and the days on either side) and shared
    by every history read with the same finder (a rebuild of the ledger cache reads a million
    touches on some 1,800 days). A time a rounding away from the midnight (``1e-6`` s), and
    every time of a UTC day with a second midnight (a zone's day skipped or shortened there),
    is converted on its own."""

    __slots__ = ("_known", "_tz")

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._known: dict[int, _Split | None] = {}

    def days(self, times: Iterable[float]) -> array[int]:
        out = array("i")
        known, tz = self._known, self._tz
        for ts in times:
            k = int(ts // _DAY)
            split = known[k] if k in known else self._split(k)
            if split is None or split[0] <= ts < split[1]:
                out.append(datetime.fromtimestamp(ts, tz).toordinal())
            else:
                out.append(split[2] if ts < split[0] else split[3])
        return out

    def _split(self, k: int) -> _Split | None:
        if len(self._known) >= 65_536:
            self._known.clear()
        start, tz = k * _DAY, self._tz
        before = datetime.fromtimestamp(start, tz).date()
        midnight = datetime.combine(before + timedelta(days=1), time(), tz).timestamp()
        after = datetime.fromtimestamp(midnight, tz).date()
        following = datetime.combine(after + timedelta(days=1), time(), tz).timestamp()
        found = None if following - 1e-6 < start + _DAY else (
            midnight - 1e-6, midnight, before.toordinal(), after.toordinal())
        self._known[k] = found
        return found


def build(touches: Iterable[tuple[float, str]], tz: tzinfo, finder: DayFinder | None = None
          ) -> Recent:
    """``touches``: (time, direction), in time order; ``finder``: one shared with other
    histories in ``tz`` (a new one if not given)."""
    times = array("d")
    meetings = array("d")
    for ts, direction in touches:
        times.append(ts)
        if direction == "meeting":
            meetings.append(ts)
    return Recent(times, (finder or DayFinder(tz)).days(times), meetings)


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
