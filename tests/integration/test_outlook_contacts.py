"""Outlook contacts by ``/me/contacts/delta`` against the local Graph fake: names, several
addresses, categories as tags, birthdays (Outlook's 1604 = no year), edits and deletions by
delta, an expired delta token (listed again, swept), a broken row quarantined once, and
``contacts = false`` (no request, no Contacts.Read)."""

from __future__ import annotations

from pathlib import Path

from connectors._graph_auth import scopes
from syncd.model import Contact, Page
from syncd.store import Store
from tests.fakes.graph_server import GraphServer
from tests.fixtures_graph import account_for, graph
from tests.integration.test_outlook_source import source

__all__ = ["graph"]


def _sync(server: GraphServer, store: Store, **extra: object) -> list[Page]:
    src = source(server, **extra)
    pages = []
    try:
        for page in src.pull(store.cursor(src.name)):
            store.ingest(src.name, page)
            pages.append(page)
    finally:
        src.close()
    return pages


def _book(store: Store) -> dict[str, Contact]:
    return {c.native_id: c for c in store.address_book()}


def _contacts(pages: list[Page]) -> list[Contact]:
    return [i for p in pages for i in p.items if isinstance(i, Contact)]


def test_contacts_by_delta(graph: GraphServer, tmp_path: Path) -> None:
    fake = graph.fake
    jane = fake.put_contact({"displayName": "Jane Roe", "categories": ["inner-circle"],
                             "emailAddresses": [
                                 {"name": "Jane", "address": "jane@acme.example"},
                                 {"name": "Jane", "address": "jroe@gmail.com"}],
                             "birthday": "1604-03-15T11:59:00Z"})
    bo = fake.put_contact({"givenName": "Bo", "surname": "Li", "displayName": "",
                           "emailAddresses": [{"address": "bo@acme.example"}],
                           "birthday": "1980-12-01T11:59:00Z"})
    with Store.open(tmp_path / "s.sqlite3") as store:
        pages = _sync(graph, store)
        assert any(p.scope == "contacts" and p.listing_complete for p in pages)
        book = _book(store)
        assert (book[jane].name, book[jane].addresses, book[jane].tags,
                book[jane].birthday) == ("Jane Roe", ("jane@acme.example", "jroe@gmail.com"),
                                         ("inner-circle",), (3, 15, None))
        assert book[bo].name == "Bo Li" and book[bo].birthday == (12, 1, 1980)
        assert any("/me/contacts/delta" in r and "emailAddresses" in r
                   for r in fake.requests)
        assert not _contacts(_sync(graph, store))  # nothing new
        fake.put_contact({**fake.contacts[bo], "emailAddresses": [
            {"address": "bo@acme.example"}, {"address": "bo@home.example"}]})
        fake.delete_contact(jane)
        pages = _sync(graph, store)
        assert not any(p.listing for p in pages if p.scope == "contacts")
        assert list(_book(store)) == [bo]
        assert _book(store)[bo].addresses == ("bo@acme.example", "bo@home.example")


def test_an_expired_delta_lists_again_and_sweeps(graph: GraphServer, tmp_path: Path) -> None:
    fake = graph.fake
    keep = fake.put_contact({"displayName": "Keep", "emailAddresses": [
        {"address": "keep@x.example"}]})
    gone = fake.put_contact({"displayName": "Gone", "emailAddresses": [
        {"address": "gone@x.example"}]})
    with Store.open(tmp_path / "s.sqlite3") as store:
        _sync(graph, store)
        del fake.contacts[gone]  # gone while the token was too old to say so
        fake.expire_before = fake.seq + 1
        pages = _sync(graph, store)
        assert any(p.scope == "contacts" and p.listing_complete for p in pages)
        assert list(_book(store)) == [keep]


def test_a_broken_contact_is_quarantined_once(graph: GraphServer, tmp_path: Path) -> None:
    fake = graph.fake
    fake.put_contact({"displayName": "Fine", "emailAddresses": [{"address": "f@x.example"}]})
    with Store.open(tmp_path / "s.sqlite3") as store:
        _sync(graph, store)
        bad = fake.put_contact({"displayName": "Bad", "emailAddresses": "not-a-list"})
        pages = _sync(graph, store)
        assert [q for p in pages for q in p.quarantined] == [bad]
        assert bad not in _book(store) and store.counts()["quarantine"] == 1
        assert not [q for p in _sync(graph, store) for q in p.quarantined]


def test_contacts_off_asks_nothing(graph: GraphServer, tmp_path: Path) -> None:
    graph.fake.put_contact({"displayName": "X", "emailAddresses": [{"address": "x@x.example"}]})
    with Store.open(tmp_path / "s.sqlite3") as store:
        _sync(graph, store, contacts=False)
        assert store.address_book() == []
    assert not any("contacts" in r for r in graph.fake.requests)
    assert "Contacts.Read" not in scopes(account_for(graph, contacts=False))
    assert "Contacts.Read" in scopes(account_for(graph))
