"""The re-authorisation notice through the real plan, on the memory sink and a real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.memory import MemorySink, MemorySource
from rules.candidates import base_key
from rules.plan import Cancel
from syncd.config import Config
from syncd.engine import CycleReport, run_cycle
from syncd.store import Store
from tests.factories import ME, NOW, config, mail


def cfg() -> Config:
    return config(
        accounts=[{"name": "cal", "type": "caldav", "url": "http://127.0.0.1:1/"},
                  {"name": "work", "type": "imap", "host": "127.0.0.1", "security": "none"}],
        followups={"account": "cal", "horizon": "30d", "max_per_day": 1},
        cadences=[{"name": "network", "every": "14d"}])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "syncd.sqlite3") as s:
        yield s


def cycle(store: Store, sink: MemorySink, days: float = 0) -> CycleReport:
    source = MemorySource("mail", [mail(ME, "jane@acme.example", days_ago=200, mid="j1"),
                                   mail("jane@acme.example", ME, days_ago=199, mid="j2",
                                        reply_to="j1")])
    return run_cycle(cfg(), store, {"mail": source}, sink, NOW + timedelta(days=days))


def notices(sink: MemorySink) -> list[str]:
    return [f.title for f in sink.events.values() if f.kind == "reauth"]


def test_one_all_day_notice_while_an_account_needs_auth_and_none_after(store: Store) -> None:
    store.set_status("work", "needs_auth", error="password_command 'pass' exited with status 1")
    sink = MemorySink()
    report = cycle(store, sink)
    assert notices(sink) == ["syncd: re-authorise work"]
    notice = next(f for f in sink.events.values() if f.kind == "reauth")
    assert notice.all_day and notice.base_key == base_key("work", "reauth")
    today = NOW.astimezone(ZoneInfo("Europe/Berlin")).date()
    assert notice.start == datetime.combine(today, time(0), tzinfo=UTC)
    assert "password_command" in notice.description
    # it takes no follow-up slot: the one slot a day still goes to a person
    assert sum(1 for f in sink.events.values() if f.kind != "reauth") == 1
    assert len(report.applied) == 2

    assert cycle(store, sink).actions == []  # idempotent: nothing to do again
    moved = cycle(store, sink, days=1)  # the next day it moves to that day
    assert [type(a).__name__ for a in moved.actions] == ["Update"]

    store.set_status("work", "ok")
    fixed = cycle(store, sink, days=1)
    assert [type(a) for a in fixed.actions] == [Cancel] and notices(sink) == []


def test_many_fixed_accounts_never_trip_the_mass_cancel_guard(store: Store) -> None:
    names = [f"acct{i}" for i in range(4)]
    for name in names:
        store.set_status(name, "needs_auth", error="expired")
    config_ = config(
        accounts=[{"name": "cal", "type": "caldav", "url": "http://127.0.0.1:1/"}]
        + [{"name": n, "type": "imap", "host": "127.0.0.1", "security": "none"} for n in names],
        followups={"account": "cal"})
    sink = MemorySink()
    run_cycle(config_, store, {}, sink, NOW)
    assert len(notices(sink)) == 4
    for name in names:
        store.set_status(name, "ok")
    report = run_cycle(config_, store, {}, sink, NOW)
    assert report.refused is None and notices(sink) == []
