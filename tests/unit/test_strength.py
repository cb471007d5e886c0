"""Strength and rhythm maths (rules/strength.py, rules/rhythm.py) on hand-made histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rules.rhythm import rhythm, touch_days
from rules.strength import ONE_WAY_CAP, WEIGHTS, strength
from syncd import recent as recent_mod
from syncd.interactions import Interaction
from syncd.ledger import PersonLedger, build

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
P = "jane@acme.example"


def ledger(spec: list[tuple[float, str]], now: datetime = NOW) -> PersonLedger:
    """``spec``: (days ago, direction); each message its own two-message thread with a reply."""
    out = []
    for n, (ago, direction) in enumerate(sorted(spec, key=lambda s: -s[0])):
        thread = "" if direction == "meeting" else f"t{n}"
        out.append(Interaction(now - timedelta(days=ago), P, direction, thread, f"m{n}",
                               None, True))
    return build(out, now, nudge_after=timedelta(days=5),
                 owed_reply_after=timedelta(days=2))[P]


def every(days: int, count: int, start: float = 0.0) -> list[tuple[float, str]]:
    """A conversation every ``days`` days: alternately from them and from the user."""
    return [(start + days * n, "in" if n % 2 else "out") for n in range(count)]


def test_rhythm_is_the_median_gap_so_one_long_holiday_barely_moves_it() -> None:
    spec = [(ago, "out") for ago in (0, 10, 20, 30, 40, 50, 150)]
    found = rhythm(ledger(spec).recent, 6)
    assert found is not None and found.days == 10 and found.gaps == 6


def test_a_burst_of_mail_is_one_touch_and_teaches_no_rhythm() -> None:
    burst = [(5 + n / 100, "in" if n % 2 else "out") for n in range(40)]  # one afternoon
    led = ledger(burst)
    assert len(touch_days(led.recent)) == 1
    assert rhythm(led.recent, 6) is None
    two_weeks = [(5 + n, "in" if n % 2 else "out") for n in range(14)]  # a project, daily
    assert rhythm(ledger(two_weeks).recent, 6) is None  # shorter than a month: a burst


def test_gaps_of_years_count_only_within_the_last_two_years() -> None:
    old = [(900 + 7 * n, "out") for n in range(20)]  # weekly, but three years ago
    recent = [(0, "in"), (60, "out"), (120, "in"), (180, "out"), (240, "in"), (300, "out")]
    led = ledger(old + recent)
    found = rhythm(led.recent, 6)
    assert found is not None and found.days == 60 and found.gaps == 5
    assert rhythm(ledger(old).recent, 6) is None  # nothing within the window


def test_daylight_saving_time_changes_no_gap() -> None:
    # 09:00 Berlin every Sunday across the end of summer time (2026-10-25): 7 days, not 6.96.
    days = [datetime(2026, 10, 4, 9, tzinfo=BERLIN) + timedelta(days=7 * n) for n in range(8)]
    recent = recent_mod.build([(d.timestamp(), "out") for d in days], BERLIN)
    found = rhythm(recent, 6)
    assert found is not None and found.days == 7
    late = [(datetime(2026, 10, 24, 23, 30, tzinfo=UTC).timestamp(), "in")]  # Sunday 01:30 there
    assert touch_days(recent_mod.build(late, BERLIN))[0].isoformat() == "2026-10-25"


def test_a_steady_two_way_relationship_is_strong_and_its_parts_add_up() -> None:
    led = ledger([*every(7, 100, start=1), (3, "meeting"), (40, "meeting")])
    s = strength(led, NOW)
    assert s.score >= 70 and not s.one_way
    assert abs(sum(s.points(k) for k in WEIGHTS) - s.score) <= 0.5
    assert s.touch_days_year == 53 + 2 and s.meetings_year == 2  # days 1, 8 .. 365; 3, 40
    assert len(s.explain()) == len(WEIGHTS) + 1


def test_one_way_traffic_is_never_strong() -> None:
    only_them = ledger([(7 * n + 1, "in") for n in range(100)])
    only_me = ledger([(7 * n + 1, "out") for n in range(100)])
    for led in (only_them, only_me):
        s = strength(led, NOW)
        assert s.one_way and s.score <= ONE_WAY_CAP
        assert "one-way" in s.explain()[-1]


def test_strength_decays_and_a_long_relationship_decays_more_slowly() -> None:
    steady = every(7, 30)
    new = ledger(steady)  # half a year old
    old = ledger([*steady, (4 * 365, "out"), (4 * 365 - 1, "in")])  # the same, known for four years
    later = NOW + timedelta(days=120)
    assert strength(new, later).decay < strength(old, later).decay
    assert strength(new, later).score < strength(new, NOW).score
    assert strength(old, NOW).half_life_days == 150  # 30 + 30 per year of tenure
    assert strength(ledger([(0.1, "in"), (0, "out")]), NOW).half_life_days == 30
    gone = strength(new, NOW + timedelta(days=3 * 365))
    assert gone.score == 0 and gone.touch_days_year == 0
