"""Address books say who is who: one person per entry with all its addresses, named by it,
tagged with its groups; ``[[people]]`` wins; the store keeps entries by page + cursor; a
change of who is who re-derives the ledgers, a new name does not."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rules.people import Directory, PersonSpec
from syncd import config as config_mod
from syncd import incremental
from syncd.commands.cli import main
from syncd.config import Config
from syncd.model import Address, Birthday, Contact, Message, Page
from syncd.pipeline import compute, compute_from_store, directory_for
from syncd.store import Store

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)
ME = Address("dana@example.org", "Dana")
JANE = Contact("book", "/dana/contacts/jane.vcf", "Jane Roe",
               ("jane@acme.example", "J.Roe@gmail.com"), ("inner-circle",), (3, 15, None))


def _config(extra: dict[str, Any] | None = None) -> Config:
    raw: dict[str, Any] = {"me": {"addresses": [ME.email], "timezone": "UTC"},
                           "cadences": [{"name": "inner", "tags": ["inner-circle"],
                                         "every": "14d"},
                                        {"name": "all", "every": "90d"}]}
    raw.update(extra or {})
    return config_mod.from_dict(raw)


def _mail() -> list[Message]:
    return [Message("mail", "INBOX/1", "a@x", T0, Address("jane@acme.example", "jane"), (ME,),
                    subject="Hello"),
            Message("mail", "Sent/2", "b@x", T0 + timedelta(hours=2), ME,
                    (Address("jroe@gmail.com", "jroe@gmail.com"),), subject="Re: Hello",
                    in_reply_to="a@x", labels=("\\Sent",))]


def test_an_entry_with_several_addresses_is_one_person_named_by_it() -> None:
    d = Directory.build([ME.email], [], book=[JANE])
    assert d.person_id("jroe@gmail.com") == d.person_id("JANE@acme.example") == \
        "jane@acme.example"
    assert d.name("jane@acme.example") == "Jane Roe"
    assert d.tags("jane@acme.example") == ("inner-circle",)
    assert d.sources("jane@acme.example") == ("book",)
    assert d.birthday("jane@acme.example") == (3, 15, None)
    assert d.addresses("jane@acme.example")[:2] == ("jane@acme.example", "J.Roe@gmail.com")


def test_entries_sharing_an_address_are_one_person_across_books() -> None:
    other = Contact("google", "people/c1", "J. Roe", ("jroe@gmail.com", "jane@home.example"),
                    ("friends",), (3, 15, 1980))
    d = Directory.build([ME.email], [], book=[other, JANE])
    pid = d.person_id("jane@home.example")
    assert pid == d.person_id("jane@acme.example")
    assert d.sources(pid) == ("book", "google")
    assert set(d.tags(pid)) == {"inner-circle", "friends"}
    assert d.birthday(pid) == (3, 15, 1980)  # a known year wins over a year-less one


def test_configured_people_win_over_the_address_book() -> None:
    spec = PersonSpec("Jane (work)", ("jroe@gmail.com",), ("vip",))
    d = Directory.build([ME.email], [spec], book=[JANE])
    assert d.person_id("jane@acme.example") == "jroe@gmail.com"
    assert d.name("jroe@gmail.com") == "Jane (work)"
    assert d.tags("jroe@gmail.com") == ("vip", "inner-circle")
    assert d.sources("jroe@gmail.com") == ("config", "book")


def test_own_addresses_and_entries_without_address_stay_out() -> None:
    me = Contact("book", "me.vcf", "Dana", (ME.email, "dana@home.example"))
    nobody = Contact("book", "x.vcf", "No Mail", ())
    d = Directory.build([ME.email], [], book=[me, nobody])
    assert d.is_self(ME.email) and d.person_id(ME.email) == ME.email
    assert d.person_id("dana@home.example") == "dana@home.example"


def test_an_entry_without_a_name_falls_back_to_the_name_seen() -> None:
    d = Directory.build([ME.email], [], book=[Contact("book", "x", "", ("bo@acme.example",))])
    d.note("bo@acme.example", "bo@acme.example", "Bo Li")
    assert d.name("bo@acme.example") == "Bo Li"


def test_address_book_birthdays_print_as_vcard_writes_them() -> None:
    assert Birthday(3, 15, None).isoformat() == "--03-15"
    assert Birthday(12, 1, 1980).isoformat() == "1980-12-01"


def test_the_store_keeps_entries_by_page_removal_and_listing(tmp_path: Path) -> None:
    bo = Contact("book", "/b/bo.vcf", "Bo", ("bo@acme.example",), scope="/b/")
    jane = replace(JANE, scope="/b/")
    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("book", Page((jane, bo), "c1", scope="/b/", listing="L1",
                                  listing_complete=True))
        assert store.address_book() == [bo, jane]  # by account, native id
        assert store.cursor("book") == "c1" and store.items_of("book") == 2
        store.ingest("book", Page((), "c2", removed=("/b/bo.vcf",), scope="/b/"))
        store.ingest("book", Page((), "c2", removed=("/b/nothing.vcf",), scope="/b/"))
        assert [c.name for c in store.address_book()] == ["Jane Roe"]
        assert store.address_book()[0].birthday == (3, 15, None)
        store.ingest("book", Page((bo,), "c3", scope="/b/", listing="L2",
                                  listing_complete=True))
        assert [c.name for c in store.address_book()] == ["Bo"]  # the listing swept Jane


def test_the_ledger_follows_the_address_book(tmp_path: Path) -> None:
    config = _config()
    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(_mail()), "1"))
        before = compute_from_store(config, store, NOW)
        assert set(before.ledgers) == {"jane@acme.example", "jroe@gmail.com"}
        store.ingest("book", Page((JANE,), "c1"))
        snap = compute_from_store(config, store, NOW)
        assert list(snap.ledgers) == ["jane@acme.example"]
        led = snap.ledgers["jane@acme.example"]
        assert (led.messages_in, led.messages_out) == (1, 1)
        assert snap.directory.name("jane@acme.example") == "Jane Roe"
        rule = snap.rules["jane@acme.example"]
        assert rule is not None and rule.name == "inner"  # the group is a tag cadences match
        full = compute(config, _mail(), [], NOW, [JANE])
        assert set(full.ledgers) == set(snap.ledgers)
        # a new name in the address book changes nothing derived
        renamed = Contact(JANE.source, JANE.native_id, "Jane R.", JANE.addresses, JANE.tags)
        store.ingest("book", Page((renamed,), "c2"))
        directory = directory_for(config, store.address_book())
        assert not incremental.refresh(config, directory, store, NOW).full
        # nor does a new entry with one address (it is the person its address already was)
        store.ingest("book", Page((Contact("book", "/b/x.vcf", "X", ("x@else.example",)),),
                                  "c2b"))
        directory = directory_for(config, store.address_book())
        assert not incremental.refresh(config, directory, store, NOW).full
        # the entry gone: two people again, re-derived
        store.ingest("book", Page((), "c3", removed=(JANE.native_id,)))
        directory = directory_for(config, store.address_book())
        assert incremental.refresh(config, directory, store, NOW).full
        assert set(compute_from_store(config, store, NOW).ledgers) == {
            "jane@acme.example", "jroe@gmail.com"}


def test_contacts_json_has_sources_and_birthday_and_no_entry_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_NOW", NOW.isoformat())
    store_path = tmp_path / "s.sqlite3"
    lonely = Contact("book", "/b/x.vcf", "Never Written", ("never@else.example",))
    with Store.open(store_path) as store:
        store.ingest("mail", Page(tuple(_mail()), "1"))
        store.ingest("book", Page((JANE, lonely), "c1"))
    path = tmp_path / "syncd.toml"
    path.write_text(f'[me]\naddresses = ["{ME.email}"]\ntimezone = "UTC"\n'
                    f'[store]\npath = "{store_path}"\n', encoding="utf-8")
    assert main(["--config", str(path), "contacts", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["Jane Roe"]  # an entry alone is not a contact
    assert rows[0]["sources"] == ["book"] and rows[0]["birthday"] == "--03-15"
    assert rows[0]["tags"] == ["inner-circle"]
    assert {"jane@acme.example", "jroe@gmail.com"} <= set(rows[0]["addresses"])
