"""`syncd touch`: touches the user logs, in the ledger (pure and stored), surviving every
resync and rebuild, and through the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from syncd.commands.cli import main
from syncd.commands.touch import parse_when
from syncd.errors import SyncdError
from syncd.model import Address, LoggedTouch, Message, Page
from syncd.pipeline import compute, compute_from_store
from syncd.store import Store
from tests.factories import ME, NOW, config, mail

BERLIN = ZoneInfo("Europe/Berlin")
JANE = "jane@acme.example"


def logged(days_ago: float, via: str = "other", *, answered: bool = False, note: str = "",
           person: str = JANE, n: int = 1) -> LoggedTouch:
    return LoggedTouch(n, person, NOW - timedelta(days=days_ago), via, note,
                       answered or via in ("call", "meeting"))


def kinds(msgs: list[Message], touches: list[LoggedTouch], **cfg: object) -> dict[str, Any]:
    snap = compute(config(**cfg), msgs, [], NOW, logged=touches)
    return {c.kind: c for c in snap.candidates.values() if c.person == JANE}


# -- --at ------------------------------------------------------------------------------------

def test_at_takes_iso_dates_and_times_in_the_users_zone() -> None:
    now = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 in Berlin, the day after the change
    assert parse_when("2026-03-28", now, BERLIN) == datetime(2026, 3, 28, 12, tzinfo=BERLIN)
    assert parse_when("2026-03-29 09:30", now, BERLIN).utcoffset() == timedelta(hours=2)
    assert parse_when("2026-03-28T09:30", now, BERLIN) == datetime(2026, 3, 28, 8, 30,
                                                                   tzinfo=UTC)
    assert parse_when("2026-03-30T07:00+00:00", now, BERLIN) == datetime(2026, 3, 30, 7,
                                                                         tzinfo=UTC)
    assert parse_when("yesterday", now, BERLIN) == datetime(2026, 3, 29, 12, tzinfo=BERLIN)
    assert parse_when("today", now, BERLIN) == now
    assert parse_when("2026-03-30", now, BERLIN) == now  # today, before noon: not the future


@pytest.mark.parametrize("text", ["2026-03-31", "2026-03-30 11:00", "tomorrow", "30.03.2026"])
def test_at_refuses_the_future_and_nonsense_with_a_hint(text: str) -> None:
    now = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    with pytest.raises(SyncdError, match=r"future|ISO date"):
        parse_when(text, now, BERLIN)


# -- what a logged touch means -----------------------------------------------------------------

def test_a_logged_touch_restarts_the_cadence_and_shows_as_the_last_touch() -> None:
    msgs = [mail(ME, JANE, days_ago=100, mid="a", subject="Hi"),
            mail(JANE, ME, days_ago=99, mid="b", subject="Re: Hi", reply_to="a")]
    every = {"cadences": [{"name": "all", "every": "30d"}]}
    assert kinds(msgs, [], **every)["cadence"].due == NOW - timedelta(days=69)
    found = kinds(msgs, [logged(2, "call", note="coffee")], **every)
    assert found["cadence"].due == NOW + timedelta(days=28)
    snap = compute(config(**every), msgs, [], NOW, logged=[logged(2, "call", note="coffee")])
    led = snap.ledgers[JANE]
    assert (led.logged, led.conversations, led.messages_in, led.messages_out) == (1, 1, 1, 1)
    from syncd.render import last_touch_line
    assert last_touch_line(led, True) == f'{(NOW - timedelta(days=2)).date()}, call (logged) ' \
        '"coffee"'


@pytest.mark.parametrize(("touch", "ends"), [
    (logged(1, "message"), False),  # you wrote elsewhere: still no answer
    (logged(1, "other"), False),
    (logged(1, "message", answered=True), True),
    (logged(1, "call"), True),  # a call is a conversation
    (logged(1, "meeting"), True),
])
def test_an_open_ask_ends_only_when_they_answered(touch: LoggedTouch, ends: bool) -> None:
    ask = [mail(ME, JANE, days_ago=7, subject="Can you review?", mid="a1")]
    assert "nudge" in kinds(ask, [])
    assert ("nudge" not in kinds(ask, [touch])) is ends


def test_any_logged_touch_after_their_message_ends_an_owed_reply_and_a_thank_you() -> None:
    theirs = [mail(ME, JANE, days_ago=40, subject="Hello", mid="h0"),  # no stranger: owed
              mail(JANE, ME, days_ago=5, subject="Question", mid="q1")]
    assert "owed_reply" in kinds(theirs, [])
    assert "owed_reply" not in kinds(theirs, [logged(1, "other")])
    assert "owed_reply" in kinds(theirs, [logged(6, "call")])  # before it: still owed
    helped = [mail(ME, JANE, days_ago=9, subject="Intro?", mid="t1"),
              mail(JANE, ME, days_ago=8, subject="Re: Intro?", mid="t2", reply_to="t1")]
    assert "thank" in kinds(helped, [])
    assert "thank" not in kinds(helped, [logged(1, "message")])


def test_a_logged_touch_advances_a_new_contact_sequence() -> None:
    first = [mail(ME, JANE, days_ago=10, mid="n1", subject="Nice to meet you"),
             mail(JANE, ME, days_ago=9, mid="n2", subject="Re: Nice to meet you",
                  reply_to="n1")]
    cfg = {"new_contacts": {"steps": ["3d", "14d", "60d"]}}
    assert "step 1 of 3" in kinds(first, [], **cfg)["new_contact"].reason
    assert "step 2 of 3" in kinds(first, [logged(2, "message")], **cfg)["new_contact"].reason


# -- the store keeps them ----------------------------------------------------------------------

def test_logged_touches_survive_a_full_resync_an_expired_cursor_and_a_rebuild(
        tmp_path: Path) -> None:
    cfg = config()
    msg = mail(JANE, ME, days_ago=20, mid="x1")
    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("mail", Page((msg,), "c1"))
        store.logged.add(JANE, NOW - timedelta(days=1), via="call", note="lunch", answered=True)
        store.logged.add("new@else.example", NOW - timedelta(days=2), via="meeting", note="",
                         answered=True)
        assert compute_from_store(cfg, store, NOW).ledgers[JANE].logged == 1
        store.forget_cursor("mail")  # CursorExpired: the cursor goes, a full listing follows
        store.ingest("mail", Page((), "c2", scope="", listing="L1", listing_complete=True))
        store.derived.reset()  # the derived tables rebuilt from scratch
        snap = compute_from_store(cfg, store, NOW)
        assert snap.ledgers[JANE].logged == 1 and snap.ledgers[JANE].conversations == 1
        assert snap.ledgers["new@else.example"].last_touch == NOW - timedelta(days=2)
        assert [t.note for t in store.logged.all()] == ["", "lunch"]  # oldest first
        full = compute(cfg, list(store.messages()), [], NOW, logged=store.logged.all())
        assert full.ledgers[JANE].last_touch == snap.ledgers[JANE].last_touch


# -- the command line --------------------------------------------------------------------------

@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SYNCD_NOW", NOW.isoformat())
    monkeypatch.setenv("COLUMNS", "200")  # the ledger table on one line per row
    store = tmp_path / "store.sqlite3"
    ask = mail(ME, JANE, days_ago=9, mid="k1", subject="Coffee?")
    with Store.open(store) as s:
        s.ingest("mail", Page((ask, Message(
            "mail", "INBOX/9", "k2", NOW - timedelta(days=8), Address(JANE, "Jane Roe"),
            (Address(ME),), subject="Re: Coffee?", in_reply_to="k1")), "1"))
    path = tmp_path / "syncd.toml"
    path.write_text(f'[me]\naddresses = ["{ME}"]\ntimezone = "Europe/Berlin"\n'
                    f'[store]\npath = "{store}"\n'
                    '[[people]]\nname = "Omar Haddad"\naddresses = ["omar@haddad.example"]\n',
                    encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], path: Path, *args: str, code: int = 0) -> Any:
    assert main(["--config", str(path), *args]) == code
    captured = capsys.readouterr()
    if code:
        return captured.err
    return json.loads(captured.out) if "--json" in args else captured.out


def test_touch_list_ledger_and_undo_through_the_command_line(
        cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = run(capsys, cli, "touch", "Jane", "--via", "call", "--at", "yesterday",
               "--note", "talked about the offsite", "--json")
    assert (made["id"], made["person"], made["person_id"], made["via"], made["answered"]) == (
        1, "Jane Roe", JANE, "call", True)
    assert made["at"] == "2026-11-19T12:00:00+01:00"
    text = run(capsys, cli, "touch", "Omar Haddad")  # configured, never mailed: found by name
    assert "logged touch 2: other with Omar Haddad <omar@haddad.example>" in text
    assert "syncd touch --undo 2" in text
    assert [r["id"] for r in run(capsys, cli, "touch", "--list", "--json")] == [1, 2]
    ledger = run(capsys, cli, "ledger", JANE, "--json")
    assert ledger["logged"] == 1 and ledger["last_touch"] == "2026-11-19T12:00:00+01:00"
    [touch] = [i for i in ledger["interactions"] if i["direction"] == "logged"]
    assert (touch["touch"], touch["via"], touch["note"], touch["answered"]) == (
        1, "call", "talked about the offsite", True)
    why = run(capsys, cli, "why", JANE, "--json")
    [counted] = [c for c in why["counted"] if c["kind"] == "logged"]
    assert counted["why"] == "a touch you logged (`syncd touch`): a touch; they answered: an " \
        "exchange"
    shown = run(capsys, cli, "ledger", JANE)
    assert "logged call" in shown and "talked about the offsite" in shown
    run(capsys, cli, "touch", "--undo", "1")
    assert run(capsys, cli, "ledger", JANE, "--json")["logged"] == 0
    assert "no logged touch 1" in run(capsys, cli, "touch", "--undo", "1", code=1)


def test_an_unknown_name_is_an_error_with_a_hint_an_address_starts_a_person(
        cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = run(capsys, cli, "touch", "Nobody Known", code=1)
    assert "no contact matches 'Nobody Known'" in err and "give their address" in err
    run(capsys, cli, "touch", "Lena@Startup.example", "--via", "meeting")
    contacts = {c["id"]: c for c in run(capsys, cli, "contacts", "--json")}
    assert contacts["lena@startup.example"]["logged"] == 1
    assert "in the future" in run(capsys, cli, "touch", JANE, "--at", "2027-01-01", code=1)
    assert "your own addresses" in run(capsys, cli, "touch", ME, code=1)
    assert run(capsys, cli, "touch", "--list", "--json")[0]["person_id"] == \
        "lena@startup.example"
