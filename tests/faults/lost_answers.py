"""Scenarios for a calendar write whose answer is lost (issue #18), run against any sink.

A ``Rig`` wraps one calendar server: it makes sinks, cuts the answers to one kind of write (the
server carries the request out; syncd never hears back), lets "the user" move an event, and
lists the calendar as it stands. ``outcome`` plays one scenario twice, in two calendars with two
stores: a clean run, and a run whose write is cut. Both must end the same: the same events (key,
start, title; duplicates kept) and the same records.

The story: Jane asks a question (an owed reply). Then syncd ``create``-s its event, or
``update``-s it (Jane writes again on the thread: the due moves), or ``cancel``-s it (the user
answers). The write named by the scenario loses its answer. Then the follow-up is
``satisfied`` (the user answers), ``moved`` (the user drags the event: a snooze), ``wanted``
(nothing happens), or, after a cancel, wanted ``again`` (Jane asks once more). Two more syncs
follow.

The clock is injected: every cycle runs at ``NOW`` plus a few hours (tests/factories.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from connectors.base import CalendarSink
from connectors.memory import MemorySource
from syncd.config import Config
from syncd.engine import CycleReport, run_cycle
from syncd.store import Store
from tests.factories import ME, NOW, config, mail

JANE = "jane@acme.example"
WRITES = ("create", "update", "cancel")
THEN = {"create": ("satisfied", "moved", "wanted"), "update": ("satisfied", "moved", "wanted"),
        "cancel": ("satisfied", "again")}
SCENARIOS = [(write, then) for write in WRITES for then in THEN[write]]
Event = tuple[str, str, str]  # key, start (UTC, ISO 8601), title


class Rig(Protocol):
    def sink(self, calendar: str, now: datetime) -> CalendarSink:
        """A fresh sink writing into ``calendar`` (the clock is the cycle's)."""
        ...

    def cut(self, op: str) -> None:
        """From now on the answers to every ``op`` (create / update / cancel) are lost; the
        server still carries the requests out."""
        ...

    def heal(self) -> None:
        """Answers get through again."""
        ...

    def cuts(self) -> int:
        """How many answers were cut so far."""
        ...

    def events(self, calendar: str) -> list[Event]:
        """Every event of ``calendar`` as it stands on the server, duplicates kept."""
        ...

    def move(self, calendar: str, key: str, start: datetime) -> None:
        """The user drags the event with our ``key`` to ``start`` (15 minutes long)."""
        ...


def cfg(calendar: str) -> Config:
    return config(
        accounts=[{"name": "cal", "type": "caldav", "url": "http://127.0.0.1:1/"}],
        followups={"account": "cal", "calendar": calendar, "horizon": "14d"},
        reciprocity={"owed_reply_after": "5d"})


@dataclass
class Run:
    rig: Rig
    calendar: str
    store: Store
    source: MemorySource = field(default_factory=lambda: MemorySource("mail"))
    cut_reports: list[CycleReport] = field(default_factory=list)

    def cycle(self, hours: float, cut: str | None = None) -> CycleReport:
        now = NOW + timedelta(hours=hours)
        sink = self.rig.sink(self.calendar, now)
        if cut is not None:
            self.rig.cut(cut)
        try:
            report = run_cycle(cfg(self.calendar), self.store, {"mail": self.source}, sink, now)
        finally:
            self.rig.heal()
            sink.close()
        assert report.refused is None
        if cut is not None:
            self.cut_reports.append(report)
        return report

    def mail(self, sender: str, to: str, hours: float, subject: str, mid: str,
             reply_to: str | None = None) -> None:
        self.source.items.append(mail(sender, to, days_ago=-hours / 24, subject=subject,
                                      mid=mid, reply_to=reply_to))

    def jane_event(self) -> Event:
        found = [e for e in self.rig.events(self.calendar) if e[2].startswith("Reply")]
        assert len(found) == 1, found
        return found[0]


def play(run: Run, write: str, then: str, *, cut: bool) -> None:
    lose = write if cut else None
    run.mail(ME, JANE, -24 * 40, "Hello", "h0")  # she is no stranger: her question is owed a reply
    run.mail(JANE, ME, -72, "Question", "q1")  # three days ago: due in two days
    run.cycle(0, cut=lose if write == "create" else None)
    last = "q1"
    if write == "update":  # she writes again: the owed reply is due later
        run.mail(JANE, ME, 0.5, "Re: Question", "q2", reply_to="q1")
        last = "q2"
        run.cycle(1, cut=lose)
    elif write == "cancel":  # the user answers: the event goes
        run.mail(ME, JANE, 0.5, "Re: Question", "r1", reply_to="q1")
        run.cycle(1, cut=lose)
    if then == "satisfied" and write != "cancel":
        run.mail(ME, JANE, 1.5, "Re: Question", "r2", reply_to=last)
    elif then == "moved":
        key, start, _ = run.jane_event()
        run.rig.move(run.calendar, key,
                     datetime.fromisoformat(start) + timedelta(days=1, hours=5))
    elif then == "again":
        run.mail(JANE, ME, 1.5, "One more thing", "q3")
    run.cycle(2)
    run.cycle(3)


def records(store: Store) -> list[tuple[str, str, str, str, int]]:
    assert store.uncertain() == [], "every uncertain write is settled"
    return sorted((w.key, w.state, w.start.astimezone(UTC).isoformat(), w.anchor, w.generation)
                  for w in store.written().values())


def outcome(rig: Rig, write: str, then: str, clean: Store, faulty: Store) -> None:
    """Plays the scenario clean and with the write's answer cut; both must end the same."""
    reference = Run(rig, f"Clean {write} {then}", clean)
    play(reference, write, then, cut=False)
    run = Run(rig, f"Cut {write} {then}", faulty)
    play(run, write, then, cut=True)
    assert rig.cuts() >= 1, "the fault was never dealt"
    assert all(r.sink_error for r in run.cut_reports), "the cut write went unnoticed"
    expected = rig.events(reference.calendar)
    assert expected, "the scenario writes something"
    got = rig.events(run.calendar)
    assert len({e[0] for e in got}) == len(got), f"an event was doubled: {got}"
    assert got == expected, (got, expected)
    assert records(faulty) == records(clean), (records(faulty), records(clean))
    if then == "satisfied":
        assert not [e for e in got if e[2].startswith("Reply")], f"a reminder stayed: {got}"
