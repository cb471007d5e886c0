"""The stored, incrementally kept ledger (``compute_from_store``) must say exactly what one
derivation over all stored mail says (``compute``), however the mail arrived: in any order,
in any batches, with cycles in between, with soft senders flipped by a later message, future
dates passing, meetings ending, and the config changing."""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncd import config as config_mod
from syncd import incremental
from syncd.config import Config
from syncd.errors import StoreError
from syncd.ledger import PersonLedger
from syncd.model import Address, Attendee, Meeting, Message, Page
from syncd.pipeline import Snapshot, compute, compute_from_store, directory_for
from syncd.store import Store

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ME = Address("dana@example.org", "Dana")
PEOPLE = [Address("ann@acme.example", "Ann"), Address("bo@acme.example", "Bo Li"),
          Address("info@smallshop.example", "Cy"), Address("dee@gmail.com", "Dee"),
          Address("d.ee+x@googlemail.com", "'Dee D'"), Address("eve@other.example", "")]
SUBJECTS = ["Lunch", "Re: Lunch", "Intro: Ann <> Bo", "Quick question", "Re: Quick question",
            "", "Connecting you two", "Report"]


def _config(extra: dict[str, Any] | None = None) -> Config:
    raw: dict[str, Any] = {
        "me": {"addresses": [ME.email], "timezone": "Europe/Berlin"},
        "cadences": [{"name": "all", "every": "30d"}],
        "goals": {"introductions_per_week": 2},
        "new_contacts": {"steps": ["3d", "14d"]},
    }
    raw.update(extra or {})
    return config_mod.from_dict(raw)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Message], list[Meeting], list[int]]:
    count = draw(st.integers(1, 18))
    messages: list[Message] = []
    for n in range(count):
        outbound = draw(st.booleans())
        other = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True))
        sender = ME if outbound else other[0]
        named = other if outbound else [ME, *other[1:]]
        in_cc = draw(st.lists(st.booleans(), min_size=len(named), max_size=len(named)))
        to = tuple(a for a, cc in zip(named, in_cc, strict=True) if not cc)
        cc = tuple(a for a, cc in zip(named, in_cc, strict=True) if cc)
        parent = draw(st.none() | st.integers(max(0, n - 4), n - 1)) if n else None
        messages.append(Message(
            "mail", f"INBOX/1/{n}", f"m{n}@x.example",
            T0 + timedelta(hours=draw(st.integers(0, 24 * 12))), sender, to, cc,
            subject=draw(st.sampled_from(SUBJECTS)),
            in_reply_to=None if parent is None else f"m{parent}@x.example",
            headers=(("precedence", "bulk"),) if draw(st.integers(0, 5)) == 0 else (),
            labels=("\\Sent",) if outbound else ()))
    meetings = [Meeting("cal", f"ev{n}", f"uid{n}", start, start + timedelta(hours=1),
                        organizer=Attendee(ME.email, "Dana", "ACCEPTED"),
                        attendees=(Attendee(ME.email, "Dana", "ACCEPTED"),
                                   Attendee(who.email, who.name, "ACCEPTED")))
                for n, (start, who) in enumerate(draw(st.lists(st.tuples(
                    st.sampled_from([T0 - timedelta(days=3), T0 + timedelta(days=2)]),
                    st.sampled_from(PEOPLE)), max_size=3)))]
    order = draw(st.permutations(range(count)))
    return messages, meetings, list(order)


def _ledger(led: PersonLedger) -> dict[str, Any]:
    """Everything a stored ledger keeps (the history is read back only where needed)."""
    return {f.name: getattr(led, f.name) for f in fields(led) if f.name != "history"}


def _same(fast: Snapshot, full: Snapshot) -> None:
    assert {p: _ledger(v) for p, v in fast.ledgers.items()} == {
        p: _ledger(v) for p, v in full.ledgers.items()}
    assert fast.candidates == full.candidates
    assert fast.rules == full.rules
    for person in full.ledgers:
        assert fast.directory.name(person) == full.directory.name(person)
        assert fast.directory.addresses(person) == full.directory.addresses(person)


def _full(config: Config, store: Store, now: datetime) -> Snapshot:
    return compute(config, list(store.messages()), list(store.meetings()), now,
                   logged=store.logged.all())


# (person id, hours after T0, via, answered, undone later): touches the user logs
LOGGED = st.lists(st.tuples(
    st.sampled_from(["ann@acme.example", "dee@gmail.com", "new@elsewhere.example"]),
    st.integers(-48, 24 * 14), st.sampled_from(["call", "meeting", "message", "other"]),
    st.booleans(), st.booleans()), max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(1, 4), st.integers(0, 3), LOGGED)
def test_the_stored_ledger_matches_one_pass_over_everything(
        history: tuple[list[Message], list[Meeting], list[int]], batches: int, cycles: int,
        logged: list[tuple[str, int, str, bool, bool]]) -> None:
    messages, meetings, order = history
    config = _config()
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("cal", Page(tuple(meetings), "c", scope="cal"))
        now = T0
        size = max(1, len(order) // batches)
        for n, start in enumerate(range(0, len(order), size)):
            page = tuple(messages[i] for i in order[start:start + size])
            store.ingest("mail", Page(page, str(start)))
            if n < len(logged):  # logged between cycles, some undone a cycle later
                person, hours, via, answered, _undo = logged[n]
                store.logged.add(person, T0 + timedelta(hours=hours), via=via, note=via,
                                 answered=answered or via in ("call", "meeting"))
            if n and n - 1 < len(logged) and logged[n - 1][4]:
                store.logged.remove(n)  # ids count from 1
            for _ in range(cycles):
                now += timedelta(days=1)
                compute_from_store(config, store, now)
        now += timedelta(days=1)
        _same(compute_from_store(config, store, now), _full(config, store, now))


def test_a_later_message_to_a_role_address_flips_its_earlier_mail() -> None:
    shop = PEOPLE[2]  # info@: a soft signal until the user writes to it
    first = Message("mail", "INBOX/1/1", "a@x.example", T0, shop, (ME,), subject="Your quote")
    answer = Message("mail", "Sent/1/1", "b@x.example", T0 + timedelta(days=5), ME, (shop,),
                     subject="Re: Your quote", in_reply_to="a@x.example", labels=("\\Sent",))
    config = _config()
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page((first,), "1"))
        before = compute_from_store(config, store, T0 + timedelta(days=1))
        assert "info@smallshop.example" not in before.ledgers
        store.ingest("mail", Page((answer,), "2"))
        after = compute_from_store(config, store, T0 + timedelta(days=6))
        led = after.ledgers["info@smallshop.example"]
        assert (led.messages_in, led.messages_out, led.replies_by_me) == (1, 1, 1)
        _same(after, _full(config, store, T0 + timedelta(days=6)))


def test_a_config_change_rederives_everything() -> None:
    mail = [Message("mail", "INBOX/1/1", "a@x.example", T0, PEOPLE[0], (ME,), subject="Hi"),
            Message("mail", "INBOX/1/2", "b@x.example", T0, PEOPLE[1], (ME,), subject="Yo")]
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(mail), "1"))
        now = T0 + timedelta(days=1)
        assert set(compute_from_store(_config(), store, now).ledgers) == {
            "ann@acme.example", "bo@acme.example"}
        ignoring = _config({"ignore": {"domains": ["acme.example"]}})
        assert compute_from_store(ignoring, store, now).ledgers == {}
        merged = _config({"people": [{"name": "Ann and Bo", "addresses": [
            "ann@acme.example", "bo@acme.example"]}]})
        snap = compute_from_store(merged, store, now)
        assert list(snap.ledgers) == ["ann@acme.example"]
        renamed = _config({"people": [{"name": "A & B", "tags": ["vip"], "addresses": [
            "ann@acme.example", "bo@acme.example"]}]})  # who is who is unchanged
        directory = directory_for(renamed)
        assert not incremental.refresh(renamed, directory, store, now).full
        assert compute_from_store(renamed, store, now).directory.name("ann@acme.example") == \
            "A & B"
        assert snap.ledgers["ann@acme.example"].messages_in == 2
        _same(snap, _full(merged, store, now))


def test_nothing_new_rederives_nothing() -> None:
    mail = [Message("mail", "INBOX/1/1", "a@x.example", T0, PEOPLE[0], (ME,), subject="Hi")]
    config = _config()
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(mail), "1"))
        now = T0 + timedelta(days=1)
        directory = directory_for(config)
        first = incremental.refresh(config, directory, store, now)
        assert (first.classified, first.rederived, first.full) == (1, 1, True)
        again = incremental.refresh(config, directory, store, now)
        assert (again.classified, again.rederived, again.full) == (0, 0, False)
        store.ingest("mail", Page(tuple(mail), "1"))  # the same message again
        assert incremental.refresh(config, directory, store, now).rederived == 0


def test_a_busy_store_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    mail = [Message("mail", "INBOX/1/1", "a@x.example", T0, PEOPLE[0], (ME,), subject="Hi")]
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as store:
        store.ingest("mail", Page(tuple(mail), "1"))
        other = sqlite3.connect(path)
        other.execute("BEGIN IMMEDIATE")  # another syncd in the middle of a write
        store.derived._db.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(StoreError, match="the store is busy"):
            compute_from_store(_config(), store, T0 + timedelta(days=1))
        other.rollback()
        other.close()
        snap = compute_from_store(_config(), store, T0 + timedelta(days=1))
        assert snap.ledgers["ann@acme.example"].messages_in == 1


def test_new_mail_in_a_long_running_subject_rethreads_forward_only() -> None:
    """Years of "Weekly report" mail: a new one re-threads itself, not the whole subject."""
    reports = [Message("mail", f"INBOX/1/{n}", f"r{n}@x.example", T0 + timedelta(days=7 * n),
                       PEOPLE[0], (ME,), subject="Weekly report") for n in range(60)]
    config = _config()
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(reports[:-1]), "1"))
        now = T0 + timedelta(days=7 * 60)
        directory = directory_for(config)
        assert incremental.refresh(config, directory, store, now).rederived == 59
        store.ingest("mail", Page(reports[-1:], "2"))
        assert incremental.refresh(config, directory, store, now).rederived == 1
        _same(compute_from_store(config, store, now), _full(config, store, now))
