from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.candidates import Candidate
from rules.placement import place

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = ("mon", "tue", "wed", "thu", "fri")


def cand(key: str, due: datetime, kind: str = "cadence") -> Candidate:
    return Candidate(key, kind, f"{key}@x.example", due, "a", "why")


def run(cands: list[Candidate], now: datetime, *, max_per_day: int = 5,
        pinned: dict[str, datetime] | None = None, tz: ZoneInfo = BERLIN) -> dict[str, datetime]:
    return place(cands, pinned or {}, now, at=time(9, 0), duration=timedelta(minutes=15),
                 working_days=WEEK, max_per_day=max_per_day, tz=tz)


@pytest.mark.parametrize(("zone", "day"), [
    ("Europe/Berlin", "2026-03-30"),     # the Monday after the spring change
    ("Europe/Berlin", "2026-10-26"),     # the Monday after the autumn change
    ("America/New_York", "2026-03-09"),
    ("America/New_York", "2026-11-02"),
])
def test_nine_oclock_stays_nine_oclock_across_dst(zone: str, day: str) -> None:
    tz = ZoneInfo(zone)
    # Due on the Friday before the change, decided on the Saturday: lands on Monday 09:00 local.
    now = datetime.fromisoformat(day).replace(tzinfo=tz) - timedelta(days=2, hours=-10)
    placed = run([cand("k", now - timedelta(days=1))], now, tz=tz)
    local = placed["k"].astimezone(tz)
    assert (local.date().isoformat(), local.hour, local.minute) == (day, 9, 0)
    # and the UTC offset is that of the new season
    assert placed["k"].utcoffset() == datetime.fromisoformat(day + "T09:00").replace(
        tzinfo=tz).utcoffset()


def test_weekends_are_skipped_and_overdue_lands_on_the_next_free_slot() -> None:
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    placed = run([cand("old", saturday - timedelta(days=400))], saturday)
    assert placed["old"].astimezone(BERLIN) == datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


def test_after_the_hour_today_is_full_so_tomorrow() -> None:
    tuesday_noon = datetime(2026, 11, 17, 11, 0, tzinfo=UTC)
    placed = run([cand("k", tuesday_noon - timedelta(days=1))], tuesday_noon)
    assert placed["k"].astimezone(BERLIN).date().isoformat() == "2026-11-18"


def test_max_per_day_overflows_by_priority() -> None:
    monday_early = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    due = monday_early - timedelta(days=1)
    cands = [cand(f"c{i}", due) for i in range(3)] + [cand("owed", due, "owed_reply")]
    placed = run(cands, monday_early, max_per_day=2)
    days = {k: v.astimezone(BERLIN).date().isoformat() for k, v in placed.items()}
    assert days["owed"] == "2026-11-23"  # the most urgent kind gets today's first slot
    assert placed["owed"].astimezone(BERLIN).time() == time(9, 0)
    assert sorted(days.values()) == ["2026-11-23", "2026-11-23", "2026-11-24", "2026-11-24"]
    starts = sorted(v for k, v in placed.items() if days[k] == "2026-11-23")
    assert starts[1] - starts[0] == timedelta(minutes=15)  # one after another, not stacked


def test_pinned_events_keep_their_slot_and_take_capacity() -> None:
    monday_early = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    pinned_at = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    placed = run([cand("new", monday_early)], monday_early, max_per_day=1,
                 pinned={"old": pinned_at})
    assert placed["old"] == pinned_at
    assert placed["new"].astimezone(BERLIN).date().isoformat() == "2026-11-24"
