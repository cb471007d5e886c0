"""The whole cycle on the in-memory connectors and a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.memory import MemorySink, MemorySource
from rules.plan import Action, Cancel, Create, Record, Update
from syncd.config import Config
from syncd.engine import CycleReport, Observer, run_cycle
from syncd.model import Item
from syncd.store import Store
from tests.factories import ME, NOW, config, mail, meeting

JANE, OMAR = "jane@acme.example", "omar@haddad.example"


def cfg() -> Config:
    return config(
        accounts=[{"name": "cal", "type": "caldav", "url": "http://127.0.0.1:1/"}],
        followups={"account": "cal", "horizon": "30d"},
        cadences=[{"name": "network", "every": "14d"}])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state" / "syncd.sqlite3") as s:
        yield s


def history() -> list[Item]:
    return [
        # old acquaintances (their new-contact sequence is long over): cadence reminders
        mail(ME, JANE, days_ago=200, subject="Plan", mid="j1"),
        mail(JANE, ME, days_ago=199, subject="Re: Plan", mid="j2", reply_to="j1"),
        mail(OMAR, ME, days_ago=198, subject="Hello", mid="o1"),
        mail(ME, OMAR, days_ago=197, subject="Re: Hello", mid="o2", reply_to="o1"),
    ]


def cycle(store: Store, source: MemorySource, sink: MemorySink, days: float = 0, **kw: object
          ) -> CycleReport:
    return run_cycle(cfg(), store, {"mail": source}, sink, NOW + timedelta(days=days), **kw)  # type: ignore[arg-type]


def test_first_sync_writes_follow_ups_and_the_second_changes_nothing(store: Store) -> None:
    source, sink = MemorySource("mail", history(), page_size=3), MemorySink()
    first = cycle(store, source, sink)
    assert first.accounts[0].items == 4
    assert sorted(type(a).__name__ for a in first.applied) == ["Create", "Create"]
    assert len(sink.events) == 2
    titles = sorted(f.title for f in sink.events.values())
    assert titles == ["Catch up: jane@acme.example", "Catch up: omar@haddad.example"]
    # overdue: the next working day (NOW is a Friday afternoon), 09:00 and 09:15 in Berlin
    starts = sorted(f.start.isoformat() for f in sink.events.values())
    assert starts == ["2026-11-23T09:00:00+01:00", "2026-11-23T09:15:00+01:00"]
    writes = sink.writes
    second = cycle(store, source, sink)
    assert second.actions == [] and sink.writes == writes
    assert store.counts()["messages"] == 4


def test_a_new_touch_moves_the_event_and_satisfies_the_old_due(store: Store) -> None:
    source, sink = MemorySource("mail", history()), MemorySink()
    cycle(store, source, sink)
    before = {f.person_id: f.start for f in sink.events.values()}
    source.items.append(meeting([JANE], days_ago=1))  # a touch that asks nothing of anyone
    report = cycle(store, source, sink)
    assert [type(a) for a in report.applied] == [Update]
    after = {f.person_id: f.start for f in sink.events.values()}
    assert after[JANE] > before[JANE] and after[OMAR] == before[OMAR]


def test_user_deletion_is_a_dismissal_until_a_new_touch(store: Store) -> None:
    source, sink = MemorySource("mail", history()), MemorySink()
    cycle(store, source, sink)
    href = next(h for h, f in sink.events.items() if f.person_id == JANE)
    del sink.events[href]  # the user deletes the reminder
    report = cycle(store, source, sink)
    assert [type(a) for a in report.applied] == [Record]
    assert all(f.person_id != JANE for f in sink.events.values())
    assert cycle(store, source, sink).actions == []  # not recreated
    source.items.append(meeting([JANE], days_ago=0.5))
    revived = cycle(store, source, sink, days=20)
    created = [a for a in revived.applied if isinstance(a, Create)]
    assert len(created) == 1 and created[0].followup.key.endswith("g1")  # a new generation


def test_user_move_is_a_snooze_and_keeps_their_time(store: Store) -> None:
    source, sink = MemorySource("mail", history()), MemorySink()
    cycle(store, source, sink)
    href, event = next((h, f) for h, f in sink.events.items() if f.person_id == OMAR)
    snoozed = event.start + timedelta(days=3, hours=2)
    sink.events[href] = replace(event, start=snoozed)
    report = cycle(store, source, sink)
    assert [type(a) for a in report.applied] == [Record]  # noted as snoozed, calendar untouched
    assert sink.events[href].start == snoozed
    assert cycle(store, source, sink).actions == []


def test_satisfied_future_event_is_deleted(store: Store) -> None:
    source, sink = MemorySource("mail", history()), MemorySink()
    cycle(store, source, sink)
    source.items.append(mail(ME, OMAR, days_ago=0.1, subject="Thanks", mid="o3"))
    source.items.append(mail(ME, JANE, days_ago=0.1, subject="Thanks", mid="j5"))
    # Both were just touched: the next dues are 14 days out, beyond a 3-day horizon, so the
    # standing future events are satisfied and removed.
    short = replace(cfg(), followups=replace(cfg().followups, horizon=timedelta(days=3)))
    report = run_cycle(short, store, {"mail": source}, sink, NOW)
    assert sorted(type(a).__name__ for a in report.applied) == ["Cancel", "Cancel"]
    assert sink.events == {}


def test_an_empty_calendar_glitch_never_wipes_the_records(store: Store) -> None:
    many = history() + [mail(f"p{i}@x.example", ME, days_ago=300, mid=f"p{i}") for i in range(4)]
    source, sink = MemorySource("mail", many), MemorySink()
    cycle(store, source, sink)
    assert len(sink.events) == 6
    sink.events.clear()  # the provider suddenly shows nothing
    report = cycle(store, source, sink)
    assert report.refused is not None and report.exit_code == 1
    assert all(w.state == "live" for w in store.written().values())
    forced = cycle(store, source, sink, force=True)
    assert forced.refused is None


def test_expired_cursor_resyncs_once_without_duplicates(store: Store) -> None:
    source, sink = MemorySource("mail", history(), page_size=2), MemorySink()
    cycle(store, source, sink)
    source.epoch += 1  # the provider forgets our cursor
    report = cycle(store, source, sink)
    assert report.accounts[0].state == "ok" and report.accounts[0].items == 4
    assert store.counts()["messages"] == 4 and store.counts()["locations"] == 4


def test_the_resync_warning_names_the_account_once(store: Store,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    source, sink = MemorySource("mail", history()), MemorySink()
    cycle(store, source, sink)
    source.epoch += 1
    with caplog.at_level("WARNING", logger="syncd.engine"):
        cycle(store, source, sink)
    said = [r.getMessage() for r in caplog.records if "resyncing" in r.getMessage()]
    assert said == [("mail: cursor from an older epoch; resyncing from scratch (upsert, then "
                     "sweep)")]


def test_dry_run_plans_but_writes_nothing(store: Store) -> None:
    source, sink = MemorySource("mail", history()), MemorySink()
    report = cycle(store, source, sink, dry_run=True)
    assert len(report.actions) == 2 and report.applied == [] and sink.events == {}


def test_a_failing_account_does_not_stop_the_others(store: Store) -> None:
    from connectors.registry import FailedSource
    from syncd.errors import AuthError

    source, sink = MemorySource("mail", history()), MemorySink()
    broken = FailedSource("other", AuthError("token revoked", account="other"))
    report = run_cycle(cfg(), store, {"other": broken, "mail": source}, sink, NOW)
    states = {a.name: a.state for a in report.accounts}
    assert states == {"other": "needs_auth", "mail": "ok"}
    assert report.exit_code == 77 and len(sink.events) == 2
    assert store.statuses()["other"]["last_error"] == "other: token revoked"


def test_cancel_is_recorded(store: Store) -> None:
    source, sink = MemorySource("mail", history()), MemorySink()
    cycle(store, source, sink)
    source.items.append(mail(ME, OMAR, days_ago=0.1, subject="x", mid="o9"))
    short = replace(cfg(), followups=replace(cfg().followups, horizon=timedelta(days=3)))
    run_cycle(short, store, {"mail": source}, sink, NOW)
    states = {w.person_id: w.state for w in store.written().values()}
    assert states[OMAR] == "cancelled" and states[JANE] == "live"
    assert not any(isinstance(a, Cancel) for a in cycle(store, source, sink).actions)


class StopAfter(Observer):
    """Asks to stop once ``pages`` pages or ``writes`` writes have gone through."""

    def __init__(self, pages: int = 10**6, writes: int = 10**6) -> None:
        self.pages, self.writes = pages, writes

    def page(self, account: str, items: int) -> None:
        self.pages -= 1

    def applied(self, action: Action) -> None:
        self.writes -= 1

    def should_stop(self) -> bool:
        return self.pages <= 0 or self.writes <= 0


def test_a_stop_request_ends_the_cycle_after_the_current_page(store: Store) -> None:
    source, sink = MemorySource("mail", history(), page_size=1), MemorySink()
    report = cycle(store, source, sink, observer=StopAfter(pages=2))
    assert report.accounts[0].items == 2 and report.actions == [] and sink.events == {}
    assert store.cursor("mail") is not None  # the second page and its cursor are committed
    again = cycle(store, MemorySource("mail", history(), page_size=1), sink)
    assert again.accounts[0].items == 2  # resumed after the committed page, nothing twice


def test_a_stop_request_ends_the_writes_after_the_current_one(store: Store) -> None:
    source, sink = MemorySource("mail", history(), page_size=3), MemorySink()
    report = cycle(store, source, sink, observer=StopAfter(writes=1))
    assert len(report.actions) == 2 and len(report.applied) == 1 and len(sink.events) == 1
    assert len(store.written()) == 1


def test_a_sink_that_finds_the_event_deleted_records_a_dismissal(store: Store) -> None:
    """Google keeps a deleted event's id: a create that finds it cancelled is a dismissal."""

    class Reserved(MemorySink):
        def create(self, followup):  # type: ignore[no-untyped-def]
            return replace(super().create(followup), state="dismissed")

        def snapshot(self):  # type: ignore[no-untyped-def]
            return {}  # the user's deletion: nothing of ours stands there

    source, sink = MemorySource("mail", history()), Reserved()
    first = cycle(store, source, sink)
    assert len(first.applied) == 2
    assert {w.state for w in store.written().values()} == {"dismissed"}
    assert cycle(store, source, sink).actions == []  # and it stays dismissed
