"""Reconciling with what the calendar holds (rules/reconcile.py and the engine around it): lost
answers settled by the next snapshot, unrecorded events of ours adopted or cancelled. The same
scenarios run on Radicale, Google and Graph in tests/faults/test_lost_answers.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.memory import MemorySink, MemorySource
from rules.candidates import Candidate
from rules.plan import Cancel, Create, Record, plan
from rules.reconcile import adopt, settle, split_key
from syncd.engine import run_cycle
from syncd.errors import TransientError
from syncd.model import FollowUp, Remote, Uncertain, Written
from syncd.store import Store
from tests.factories import ME, NOW, mail
from tests.faults.lost_answers import SCENARIOS, Event, cfg, outcome

BERLIN = ZoneInfo("Europe/Berlin")
BASE = "0123456789abcdef0123456789abcdef01234567"
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def record(key: str = BASE, start: datetime = MONDAY, **kw: object) -> Written:
    return Written(key=key, base_key=split_key(key)[0], remote_id=f"{key}.ics",
                   etag=kw.pop("etag", '"1"'), start=start, anchor="a1",  # type: ignore[arg-type]
                   kind="owed_reply", person_id="p", **kw)  # type: ignore[arg-type]


def there(key: str = BASE, start: datetime = MONDAY, etag: str = '"1"') -> Remote:
    return Remote(key, f"{key}.ics", etag, start)


def test_keys_split_into_base_and_generation() -> None:
    assert split_key(BASE) == (BASE, 0)
    assert split_key(BASE + "g12") == (BASE, 12)
    assert split_key("not-a-hex-key") == ("not-a-hex-key", 0)


def test_an_uncertain_create_happened_when_its_event_is_there() -> None:
    made = replace(record(), remote_id="", etag=None)
    assert settle([Uncertain("create", made)], {}, {}) == []  # never reached the calendar
    (found,) = settle([Uncertain("create", made)], {}, {BASE: there(etag='"7"')})
    assert found == replace(made, remote_id=f"{BASE}.ics", etag='"7"')


def test_an_uncertain_update_happened_when_the_etag_moved_on() -> None:
    before = record()
    after = replace(before, start=MONDAY + timedelta(days=2), anchor="a2")
    doubt = [Uncertain("update", after)]
    assert settle(doubt, {BASE: before}, {BASE: there()}) == []  # still ours as we left it
    (landed,) = settle(doubt, {BASE: before}, {BASE: there(start=after.start, etag='"2"')})
    assert landed == replace(after, etag='"2"')
    # The user moved it after our write landed: our start is recorded, so it reads as moved.
    (moved,) = settle(doubt, {BASE: before}, {BASE: there(start=MONDAY, etag='"3"')})
    assert moved.start == after.start and moved.etag == '"3"'


def test_an_uncertain_cancel_that_happened_is_cancelled_not_dismissed() -> None:
    before = record()
    assert settle([Uncertain("cancel", before)], {BASE: before}, {BASE: there()}) == []
    (gone,) = settle([Uncertain("cancel", before)], {BASE: before}, {})
    assert gone == replace(before, state="cancelled")


def candidate(anchor: str = "a1") -> Candidate:
    return Candidate(base_key=BASE, kind="owed_reply", person="p", due=MONDAY, anchor=anchor,
                     reason="r")


def test_unrecorded_events_are_adopted_with_the_wanted_anchor_and_past_ones_are_history() -> None:
    remote = {BASE: there()}
    (found,) = adopt(remote, {}, {BASE: candidate()}, NOW, BERLIN).values()
    assert (found.state, found.anchor, found.kind, found.start) == ("live", "a1", "owed_reply",
                                                                  MONDAY)
    (unwanted,) = adopt(remote, {}, {}, NOW, BERLIN).values()
    assert unwanted.state == "live" and unwanted.anchor == ""
    past = {BASE: there(start=NOW - timedelta(days=2))}
    (history,) = adopt(past, {}, {BASE: candidate()}, NOW, BERLIN).values()
    assert history.state == "done" and history.anchor == ""


def test_recorded_and_superseded_events_are_not_adopted() -> None:
    remote = {BASE: there(), BASE + "g2": there(BASE + "g2")}
    assert adopt(remote, {BASE: record(BASE + "g2", generation=2)}, {}, NOW, BERLIN) == {}
    (newer,) = adopt(remote, {BASE: record(state="dismissed")}, {}, NOW, BERLIN).values()
    assert newer.key == BASE + "g2" and newer.generation == 2


# -- the engine, on an in-memory calendar that loses answers ---------------------------------


class LossySink(MemorySink):
    """A calendar whose answers ``rig.lost`` names are cut after the change is made."""

    def __init__(self, rig: MemoryRig) -> None:
        super().__init__()
        self.rig = rig

    def _answer(self, op: str) -> None:
        if self.rig.lost == op:
            self.rig.cut_count += 1
            raise TransientError("connection reset after the request", account=self.name)

    def create(self, followup: FollowUp) -> Written:
        done = super().create(followup)
        self._answer("create")
        return done

    def update(self, followup: FollowUp, written: Written) -> Written:
        done = super().update(followup, written)
        self._answer("update")
        return done

    def cancel(self, written: Written) -> None:
        super().cancel(written)
        self._answer("cancel")


@dataclass
class MemoryRig:
    calendars: dict[str, LossySink] = field(default_factory=dict)
    lost: str | None = None
    cut_count: int = 0

    def sink(self, calendar: str, now: datetime) -> LossySink:
        return self.calendars.setdefault(calendar, LossySink(self))

    def cut(self, op: str) -> None:
        self.lost = op

    def heal(self) -> None:
        self.lost = None

    def cuts(self) -> int:
        return self.cut_count

    def events(self, calendar: str) -> list[Event]:
        return sorted((f.key, f.start.astimezone(UTC).isoformat(), f.title)
                      for f in self.calendars[calendar].events.values())

    def move(self, calendar: str, key: str, start: datetime) -> None:
        events = self.calendars[calendar].events
        href = next(h for h, f in events.items() if f.key == key)
        events[href] = replace(events[href], start=start)


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    with Store.open(tmp_path / "clean.sqlite3") as clean, \
            Store.open(tmp_path / "cut.sqlite3") as cut:
        yield clean, cut


@pytest.mark.parametrize(("write", "then"), SCENARIOS)
def test_a_lost_answer_ends_as_a_clean_run(write: str, then: str,
                                           stores: tuple[Store, Store]) -> None:
    outcome(MemoryRig(), write, then, *stores)


def test_the_reported_case_a_reminder_whose_create_answer_was_lost_vanishes(
        stores: tuple[Store, Store]) -> None:
    """The soak's reproduction: an owed reply, its first write's answer cut, the user's reply,
    two more syncs: "Reply: ..." is gone, and was cancelled (not dismissed)."""
    _, store = stores
    rig = MemoryRig()
    source = MemorySource("mail", [mail(ME, "jane@acme.example", days_ago=40, mid="h0"),
                                   mail("jane@acme.example", ME, days_ago=3, mid="q1")])

    def cycle(hours: float) -> None:
        run_cycle(cfg("F"), store, {"mail": source}, rig.sink("F", NOW), NOW +
                  timedelta(hours=hours))

    rig.cut("create")
    cycle(0)
    rig.heal()
    assert [f.kind for f in rig.calendars["F"].events.values()] == ["owed_reply"]
    assert store.written() == {} and [u.op for u in store.uncertain()] == ["create"]
    source.items.append(mail(ME, "jane@acme.example", days_ago=-0.01, mid="r1", reply_to="q1"))
    cycle(1)
    cycle(2)
    assert [f.kind for f in rig.calendars["F"].events.values()] == ["new_contact"]
    states = {w.kind: w.state for w in store.written().values()}
    assert states == {"owed_reply": "cancelled", "new_contact": "live"}


def test_a_rebuilt_store_adopts_the_calendar_and_writes_nothing_again(tmp_path: Path) -> None:
    """Crash between write and record, or a store moved aside: the events carry our key. The
    wanted ones are recorded as they stand; one that nothing wants is cancelled."""
    history = [mail(ME, "jane@acme.example", days_ago=40, mid="h0"),  # known: owed replies
               mail(ME, "omar@haddad.example", days_ago=40, mid="h1"),
               mail("jane@acme.example", ME, days_ago=3, mid="q1"),
               mail("omar@haddad.example", ME, days_ago=2, mid="o1")]
    sink = MemorySink()
    with Store.open(tmp_path / "first.sqlite3") as first:
        run_cycle(cfg("F"), first, {"mail": MemorySource("mail", history)}, sink, NOW)
        before = {w.key: (w.start, w.anchor, w.kind, w.state) for w in first.written().values()}
    stray = FollowUp(key=BASE, base_key=BASE, kind="cadence", person_id="p", person_name="P",
                     email="", due=MONDAY.date(), start=MONDAY, duration=timedelta(minutes=15),
                     timezone="UTC", title="Catch up: P", description="", reason="", anchor="a0")
    sink.events[f"{BASE}.ics"] = stray
    writes = sink.writes
    with Store.open(tmp_path / "rebuilt.sqlite3") as rebuilt:
        report = run_cycle(cfg("F"), rebuilt, {"mail": MemorySource("mail", history)}, sink,
                           NOW)
        kinds = sorted(type(a).__name__ for a in report.applied)
        assert kinds == ["Cancel", "Record", "Record"]
        assert sink.writes == writes + 1 and f"{BASE}.ics" not in sink.events
        after = {w.key: (w.start, w.anchor, w.kind, w.state) for w in rebuilt.written().values()}
        assert after == {**before, BASE: (MONDAY, "", "", "cancelled")}
        assert run_cycle(cfg("F"), rebuilt, {"mail": MemorySource("mail", history)}, sink,
                         NOW).actions == []


def test_unrecorded_past_events_stay_as_history(store_path: Path) -> None:
    sink = MemorySink()
    past = NOW - timedelta(days=4)
    sink.events[f"{BASE}.ics"] = FollowUp(
        key=BASE, base_key=BASE, kind="owed_reply", person_id="p", person_name="P", email="",
        due=past.date(), start=past, duration=timedelta(minutes=15), timezone="UTC",
        title="Reply: P", description="", reason="", anchor="a0")
    with Store.open(store_path) as store:
        report = run_cycle(cfg("F"), store, {"mail": MemorySource("mail")}, sink, NOW)
        assert [(type(a), a.written.state) for a in report.applied
                if isinstance(a, Record)] == [(Record, "done")]
        assert f"{BASE}.ics" in sink.events


def test_the_mass_cancel_guard_counts_unrecorded_events(store_path: Path) -> None:
    sink = MemorySink()
    for n in range(4):
        key = f"{n:040x}"
        start = MONDAY + timedelta(hours=n)
        sink.events[f"{key}.ics"] = FollowUp(
            key=key, base_key=key, kind="cadence", person_id=f"p{n}", person_name="P",
            email="", due=start.date(), start=start, duration=timedelta(minutes=15),
            timezone="UTC", title="Catch up", description="", reason="", anchor="a0")
    with Store.open(store_path) as store:
        refused = run_cycle(cfg("F"), store, {"mail": MemorySource("mail")}, sink, NOW)
        assert refused.refused is not None and len(sink.events) == 4
        forced = run_cycle(cfg("F"), store, {"mail": MemorySource("mail")}, sink, NOW,
                           force=True)
        assert [type(a) for a in forced.applied] == [Cancel] * 4 and sink.events == {}
        assert {w.state for w in store.written().values()} == {"cancelled"}


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "syncd.sqlite3"


def test_a_follow_up_syncd_cancelled_comes_back_when_wanted_again_for_the_same_reason() -> None:
    """Found by bench/soak.py: a meeting advanced a new-contact sequence beyond the horizon (the
    event was cancelled), then the meeting was removed; the follow-up is wanted again with its
    old anchor. Only a dismissal (the user's) or a done event waits for a new touch."""
    def render(c: Candidate, start: datetime, key: str) -> FollowUp:
        return FollowUp(key=key, base_key=c.base_key, kind=c.kind, person_id=c.person,
                        person_name="P", email="", due=start.date(), start=start,
                        duration=timedelta(minutes=15), timezone="UTC", title="t",
                        description="", reason="", anchor=c.anchor)

    def planned(state: str) -> list[str]:
        actions = plan({BASE: candidate()}, {BASE: MONDAY}, {BASE: record(state=state)}, {},
                       NOW, horizon=timedelta(days=14), tz=BERLIN, render=render)
        return [a.followup.key for a in actions if isinstance(a, Create)]

    assert planned("cancelled") == [BASE + "g1"]
    assert planned("dismissed") == [] and planned("done") == []
