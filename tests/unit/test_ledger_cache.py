"""The per-person ledger cache (``syncd.store.ledger_cache``) is never the truth: after any
sequence of incremental steps, at any ``now`` (asks and owed replies falling due, the two-year
window moving), the cached ledgers equal one derivation over everything (``syncd.ledger.build``)
and a rebuild of the cache from scratch; every change to a person's touches marks them dirty in
the same transaction, and a changed time zone rebuilds it."""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from syncd import incremental
from syncd.config import Config
from syncd.ledger import PersonLedger
from syncd.model import Address, Meeting, Message, Page
from syncd.pipeline import compute_from_store, directory_for
from syncd.recent import DayFinder, local_days
from syncd.store import Store
from syncd.store.ledger_parts import PART_OF
from tests.unit.test_incremental import (
    LOGGED,
    ME,
    PEOPLE,
    T0,
    _config,
    _full,
    _ledger,
    _same,
    histories,
)

ANN = PEOPLE[0]
ZONES = ["Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "UTC"]


def _rebuilt(config: Config, store: Store, now: datetime) -> dict[str, PersonLedger]:
    """The ledgers from a cache dropped and rebuilt from every touch."""
    db = store.derived._db
    with db:
        db.execute("DELETE FROM meta WHERE key = 'ledger_cache'")
    return compute_from_store(config, store, now).ledgers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(1, 4), LOGGED,
       st.lists(st.integers(1, 24 * 900), min_size=1, max_size=4), st.sampled_from(ZONES),
       st.sampled_from([1, 15, 90]))
def test_the_cached_ledgers_equal_a_full_recomputation_after_every_step(
        history: tuple[list[Message], list[Meeting], list[int]], batches: int,
        logged: list[tuple[str, int, str, bool, bool]], steps: list[int], zone: str,
        stretch: int) -> None:
    """``stretch``: twelve days of mail spread over up to three years, so a person's touches
    fall in several of the cache's parts (a quarter each)."""
    messages, meetings, order = history
    messages = [replace(m, date=T0 + (m.date - T0) * stretch) for m in messages]
    config = _config({"me": {"addresses": ["dana@example.org"], "timezone": zone}})
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("cal", Page(tuple(meetings), "c", scope="cal"))
        now = T0 - timedelta(days=1)
        size = max(1, len(order) // batches)
        for n, start in enumerate(range(0, len(order), size)):
            store.ingest("mail", Page(tuple(messages[i] for i in order[start:start + size]),
                                      str(start)))
            if n < len(logged):
                person, hours, via, answered, undo = logged[n]
                store.logged.add(person, T0 + timedelta(hours=hours), via=via, note=via,
                                 answered=answered)
                if undo and n % 2:
                    store.logged.remove(n + 1)
            for hours in steps:  # hours to years: overdue asks, the window moving on
                now += timedelta(hours=hours)
                cached = compute_from_store(config, store, now)
                _same(cached, _full(config, store, now))
                assert {p: _ledger(v) for p, v in cached.ledgers.items()} == {
                    p: _ledger(v) for p, v in _rebuilt(config, store, now).items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), LOGGED, st.sampled_from(ZONES), st.sampled_from([1, 30, 90]))
def test_a_rebuild_writes_what_recomputing_every_part_writes(
        history: tuple[list[Message], list[Meeting], list[int]],
        logged: list[tuple[str, int, str, bool, bool]], zone: str, stretch: int) -> None:
    """A rebuild (one pass over every touch) and the recomputation of parts marked dirty (their
    touches read part by part) write the same rows, byte for byte."""
    messages, meetings, _ = history
    messages = [replace(m, date=T0 + (m.date - T0) * stretch) for m in messages]
    config = _config({"me": {"addresses": ["dana@example.org"], "timezone": zone}})
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("cal", Page(tuple(meetings), "c", scope="cal"))
        store.ingest("mail", Page(tuple(messages), "1"))
        for person, hours, via, answered, _ in logged:
            store.logged.add(person, T0 + timedelta(hours=hours * stretch), via=via, note=via,
                             answered=answered)
        compute_from_store(config, store, T0)  # (a first derivation: a rebuild)
        db = store.derived._db

        def rows() -> list[tuple[object, ...]]:
            return [*db.execute("SELECT * FROM ledger_parts ORDER BY person, part"),
                    *db.execute("SELECT * FROM ledger_cache ORDER BY person")]

        rebuilt = rows()
        with db:
            db.execute(f"INSERT INTO ledger_dirty SELECT DISTINCT person, {PART_OF} "
                       "FROM touches")
            store.derived.touches.refresh_ledgers(ZoneInfo(zone))
        assert rows() == rebuilt


def test_every_change_to_a_touch_marks_its_person_dirty_in_the_same_statement() -> None:
    mail = [Message("mail", "INBOX/1/1", "a@x.example", T0, ANN, (ME,))]
    config = _config()
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(mail), "1"))
        compute_from_store(config, store, T0 + timedelta(days=1))
        db = store.derived._db

        def dirty() -> set[str]:
            return {r[0] for r in db.execute("SELECT person FROM ledger_dirty")}

        assert dirty() == set()
        with pytest.raises(sqlite3.IntegrityError), db:  # a failed write marks nothing
            db.execute("UPDATE touches SET person = 'x@y.example'")
            db.execute("INSERT INTO touches (ref) VALUES ('broken')")
        assert dirty() == set()
        with db:
            db.execute("UPDATE touches SET person = 'x@y.example'")
        assert dirty() == {"ann@acme.example", "x@y.example"}
        assert set(compute_from_store(config, store, T0 + timedelta(days=1)).ledgers) == {
            "x@y.example"}  # the cache follows the touches, however they changed
        with db:
            db.execute("DELETE FROM touches")
        assert dirty() == {"x@y.example"}
        assert db.execute("SELECT count(*) FROM ledger_cache").fetchone()[0] == 1
        store.derived.touches.refresh_ledgers(UTC)
        led = store.derived.touches.ledgers(T0 + timedelta(days=1), nudge_after=timedelta(days=5),
                                            owed_reply_after=timedelta(days=2))
        assert led == {}  # the person without touches is gone from the cache too
        assert db.execute("SELECT count(*) FROM ledger_cache").fetchone()[0] == 0


def test_a_new_time_zone_rebuilds_the_cache() -> None:
    mail = [Message("mail", f"INBOX/1/{n}", f"a{n}@x.example",
                    T0 + timedelta(days=7 * n, hours=22, minutes=30), ANN, (ME,))
            for n in range(10)]
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(mail), "1"))
        now = T0 + timedelta(days=80)
        for zone in ("UTC", "Asia/Tokyo", "UTC"):
            config = _config({"me": {"addresses": ["dana@example.org"], "timezone": zone}})
            cached = compute_from_store(config, store, now)
            _same(cached, _full(config, store, now))
            day = datetime.fromtimestamp(cached.ledgers["ann@acme.example"].recent.times[0],
                                         ZoneInfo(zone)).date()
            assert cached.ledgers["ann@acme.example"].recent.dates()[0] == day


@given(st.lists(st.floats(-2e9, 4e9), max_size=60), st.sampled_from(
    [*ZONES, "Australia/Lord_Howe", "Pacific/Apia", "America/Havana"]))
def test_local_days_are_the_days_each_time_falls_on(times: list[float], zone: str) -> None:
    tz = ZoneInfo(zone)
    times.sort()
    assert list(local_days(times, tz)) == [
        datetime.fromtimestamp(ts, tz).date().toordinal() for ts in times]


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(-20_000, 40_000), st.floats(-2 * 86_400, 2 * 86_400)),
                min_size=1, max_size=40),
       st.sampled_from([*ZONES, "Australia/Lord_Howe", "Pacific/Apia", "America/Havana",
                        "America/Santiago", "Asia/Kathmandu", "Europe/Dublin"]))
@example([(15_337, h * 3_600.0) for h in range(0, 72, 5)], "Pacific/Apia")  # 2011-12-30 skipped
@example([(-19_583, m * 600.0) for m in range(-12, 150)], "Europe/Dublin")  # 1916-05-21: two
# local midnights in one UTC day (Dublin Mean Time, -0:25:21, to summer time)
def test_a_shared_day_finder_gives_each_time_its_day(near: list[tuple[int, float]],
                                                     zone: str) -> None:
    """Times near local midnights (days from 1915 to 2079, up to two days either side), in
    no order, read in two histories through one finder."""
    tz = ZoneInfo(zone)
    times = [datetime.combine(date.fromordinal(719_163 + day), time(), tz).timestamp() + offset
             for day, offset in near]
    finder = DayFinder(tz)
    half = len(times) // 2
    found = [*finder.days(times[:half]), *finder.days(times[half:])]
    assert found == [datetime.fromtimestamp(ts, tz).date().toordinal() for ts in times]


def test_the_newest_overdue_ask_is_found_behind_a_newer_ask_not_yet_due() -> None:
    asks = [Message("mail", f"Sent/1/{n}", f"q{n}@x.example", T0 + timedelta(days=10 * n), ME,
                    (ANN,), subject=f"Quick question {n}", labels=("\\Sent",))
            for n in range(3)]
    config = _config()
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(asks), "1"))
        for days in (1, 21, 35, 60):  # none, one, two overdue: the newest each time
            now = T0 + timedelta(days=days)
            cached = compute_from_store(config, store, now)
            _same(cached, _full(config, store, now))
        led = compute_from_store(config, store, T0 + timedelta(days=21)).ledgers["ann@acme.example"]
        assert led.last_ask is not None and led.last_ask.ref == "q2@x.example"
        assert led.due_ask is not None and led.due_ask.ref == "q1@x.example"


def test_rethreading_without_a_change_marks_nobody_dirty() -> None:
    """A closure re-threaded to the same touches writes none of them again (``rewrite``), so
    only the parts whose touches changed are recomputed; the ledgers are those of one pass."""
    ann, bo = PEOPLE[0], PEOPLE[1]

    def msg(n: int, sender: Address, to: Address, days: float, subject: str,
            reply: str | None = None) -> Message:
        return Message("mail", f"INBOX/1/{n}", f"m{n}@x.example", T0 + timedelta(days=days),
                       sender, (to,), subject=subject, in_reply_to=reply,
                       references=(reply,) if reply else ())

    first = [msg(1, ME, ann, 100, "Budget"), msg(2, ann, ME, 101, "Re: Budget", "m1@x.example"),
             msg(3, ME, ann, 300, "Budget")]  # Ann's threads, in two quarters
    # a message found late, before Ann's threads with their subject: the later messages of the
    # subject are threaded again, to the same threads (Bo shares no thread with Ann)
    late = msg(4, bo, ME, 50, "Budget")
    config = _config()
    now = T0 + timedelta(days=400)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(first), "1"))
        compute_from_store(config, store, now)
        db = store.derived._db
        before = sorted(db.execute("SELECT rowid, * FROM touches WHERE person = ?", (ann.email,)))
        store.ingest("mail", Page((late,), "2"))
        refreshed = incremental.refresh(config, directory_for(config), store, now)
        assert refreshed.rederived == 4  # Ann's three messages were threaded again
        assert {r[0] for r in db.execute("SELECT person FROM ledger_dirty")} == {bo.email}
        assert sorted(db.execute("SELECT rowid, * FROM touches WHERE person = ?",
                                 (ann.email,))) == before  # not even rewritten
        _same(compute_from_store(config, store, now), _full(config, store, now))
