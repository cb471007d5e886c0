"""The CardDAV source against a real Radicale: vCard 3 and 4, several EMAIL lines, no FN,
year-less birthdays, broken cards quarantined once, deletions, address book selection, an
expired sync-token, and the CTag/ETag path for servers without sync-collection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.carddav import CarddavSource
from syncd.commands.cli import main
from syncd.errors import AuthError
from syncd.localservers.caldav import CaldavServer
from syncd.model import Address, Contact, Message, Page
from syncd.store import Store
from tests.fixtures_carddav import (
    PASSWORD_ENV,
    carddav_account,
    create_addressbook,
    delete_card,
    put_card,
    vcard,
    write_raw,
)

JANE = vcard("jane", "FN:Jane Roe", "N:Roe;Jane;;;", "EMAIL;TYPE=work:jane@acme.example",
             "EMAIL;TYPE=home:jroe@gmail.com", "CATEGORIES:inner-circle,friends",
             "BDAY:--0315")
BO = vcard("bo", "FN:Bo Li", "N:Li;Bo;;;", "EMAIL:bo@acme.example", "BDAY:--0704", version="4.0")
# Radicale refuses (and never serves) a card without FN: an empty one stands in here; a card
# with no FN line at all is parsed in tests/unit/test_vcard.py
NO_NAME = vcard("nn", "FN:", "N:;;;;", "EMAIL:nobody@else.example", "BDAY:1980-12-01")


@pytest.fixture
def source(caldav_server: CaldavServer, monkeypatch: pytest.MonkeyPatch
           ) -> CarddavSource:
    monkeypatch.setenv(PASSWORD_ENV, caldav_server.password)
    return CarddavSource(carddav_account(caldav_server), caldav_server.password)


def _sync(source: CarddavSource, store: Store) -> list[Page]:
    pages = []
    for page in source.pull(store.cursor(source.name)):
        store.ingest(source.name, page)
        pages.append(page)
    return pages


def _book(store: Store) -> dict[str, Contact]:
    return {c.native_id.rsplit("/", 1)[-1]: c for c in store.address_book()}


def test_cards_become_entries_and_follow_changes(caldav_server: CaldavServer,
                                                 source: CarddavSource, tmp_path: Path) -> None:
    book = create_addressbook(caldav_server, "contacts", "Contacts")
    for href, card in (("jane.vcf", JANE), ("bo.vcf", BO), ("nn.vcf", NO_NAME)):
        put_card(caldav_server, book, href, card)
    with Store.open(tmp_path / "s.sqlite3") as store:
        first = _sync(source, store)
        assert first[-1].listing_complete
        entries = _book(store)
        jane = entries["jane.vcf"]
        assert jane.name == "Jane Roe" and jane.source == "book"
        assert jane.addresses == ("jane@acme.example", "jroe@gmail.com")
        assert jane.tags == ("inner-circle", "friends") and jane.birthday == (3, 15, None)
        assert entries["bo.vcf"].name == "Bo Li" and entries["bo.vcf"].birthday == (7, 4, None)
        assert entries["nn.vcf"].name == "" and entries["nn.vcf"].birthday == (12, 1, 1980)
        assert jane.scope == "/dana/contacts/"
        # nothing new: no items, no removals
        again = _sync(source, store)
        assert all(not p.items and not p.removed for p in again)
        # an edit, a deletion
        put_card(caldav_server, book, "bo.vcf", BO.replace("EMAIL:bo@acme.example",
                                                           "EMAIL:bo@acme.example\r\n"
                                                           "EMAIL:bo.li@home.example"))
        delete_card(caldav_server, book, "nn.vcf")
        changed = _sync(source, store)
        assert not any(p.listing for p in changed)  # incremental, by sync-token
        entries = _book(store)
        assert set(entries) == {"jane.vcf", "bo.vcf"}
        assert entries["bo.vcf"].addresses == ("bo@acme.example", "bo.li@home.example")


def test_a_card_the_server_cannot_read_stops_nothing(caldav_server: CaldavServer,
                                                    source: CarddavSource,
                                                    tmp_path: Path) -> None:
    """Radicale skips a broken file in its storage (it never serves it): the others still
    arrive, first listing and later changes alike. (Broken cards a server does serve are
    quarantined: tests/unit/test_vcard.py and the Google and Graph tests.)"""
    book = create_addressbook(caldav_server, "contacts", "Contacts")
    put_card(caldav_server, book, "jane.vcf", JANE)
    write_raw(caldav_server, book, "broken.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nno colon\r\n")
    with Store.open(tmp_path / "s.sqlite3") as store:
        _sync(source, store)
        assert set(_book(store)) == {"jane.vcf"}
        put_card(caldav_server, book, "bo.vcf", BO)
        _sync(source, store)
        assert set(_book(store)) == {"jane.vcf", "bo.vcf"}


def test_selection_expired_token_and_a_book_gone(caldav_server: CaldavServer,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv(PASSWORD_ENV, caldav_server.password)
    work = create_addressbook(caldav_server, "work", "Work")
    home = create_addressbook(caldav_server, "home", "Home")
    put_card(caldav_server, work, "jane.vcf", JANE)
    put_card(caldav_server, home, "bo.vcf", BO)
    only_work = CarddavSource(carddav_account(caldav_server, addressbooks=("Work",)),
                              caldav_server.password)
    with Store.open(tmp_path / "s.sqlite3") as store:
        _sync(only_work, store)
        assert set(_book(store)) == {"jane.vcf"}
        cursor = store.cursor("book") or ""
        store.ingest("book", Page((), cursor.replace('"token":"', '"token":"x')))
        pages = _sync(only_work, store)  # the refused token: listed again, nothing lost
        assert pages[-1].listing_complete and set(_book(store)) == {"jane.vcf"}
        both = CarddavSource(carddav_account(caldav_server), caldav_server.password)
        _sync(both, store)
        assert set(_book(store)) == {"jane.vcf", "bo.vcf"}
        _sync(only_work, store)  # Home no longer selected: swept
        assert set(_book(store)) == {"jane.vcf"}
    missing = CarddavSource(carddav_account(caldav_server, addressbooks=("Nope",)),
                            caldav_server.password)
    with pytest.raises(Exception, match=r"no address book named 'Nope'.*'Home'"):
        list(missing.pull(None))


def test_without_sync_collection_ctag_and_etags(caldav_server: CaldavServer,
                                                source: CarddavSource, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that does not offer sync-collection: the same results by CTag and ETags."""
    book = create_addressbook(caldav_server, "contacts", "Contacts")
    put_card(caldav_server, book, "jane.vcf", JANE)
    put_card(caldav_server, book, "bo.vcf", BO)
    selected = source._selected
    monkeypatch.setattr(source, "_selected", lambda: {
        p: (ctag, False) for p, (ctag, _) in selected().items()})
    with Store.open(tmp_path / "s.sqlite3") as store:
        _sync(source, store)
        assert set(_book(store)) == {"jane.vcf", "bo.vcf"}
        assert '"etags"' in (store.cursor("book") or "")
        assert all(not p.items for p in _sync(source, store))
        delete_card(caldav_server, book, "bo.vcf")
        put_card(caldav_server, book, "nn.vcf", NO_NAME)
        pages = _sync(source, store)
        assert [c.native_id for p in pages for c in p.items if isinstance(c, Contact)] == [
            "/dana/contacts/nn.vcf"]
        assert set(_book(store)) == {"jane.vcf", "nn.vcf"}


def test_sync_end_to_end_names_and_merges_people(caldav_server: CaldavServer,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`syncd sync` pulls the address book; `contacts --json` shows one person for two
    addresses, named and tagged by the card; a card alone is no contact."""
    monkeypatch.setenv(PASSWORD_ENV, caldav_server.password)
    now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    monkeypatch.setenv("SYNCD_NOW", now.isoformat())
    book = create_addressbook(caldav_server, "contacts", "Contacts")
    put_card(caldav_server, book, "jane.vcf", JANE)
    put_card(caldav_server, book, "bo.vcf", BO)  # never written to: no contact
    me = Address("dana@example.org", "Dana")
    store_path = tmp_path / "s.sqlite3"
    with Store.open(store_path) as store:
        store.ingest("mail", Page((
            Message("mail", "INBOX/1", "a@x", now - timedelta(days=9),
                    Address("jane@acme.example", "jane@acme.example"), (me,), subject="Hi"),
            Message("mail", "Sent/1", "b@x", now - timedelta(days=8), me,
                    (Address("jroe@gmail.com"),), subject="Re: Hi", in_reply_to="a@x",
                    labels=("\\Sent",))), "1"))
    config = tmp_path / "syncd.toml"
    config.write_text(
        f'[me]\naddresses = ["{me.email}"]\ntimezone = "UTC"\n'
        f'[store]\npath = "{store_path}"\n'
        f'[[accounts]]\nname = "book"\ntype = "carddav"\nurl = "{caldav_server.url}"\n'
        f'username = "{caldav_server.user}"\npassword_env = "{PASSWORD_ENV}"\n'
        '[[cadences]]\nname = "inner"\ntags = ["inner-circle"]\nevery = "14d"\n',
        encoding="utf-8")
    assert main(["--config", str(config), "sync"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "contacts", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["sources"], r["birthday"], r["cadence"]) for r in rows] == [
        ("Jane Roe", ["book"], "--03-15", "inner")]
    assert rows[0]["messages_in"] == 1 and rows[0]["messages_out"] == 1


def test_a_wrong_password_is_an_auth_error(caldav_server: CaldavServer) -> None:
    wrong = CarddavSource(carddav_account(caldav_server), "not-the-password")
    with pytest.raises(AuthError, match="password"):
        list(wrong.pull(None))
    wrong.close()
