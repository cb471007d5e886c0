"""A Hypothesis state machine over the whole cycle: new mail, time passing, the user moving and
deleting reminders, and crashes between a calendar write and its record, in any order.

Invariants after every step: at most one future event per person and kind in the calendar; no
future event dated before its person's last touch; a dismissed follow-up never comes back
without a new touch; replaying a finished cycle changes nothing; every event is addressed by its
key; the cursor never moves back and nothing is lost from the store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from connectors.memory import MemorySink, MemorySource
from syncd.engine import run_cycle
from syncd.errors import TransientError
from syncd.model import FollowUp, Remote, Written
from syncd.pipeline import compute
from syncd.store import Store
from tests.factories import ME, NOW, config, mail

PEOPLE = [f"p{i}@people.example" for i in range(4)]
CONFIG = config(
    accounts=[{"name": "cal", "type": "caldav", "url": "http://127.0.0.1:1/"}],
    followups={"account": "cal", "horizon": "21d", "max_per_day": 2},
    cadences=[{"name": "all", "every": "7d"}],
    new_contacts={"steps": ["2d", "5d"]},
    goals={"introductions_per_week": 1})


class CrashingSink(MemorySink):
    """Writes to the calendar, then dies before syncd can record the write."""

    crash_after: int | None = None

    def _tick(self) -> None:
        if self.crash_after is not None:
            self.crash_after -= 1
            if self.crash_after < 0:
                self.crash_after = None
                raise TransientError("connection dropped after the write")

    def create(self, followup: FollowUp) -> Written:
        written = super().create(followup)
        self._tick()
        return written

    def update(self, followup: FollowUp, written: Written) -> Written:
        done = super().update(followup, written)
        self._tick()
        return done


class CycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="syncd-prop-"))
        self.store_cm = Store.open(self.dir / "db.sqlite3")
        self.store = self.store_cm.__enter__()
        self.source = MemorySource("mail", [], page_size=3)
        self.sink = CrashingSink()
        self.day = 0.0
        self.n = 0
        self.last_cursor = -1
        self.dismissed: set[tuple[str, str]] = set()  # (base key, anchor) the user deleted

    def teardown(self) -> None:
        self.store_cm.__exit__(None, None, None)
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(person=st.sampled_from(PEOPLE), outbound=st.booleans(), reply=st.booleans())
    def new_mail(self, person: str, outbound: bool, reply: bool) -> None:
        self.n += 1
        sender, to = (ME, person) if outbound else (person, ME)
        parent = f"m{self.n - 1}" if reply and self.n > 1 else None
        self.source.items.append(
            mail(sender, to, days_ago=-self.day, subject=f"s{self.n}", mid=f"m{self.n}",
                 reply_to=parent))

    @rule(days=st.floats(min_value=0.1, max_value=9))
    def time_passes(self, days: float) -> None:
        self.day += days

    @rule(force=st.booleans())
    def cycle(self, force: bool) -> None:
        now = NOW + timedelta(days=self.day)
        report = run_cycle(CONFIG, self.store, {"mail": self.source}, self.sink, now, force=force)
        if report.refused is None and report.sink_error is None:
            replay = run_cycle(CONFIG, self.store, {"mail": self.source}, self.sink, now)
            assert replay.actions == [], replay.actions  # replaying a cycle changes nothing

    @rule(after=st.integers(min_value=0, max_value=2))
    def cycle_that_crashes_after_a_write(self, after: int) -> None:
        self.sink.crash_after = after
        self.cycle(force=False)
        self.sink.crash_after = None

    @precondition(lambda self: bool(self.sink.events))
    @rule(data=st.data())
    def user_deletes(self, data: st.DataObject) -> None:
        href = data.draw(st.sampled_from(sorted(self.sink.events)))
        event = self.sink.events.pop(href)
        known = self.store.written().get(event.base_key)
        if known is not None and known.key == event.key:
            # syncd recorded this event; one written just before a crash, unrecorded, may be
            # written again: syncd cannot tell the user's deletion from a write that never was.
            self.dismissed.add((event.base_key, event.anchor))

    @precondition(lambda self: bool(self.sink.events))
    @rule(data=st.data(), hours=st.integers(min_value=1, max_value=96))
    def user_moves(self, data: st.DataObject, hours: int) -> None:
        href = data.draw(st.sampled_from(sorted(self.sink.events)))
        event = self.sink.events[href]
        self.sink.events[href] = replace(event, start=event.start + timedelta(hours=hours))

    @invariant()
    def one_future_event_per_person_and_kind(self) -> None:
        now = NOW + timedelta(days=self.day)
        future: dict[str, int] = {}
        for event in self.sink.events.values():
            if event.start > now:
                future[event.base_key] = future.get(event.base_key, 0) + 1
        assert all(count == 1 for count in future.values()), future

    @invariant()
    def no_future_event_before_its_persons_last_touch(self) -> None:
        now = NOW + timedelta(days=self.day)
        if not self.sink.events:
            return
        snap = compute(CONFIG, list(self.store.messages()), [], now)
        for event in self.sink.events.values():
            ledger = snap.ledgers.get(event.person_id)
            if event.start > now and ledger is not None and ledger.last_touch is not None:
                assert event.start >= ledger.last_touch, (event, ledger.last_touch)

    @invariant()
    def a_dismissed_follow_up_comes_back_only_with_a_new_touch(self) -> None:
        for event in self.sink.events.values():
            assert (event.base_key, event.anchor) not in self.dismissed, event

    @invariant()
    def every_event_is_addressed_by_its_key(self) -> None:
        snapshot: Mapping[str, Remote] = self.sink.snapshot()
        for key, remote in snapshot.items():
            assert remote.remote_id == f"{key}.ics"

    @invariant()
    def cursor_never_moves_back_and_nothing_is_lost(self) -> None:
        cursor = self.store.cursor("mail")
        position = -1 if cursor is None else int(cursor.split(":")[1])
        assert position >= self.last_cursor
        self.last_cursor = position
        assert self.store.counts()["messages"] == min(position, len(self.source.items)) \
            if position >= 0 else True


TestCycleMachine = CycleMachine.TestCase
TestCycleMachine.settings = settings(
    max_examples=int(os.environ.get("SYNCD_PROPERTY_EXAMPLES", "80")), stateful_step_count=30,
    deadline=None, derandomize=not os.environ.get("SYNCD_PROPERTY_EXAMPLES"),
    suppress_health_check=[HealthCheck.too_slow])
