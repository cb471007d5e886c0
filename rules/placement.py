"""Where follow-ups land: working days at ``followups.time`` in ``me.timezone``.

Wall-clock arithmetic with zoneinfo, so 09:00 stays 09:00 across DST changes. At most
``max_per_day`` a day, one ``duration`` after another; when a day is full the rest overflow to the
next working days, the most urgent kinds first. Overdue follow-ups land on the next free slot from
today. Events that already stand in the calendar keep their slot (``pinned``).

Birthdays are all-day events on the day itself, whatever day of the week: a birthday is a date,
not a task, so it sits in the calendar's all-day strip, blocks no time and takes no slot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.candidates import Candidate

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAY_KINDS = frozenset({"birthday"})


def all_day(day: date) -> datetime:
    """An all-day start: ``day`` at 00:00 UTC, as the calendar connectors read a DATE back."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def slot(day: date, at: time, index: int, duration: timedelta, tz: ZoneInfo) -> datetime:
    """The ``index``-th slot of ``day``: wall-clock time in ``tz`` (DST-safe)."""
    start = datetime.combine(day, at, tzinfo=tz) + index * duration
    # Adding a timedelta to an aware datetime is wall-clock arithmetic in zoneinfo; normalise.
    return start.astimezone(tz)


def first_day(now: datetime, at: time, tz: ZoneInfo) -> date:
    """The first day a new event may land on: today if its time has not passed yet."""
    local = now.astimezone(tz)
    return local.date() if local.time() < at else local.date() + timedelta(days=1)


def place(candidates: Sequence[Candidate], pinned: Mapping[str, datetime], now: datetime, *,
          at: time, duration: timedelta, working_days: Sequence[str], max_per_day: int,
          tz: ZoneInfo) -> dict[str, datetime]:
    """A start for every candidate, by base key (all-day kinds: their own day, no slot)."""
    workdays = {WEEKDAY_NAMES.index(d) for d in working_days}
    earliest = first_day(now, at, tz)
    used: dict[date, set[int]] = defaultdict(set)
    placed = {c.base_key: pinned.get(c.base_key, all_day(c.due.astimezone(tz).date()))
              for c in candidates if c.kind in ALL_DAY_KINDS}
    for key, start in pinned.items():
        if key in placed:
            continue
        local = start.astimezone(tz)
        placed[key] = start
        if local.date() >= earliest:
            index = round((local - slot(local.date(), at, 0, duration, tz)) / duration)
            used[local.date()].add(index)
    order = sorted((c for c in candidates if c.base_key not in placed),
                   key=lambda c: (max(c.due.astimezone(tz).date(), earliest), c.priority,
                                  c.base_key))
    full: dict[date, date] = {}  # a full day -> a later day worth trying (jumps, compressed)

    def open_day(day: date) -> date:
        path = []
        while True:
            if day in full:
                path.append(day)
                day = full[day]
            elif day.weekday() not in workdays or len(used[day]) >= max_per_day:
                path.append(day)
                day += timedelta(days=1)
            else:
                break
        for visited in path:
            full[visited] = day
        return day

    for c in order:
        day = open_day(max(c.due.astimezone(tz).date(), earliest))
        index = min(set(range(max_per_day + len(used[day]))) - used[day])
        used[day].add(index)
        placed[c.base_key] = slot(day, at, index, duration, tz)
    return placed
