"""What the network report shows, gathered from a snapshot. Pure; ``now`` passed in.

Metadata only: names, addresses, counts and dates; never a subject or a message's text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from syncd.pipeline import Snapshot

TOP = 15  # rows in each list
WEEKS = 52  # touches per week over the last year
GOAL_WEEKS = 12  # introductions against the goal over the last quarter


@dataclass(frozen=True, slots=True)
class Row:
    pid: str
    name: str
    email: str
    strength: int
    rhythm_days: int | None
    silent_days: int | None  # days since the last touch
    balance: int
    given: int
    received: int


@dataclass(frozen=True, slots=True)
class Due:
    start: datetime | None
    kind: str
    name: str
    email: str
    reason: str


@dataclass(frozen=True, slots=True)
class Facts:
    generated: datetime
    people: int
    strongest: list[Row]
    drifting: list[Row]  # a reconnect planned, or silent past factor x their rhythm; most
    # overdue (silence over usual gap) first
    givers: list[Row]  # the user gives more (balance > 0), most first
    takers: list[Row]  # they give more (balance < 0), most first
    weeks: list[tuple[date, int]]  # (Monday, touches) for the last WEEKS weeks, oldest first
    intro_weeks: list[tuple[date, int]]  # (Monday, introductions made), oldest first
    intro_goal: int
    due: list[Due]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _mondays(this_week: date, count: int) -> list[date]:
    """The Mondays of the last ``count`` weeks, this one included, oldest first."""
    return [this_week - timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def gather(snapshot: Snapshot, placed: Mapping[str, datetime], now: datetime, tz: tzinfo, *,
           factor: float, goal: int) -> Facts:
    directory = snapshot.directory
    rows: list[Row] = []
    for pid, led in snapshot.ledgers.items():
        addresses = directory.addresses(pid)
        usual = snapshot.rhythm.get(pid)
        found = snapshot.strength.get(pid)
        rows.append(Row(
            pid, directory.name(pid), addresses[0] if addresses else pid,
            found.score if found else 0, usual.days if usual else None,
            max(0, (now - led.last_touch).days) if led.last_touch else None,
            led.balance, led.given, led.received))
    strongest = sorted((r for r in rows if r.strength > 0),
                       key=lambda r: (-r.strength, r.name))[:TOP]
    reminded = {c.person for c in snapshot.candidates.values() if c.kind == "drift"}
    drifting = sorted(
        (r for r in rows if r.pid in reminded or (
            r.rhythm_days and r.silent_days is not None and r.strength > 0
            and r.silent_days > factor * r.rhythm_days)),
        key=lambda r: (-(r.silent_days or 0) / (r.rhythm_days or 1), r.name))[:TOP]
    givers = sorted((r for r in rows if r.balance > 0), key=lambda r: (-r.balance, r.name))
    takers = sorted((r for r in rows if r.balance < 0), key=lambda r: (r.balance, r.name))
    this_week = monday(now.astimezone(tz).date())
    per_day: Counter[int] = Counter()  # local day ordinal -> touches
    for led in snapshot.ledgers.values():
        per_day.update(led.recent.days)
    counts: Counter[date] = Counter()
    for day, n in per_day.items():
        counts[monday(date.fromordinal(day))] += n
    weeks = [(w, counts[w]) for w in _mondays(this_week, WEEKS)]
    intros = Counter(monday(i.at.astimezone(tz).date()) for i in snapshot.derived.intros_given)
    intro_weeks = [(w, intros[w]) for w in _mondays(this_week, GOAL_WEEKS)]
    due = []
    for cand in sorted(snapshot.candidates.values(),
                       key=lambda c: (placed.get(c.base_key) or c.due, c.base_key)):
        addresses = directory.addresses(cand.person)
        mine = cand.kind in ("weekly_plan", "reauth")
        due.append(Due(placed.get(cand.base_key), cand.kind,
                       "you" if mine else directory.name(cand.person),
                       "" if mine else addresses[0] if addresses else cand.person, cand.reason))
    return Facts(now, len(rows), strongest, drifting, givers[:TOP // 2 + 1],
                 takers[:TOP // 2 + 1], weeks, intro_weeks, goal, due[:TOP * 2])
