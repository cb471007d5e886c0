"""Google Contacts through the real google-api-python-client (static people.v1 discovery)
against the local People wire-format server: names, several addresses, groups as tags,
year-less birthdays, deletions by sync token, an expired token (one full listing), a broken
person quarantined once, and the contacts.readonly scope."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors._google_token import scopes_for
from connectors.google_contacts import GoogleContactsSource
from syncd.errors import CursorExpired
from syncd.model import Contact, Page
from syncd.store import Store
from tests.fakes.google_server import GoogleServer
from tests.fixtures_google import Waits, google_account, policy, write_token


@pytest.fixture
def source(google_server: GoogleServer, tmp_path: Path) -> Iterator[GoogleContactsSource]:
    write_token(google_server, tmp_path, "gc")
    people = google_server.fake.people
    people.group("contactGroups/myContacts", "myContacts", system=True)
    people.group("contactGroups/starred", "starred", system=True)
    people.group("contactGroups/a1", "inner-circle")
    people.put("people/c1", names=("Jane Roe",), emails=("jane@acme.example",
                                                         "jroe@gmail.com"),
               groups=("contactGroups/a1", "contactGroups/starred"),
               birthday={"month": 3, "day": 15})
    people.put("people/c2", names=("Bo Li",), emails=("bo@acme.example",),
               birthday={"year": 1980, "month": 12, "day": 1})
    people.put("people/c3", emails=("nameless@else.example",))
    account = google_account(google_server, "gc", "google_contacts")
    source = GoogleContactsSource(account, state_dir=tmp_path, policy=policy(Waits()),
                                  page_size=2)
    try:
        yield source
    finally:
        source.close()


def _sync(source: GoogleContactsSource, store: Store) -> list[Page]:
    pages = []
    try:
        for page in source.pull(store.cursor(source.name)):
            store.ingest(source.name, page)
            pages.append(page)
    except CursorExpired:  # what the engine does: one full listing
        store.forget_cursor(source.name)
        for page in source.pull(None):
            store.ingest(source.name, page)
            pages.append(page)
    return pages


def _book(store: Store) -> dict[str, Contact]:
    return {c.native_id: c for c in store.address_book()}


def test_contacts_become_entries_and_follow_changes(source: GoogleContactsSource,
                                                    google_server: GoogleServer,
                                                    tmp_path: Path) -> None:
    people = google_server.fake.people
    with Store.open(tmp_path / "s.sqlite3") as store:
        pages = _sync(source, store)
        assert len(pages) == 2 and pages[-1].listing_complete  # two pages of two
        book = _book(store)
        jane = book["people/c1"]
        assert (jane.name, jane.addresses, jane.tags, jane.birthday) == (
            "Jane Roe", ("jane@acme.example", "jroe@gmail.com"), ("inner-circle", "starred"),
            (3, 15, None))
        assert book["people/c2"].birthday == (12, 1, 1980)
        assert book["people/c3"].name == "" and jane.source == "gc"
        requests = google_server.fake.requests
        assert "GET /v1/people/me/connections" in requests
        # incremental: an edit and a deletion arrive by sync token
        people.put("people/c2", names=("Bo Li",), emails=("bo@acme.example",
                                                          "bo@home.example"))
        people.delete("people/c3")
        pages = _sync(source, store)
        assert not any(p.listing for p in pages)
        book = _book(store)
        assert set(book) == {"people/c1", "people/c2"}
        assert book["people/c2"].addresses == ("bo@acme.example", "bo@home.example")
        assert all(not p.items for p in _sync(source, store))  # nothing new


@pytest.mark.parametrize("status", [400, 410])
def test_an_expired_sync_token_is_one_full_listing(source: GoogleContactsSource,
                                                   google_server: GoogleServer,
                                                   tmp_path: Path, status: int) -> None:
    people = google_server.fake.people
    people.expired_status = status
    with Store.open(tmp_path / "s.sqlite3") as store:
        _sync(source, store)
        people.persons.pop("people/c3")  # gone while the token was too old to say so
        people.floor = people.seq + 1
        with pytest.raises(CursorExpired):
            list(source.pull(store.cursor("gc")))
        pages = _sync(source, store)
        assert pages[-1].listing_complete
        assert set(_book(store)) == {"people/c1", "people/c2"}  # swept, nothing else lost


def test_a_broken_person_is_quarantined_once(source: GoogleContactsSource,
                                             google_server: GoogleServer,
                                             tmp_path: Path) -> None:
    people = google_server.fake.people
    with Store.open(tmp_path / "s.sqlite3") as store:
        _sync(source, store)
        people.put("people/c9", raw={"resourceName": "people/c9",
                                     "birthdays": [{"date": {"month": "March"}}]})
        pages = _sync(source, store)
        assert [q for p in pages for q in p.quarantined] == ["people/c9"]
        assert store.counts()["quarantine"] == 1 and "people/c9" not in _book(store)
        assert not [q for p in _sync(source, store) for q in p.quarantined]


def test_the_scope_is_contacts_readonly_only() -> None:
    assert scopes_for("google_contacts") == (
        "https://www.googleapis.com/auth/contacts.readonly",)
