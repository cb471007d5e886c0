"""The weekly planning event: progress against ``goals.introductions_per_week`` and up to five
suggested introductions (pure).

A suggested pair is two of the user's active contacts (two-way history, touched within a year)
who have never been in a thread or a meeting together, and who either share a correspondent or
meeting partner, or work at the same organisation (the same domain, free-mail providers aside).
Each suggestion carries its reason. One event per ISO week: last week's stays as history.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rules.candidates import Candidate, base_key
from rules.identity import domain_of
from syncd.interactions import Interaction
from syncd.ledger import PersonLedger

FREEMAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
    "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "gmx.de", "gmx.net", "web.de",
    "proton.me", "protonmail.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "fastmail.com",
})
MAX_PEOPLE = 200  # the most recently active contacts considered for pairs
MAX_SUGGESTIONS = 5
SELF = "self"


@dataclass(frozen=True, slots=True)
class Suggestion:
    a: str
    b: str
    reason: str
    score: int


def week_start(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, datetime.min.time(), tzinfo=tz)


def together(interactions: Iterable[Interaction]) -> dict[str, set[str]]:
    """Person -> the people they have shared a thread or a meeting with (the user aside)."""
    groups: dict[str, set[str]] = defaultdict(set)
    for i in interactions:
        groups[i.thread or i.ref].add(i.person)
    co: dict[str, set[str]] = defaultdict(set)
    for people in groups.values():
        if 1 < len(people) <= 20:
            for p in people:
                co[p] |= people - {p}
    return co


def active(ledgers: Mapping[str, PersonLedger], now: datetime) -> list[PersonLedger]:
    """The contacts suggestions are made from: two-way history, touched within a year, the
    ``MAX_PEOPLE`` most recent."""
    since = now - timedelta(days=365)
    return heapq.nlargest(MAX_PEOPLE, (
        led for led in ledgers.values()
        if led.last_touch is not None and led.last_touch >= since and led.exchanges > 0),
        key=lambda led: (led.last_touch, led.person))


def suggest(ledgers: Mapping[str, PersonLedger], co: Mapping[str, set[str]], now: datetime,
            name: Callable[[str], str]) -> list[Suggestion]:
    found: list[Suggestion] = []
    for x, y in itertools.combinations(active(ledgers, now), 2):
        a, b = sorted((x.person, y.person))
        if b in co.get(a, set()):
            continue  # they already know each other
        shared = sorted((co.get(a, set()) & co.get(b, set())) - {a, b})
        domain = domain_of(a)
        if shared:
            others = f" and {len(shared) - 1} more" if len(shared) > 1 else ""
            found.append(Suggestion(a, b, f"both work with {name(shared[0])}{others}",
                                    10 + len(shared)))
        elif domain and domain == domain_of(b) and domain not in FREEMAIL:
            found.append(Suggestion(a, b, f"both at {domain}", 5))
    found.sort(key=lambda s: (-s.score, s.a, s.b))
    return found[:MAX_SUGGESTIONS]


def weekly_plan(ledgers: Mapping[str, PersonLedger], interactions: Iterable[Interaction],
                intros_given: Iterable[Interaction], now: datetime, tz: ZoneInfo, goal: int,
                name: Callable[[str], str]) -> Candidate | None:
    if goal <= 0:
        return None
    start = week_start(now, tz)
    made = {i.ref for i in intros_given if i.at >= start}
    week = start.isocalendar()
    label = f"{week.year}-W{week.week:02d}"
    suggestions = suggest(ledgers, together(interactions), now, name)
    details = tuple(f"{name(s.a)} and {name(s.b)}: {s.reason}" for s in suggestions)
    return Candidate(
        base_key(SELF, f"weekly_plan:{label}"), "weekly_plan", SELF, start, f"week:{label}",
        f"introductions this week: {len(made)} of {goal}", details)
