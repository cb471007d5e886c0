"""The weekly planning event and its suggested introductions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from connectors.memory import MemorySink, MemorySource
from syncd.engine import run_cycle
from syncd.pipeline import compute
from syncd.store import Store
from tests.factories import ME, NOW, config, mail

A, B, C = "ann@acme.example", "bob@bolt.example", "cat@cove.example"
D, E = "dan@delta.example", "eve@delta.example"


def two_way(person: str, days_ago: float, mid: str, cc: list[str] | None = None) -> list:  # type: ignore[type-arg]
    return [mail(ME, person, days_ago=days_ago, subject=f"Topic {mid}", mid=f"{mid}1", cc=cc),
            mail(person, ME, days_ago=days_ago - 0.5, subject=f"Re: Topic {mid}",
                 mid=f"{mid}2", reply_to=f"{mid}1")]


def plan_of(msgs: list, goal: int = 2):  # type: ignore[no-untyped-def,type-arg]
    snap = compute(config(goals={"introductions_per_week": goal}), msgs, [], NOW)
    plans = [c for c in snap.candidates.values() if c.kind == "weekly_plan"]
    return plans[0] if plans else None


def test_suggests_people_who_share_a_correspondent_or_an_organisation() -> None:
    msgs = [*two_way(A, 20, "x", cc=[C]), *two_way(B, 10, "y", cc=[C]), *two_way(C, 5, "z"),
            *two_way(D, 8, "d"), *two_way(E, 7, "e")]
    plan = plan_of(msgs)
    assert plan is not None
    assert "ann@acme.example and bob@bolt.example: both work with cat@cove.example" in plan.details
    assert "dan@delta.example and eve@delta.example: both at delta.example" in plan.details
    assert not any(line.startswith(("ann@acme.example and cat", "cat@cove.example and ann"))
                   for line in plan.details)  # they were in a thread together
    assert len(plan.details) <= 5
    assert plan.reason == "introductions this week: 0 of 2"


def test_progress_counts_introductions_made_this_week_and_goal_zero_means_off() -> None:
    msgs = [*two_way(A, 30, "a"), *two_way(B, 30, "b"),
            mail(ME, [A, B], days_ago=0.5, subject="Intro: Ann <> Bob", mid="i1")]
    plan = plan_of(msgs)
    assert plan is not None and plan.reason == "introductions this week: 1 of 2"
    assert plan.due.astimezone().weekday() in (0, 6)  # Monday 00:00 Berlin (Sunday in UTC)
    assert plan_of(msgs, goal=0) is None


def test_one_weekly_event_per_week_and_last_weeks_stays(tmp_path: Path) -> None:
    cfg = config(accounts=[{"name": "cal", "type": "caldav", "url": "http://127.0.0.1:1/"}],
                 followups={"account": "cal"}, goals={"introductions_per_week": 1})
    source, sink = MemorySource("mail", [*two_way(A, 30, "a")]), MemorySink()
    with Store.open(tmp_path / "db.sqlite3") as store:
        run_cycle(cfg, store, {"mail": source}, sink, NOW)
        weekly = [f for f in sink.events.values() if f.kind == "weekly_plan"]
        assert len(weekly) == 1 and weekly[0].title == "Plan: introductions this week (0 of 1)"
        run_cycle(cfg, store, {"mail": source}, sink, NOW + timedelta(days=7))
        weekly = sorted(f.start for f in sink.events.values() if f.kind == "weekly_plan")
        assert len(weekly) == 2 and weekly[1] - weekly[0] >= timedelta(days=6)
