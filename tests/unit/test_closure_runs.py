"""A first derivation threads each run of a subject apart (``syncd.store.closure``): the
results are those of one pass over everything, whatever the silences between the runs.

Messages come in bursts days or months apart (some just inside the subject window of 30 days,
some just outside it), share subjects across bursts, and reply across them now and then.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.threads import SUBJECT_WINDOW
from syncd.incremental import _GAP
from syncd.model import Message, Page
from syncd.pipeline import compute_from_store
from syncd.store import Store
from syncd.store.closure import Runs
from tests.unit.test_incremental import ME, PEOPLE, SUBJECTS, T0, _config, _full, _same

# Days from T0 at which a burst may start: 30 days and a second apart is one run or two.
BURSTS = [0.0, 10.0, SUBJECT_WINDOW.days + 0.5, 60.0, 90.0, 200.0]


@st.composite
def bursty(draw: st.DrawFn) -> list[Message]:
    messages: list[Message] = []
    at = T0
    for n in range(draw(st.integers(2, 16))):
        if n == 0 or draw(st.integers(0, 3)) == 0:
            at = T0 + timedelta(days=draw(st.sampled_from(BURSTS)))
        at += draw(st.sampled_from([timedelta(0), timedelta(hours=3), SUBJECT_WINDOW,
                                    SUBJECT_WINDOW + timedelta(seconds=2)]))
        outbound = draw(st.booleans())
        other = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2, unique=True))
        parent = draw(st.none() | st.integers(0, n - 1)) if n else None
        messages.append(Message(
            "mail", f"INBOX/1/{n}", f"m{n}@x.example", at, ME if outbound else other[0],
            tuple(other) if outbound else (ME, *other[1:]),
            subject=draw(st.sampled_from(SUBJECTS)),
            in_reply_to=None if parent is None else f"m{parent}@x.example",
            labels=("\\Sent",) if outbound else ()))
    return messages


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bursty())
def test_a_first_derivation_by_runs_is_one_pass_over_everything(messages: list[Message]
                                                                ) -> None:
    config = _config()
    now = max(m.date for m in messages) + timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(messages), "c"))
        _same(compute_from_store(config, store, now), _full(config, store, now))


def test_a_subject_silent_longer_than_its_window_is_two_runs() -> None:
    ann = PEOPLE[0]
    times = [T0, T0 + timedelta(days=3), T0 + timedelta(days=3) + SUBJECT_WINDOW,
             T0 + timedelta(days=90)]
    mail = tuple(Message("mail", f"INBOX/1/{n}", f"r{n}@x.example", at, ann, (ME,),
                         subject="Re: lunch") for n, at in enumerate(times))
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(mail, "c"))
        compute_from_store(_config(), store, T0 + timedelta(days=100))
        tables = store.derived
        runs = Runs(_GAP)
        assert tables.closure(["r0@x.example"], forward=False, runs=runs)[0] == {
            "r0@x.example", "r1@x.example", "r2@x.example"}  # 30 days apart: still one run
        assert tables.closure(["r3@x.example"], forward=False, runs=runs)[0] == {
            "r3@x.example"}
        assert len(tables.closure(["r3@x.example"], forward=False)[0]) == 4  # without runs
        threads = {m: tables.thread_of(m) for m in ("r0@x.example", "r2@x.example",
                                                   "r3@x.example")}
        assert threads["r0@x.example"] == threads["r2@x.example"] != threads["r3@x.example"]
