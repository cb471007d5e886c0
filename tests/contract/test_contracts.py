"""One contract, every implementation: the in-memory pair, IMAP (a real server), CalDAV and
CardDAV (Radicale), Outlook (the local Microsoft Graph fake) and Google (the local Google
fake). What the engine relies on is asserted here once, so a new connector only needs a factory
below."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import CalendarSink, Source
from connectors.caldav import CaldavSink, CaldavSource
from connectors.imap import ImapSource
from connectors.memory import MemorySink, MemorySource
from connectors.outlook import OutlookSource, make_client
from connectors.outlook_sink import OutlookSink
from syncd.model import Address, FollowUp, Message, Page
from tests.fakes.graph_server import GraphServer, start_graph_server
from tests.fixtures_caldav import account_for as caldav_account_for
from tests.fixtures_caldav import ics_event
from tests.fixtures_graph import StaticTokens, message_row
from tests.fixtures_graph import account_for as outlook_account_for
from tests.fixtures_imap import account_for as imap_account_for
from tests.fixtures_imap import start_server

NOW = datetime.now(UTC).replace(microsecond=0)
COUNT = 7


@dataclass
class SourceCase:
    source: Source
    add: Callable[[int], None]  # add item number n at the provider


def _raw(n: int) -> bytes:
    when = NOW - timedelta(days=n + 1)
    return (f"From: P{n} <p{n}@contract.example>\r\nTo: dana@example.org\r\n"
            f"Subject: item {n}\r\nDate: {format_datetime(when)}\r\n"
            f"Message-ID: <contract-{n}@example.org>\r\n\r\nx\r\n").encode()


def _memory_source(tmp_path: Path) -> Iterator[SourceCase]:
    source = MemorySource("memory", page_size=3)

    def add(n: int) -> None:
        source.items.append(Message("memory", f"m/{n}", f"contract-{n}@example.org",
                                    NOW - timedelta(days=n + 1), Address(f"p{n}@contract.example"),
                                    (Address("dana@example.org"),), subject=f"item {n}"))
    yield SourceCase(source, add)


def _imap_source(tmp_path: Path) -> Iterator[SourceCase]:
    server = start_server(tmp_path, "dovecot" if _has_dovecot() else "pymap")
    try:
        account = imap_account_for(server, name="imap")
        yield SourceCase(ImapSource(account, server.password, chunk=3),
                         lambda n: server.append("INBOX", _raw(n)))
    finally:
        server.stop()


def _caldav_source(tmp_path: Path) -> Iterator[SourceCase]:
    from syncd.localservers.caldav import start_caldav_server

    with start_caldav_server(tmp_path / "dav") as server:
        server.create_calendar("Work")
        account = caldav_account_for(server, name="caldav")

        def add(n: int) -> None:
            start = (NOW - timedelta(days=n + 1)).strftime("%Y%m%dT%H%M%SZ")
            server.put_event("Work", f"c{n}.ics", ics_event(
                f"c{n}", start, attendees=(("dana@example.org", "Dana", "ACCEPTED"),
                                           (f"p{n}@contract.example", f"P{n}", "ACCEPTED"))))
        yield SourceCase(CaldavSource(account, server.password, now=lambda: NOW), add)


@contextmanager
def _graph(tmp_path: Path) -> Iterator[GraphServer]:
    with start_graph_server() as server, pytest.MonkeyPatch.context() as env:
        env.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
        env.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        yield server


def _outlook_source(tmp_path: Path) -> Iterator[SourceCase]:
    with _graph(tmp_path) as server:
        account = outlook_account_for(server, name="outlook", page_size=10)
        source = OutlookSource(account, now=lambda: NOW,
                               client=make_client(account, tokens=StaticTokens()))
        yield SourceCase(source, lambda n: server.fake.add_message("inbox", {
            **message_row(n, when=NOW - timedelta(days=n + 1)),
            "internetMessageId": f"<contract-{n}@example.org>"}))


def _gmail_source(tmp_path: Path) -> Iterator[SourceCase]:
    from connectors.gmail import GmailSource
    from tests.fakes.google_server import GoogleServer
    from tests.fixtures_google import Waits, google_account, header_list, policy, write_token

    server = GoogleServer()
    try:
        write_token(server, tmp_path, "gmail")
        source = GmailSource(google_account(server, "gmail"), state_dir=tmp_path,
                             policy=policy(Waits()), list_page=3)

        def add(n: int) -> None:
            when = NOW - timedelta(days=n + 1)
            server.fake.add_message(header_list(n, date=format_datetime(when)),
                                    internal_ms=int(when.timestamp() * 1000))
        yield SourceCase(source, add)
    finally:
        server.close()


def _gcal_source(tmp_path: Path) -> Iterator[SourceCase]:
    from connectors.gcal import GcalSource
    from tests.fakes.google_server import GoogleServer
    from tests.fixtures_google import Waits, google_account, policy, write_token

    server = GoogleServer()
    try:
        write_token(server, tmp_path, "gcal")
        server.fake.calendar("primary", "dana@example.org")
        source = GcalSource(google_account(server, "gcal", "google_calendar"), now=lambda: NOW,
                            state_dir=tmp_path, policy=policy(Waits()), page_size=3)

        def add(n: int) -> None:
            start = NOW - timedelta(days=n + 1)
            server.fake.put_event("primary", {
                "id": f"c{n}", "start": {"dateTime": start.isoformat()},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
                "attendees": [{"email": "dana@example.org", "responseStatus": "accepted"},
                              {"email": f"p{n}@contract.example",
                               "responseStatus": "accepted"}]})
        yield SourceCase(source, add)
    finally:
        server.close()


def _carddav_source(tmp_path: Path) -> Iterator[SourceCase]:
    from connectors.carddav import CarddavSource
    from syncd.localservers.caldav import start_caldav_server
    from tests.fixtures_carddav import carddav_account, create_addressbook, put_card, vcard

    with start_caldav_server(tmp_path / "dav") as server:
        book = create_addressbook(server, "contacts", "Contacts")

        def add(n: int) -> None:
            put_card(server, book, f"p{n}.vcf", vcard(f"p{n}", f"FN:P{n}",
                                                      f"EMAIL:p{n}@contract.example"))
        yield SourceCase(CarddavSource(carddav_account(server, name="carddav"),
                                       server.password, chunk=3), add)


def _google_contacts_source(tmp_path: Path) -> Iterator[SourceCase]:
    from connectors.google_contacts import GoogleContactsSource
    from tests.fakes.google_server import GoogleServer
    from tests.fixtures_google import Waits, google_account, policy, write_token

    server = GoogleServer()
    try:
        write_token(server, tmp_path, "gcontacts")
        source = GoogleContactsSource(google_account(server, "gcontacts", "google_contacts"),
                                      state_dir=tmp_path, policy=policy(Waits()), page_size=3)

        def add(n: int) -> None:
            server.fake.people.put(f"people/c{n}", names=(f"P{n}",),
                                   emails=(f"p{n}@contract.example",))
        yield SourceCase(source, add)
    finally:
        server.close()


def _has_dovecot() -> bool:
    from syncd.localservers.imap import available_kinds

    return "dovecot" in available_kinds()


@pytest.fixture(params=["memory", "imap", "caldav", "outlook", "gmail", "gcal", "carddav",
                        "google_contacts"])
def source_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SourceCase]:
    factory = {"memory": _memory_source, "imap": _imap_source, "caldav": _caldav_source,
               "outlook": _outlook_source, "gmail": _gmail_source, "gcal": _gcal_source,
               "carddav": _carddav_source, "google_contacts": _google_contacts_source}
    if request.param != "memory":
        request.applymarker(pytest.mark.integration)
    yield from factory[request.param](tmp_path)


def _drain(source: Source, cursor: str | None) -> tuple[list[Page], str | None]:
    pages = list(source.pull(cursor))
    return pages, (pages[-1].cursor if pages else cursor)


def test_source_pages_resume_and_a_caught_up_cursor_yields_nothing(source_case: SourceCase
                                                                    ) -> None:
    for n in range(COUNT):
        source_case.add(n)
    pages, cursor = _drain(source_case.source, None)
    items = [i for p in pages for i in p.items]
    assert len(items) == COUNT
    assert len({i.native_id for i in items}) == COUNT
    assert all(i.account == source_case.source.name for i in items)
    dates = [getattr(i, "date", None) or getattr(i, "start", None) for i in items]
    assert all(d.tzinfo is not None for d in dates if d is not None)  # address books: none
    again, cursor2 = _drain(source_case.source, cursor)
    assert [i for p in again for i in p.items] == []
    source_case.add(COUNT)
    more, _ = _drain(source_case.source, cursor2)
    new = [i for p in more for i in p.items]
    assert len(new) == 1 and new[0].native_id not in {i.native_id for i in items}
    source_case.source.close()
    source_case.source.close()  # closing twice is fine


def test_source_resumes_from_any_page_without_losing_items(source_case: SourceCase) -> None:
    for n in range(COUNT):
        source_case.add(n)
    first = next(iter(source_case.source.pull(None)))
    rest, _ = _drain(source_case.source, first.cursor)
    seen = {i.native_id for i in first.items} | {i.native_id for p in rest for i in p.items}
    assert len(seen) == COUNT
    source_case.source.close()


# -- sinks -------------------------------------------------------------------------------------

def followup(key: str, start: datetime) -> FollowUp:
    return FollowUp(key=key, base_key=key, kind="cadence", person_id="p@x.example",
                    person_name="P", email="p@x.example", due=start.date(), start=start,
                    duration=timedelta(minutes=15), timezone="Europe/Berlin", title="Catch up: P",
                    description="why", reason="why", anchor="a1")


def _memory_sink(tmp_path: Path) -> Iterator[CalendarSink]:
    yield MemorySink()


def _caldav_sink(tmp_path: Path) -> Iterator[CalendarSink]:
    from syncd.localservers.caldav import start_caldav_server

    with start_caldav_server(tmp_path / "dav") as server:
        sink = CaldavSink(caldav_account_for(server), server.password, "Follow-ups")
        yield sink
        sink.close()


def _outlook_sink(tmp_path: Path) -> Iterator[CalendarSink]:
    with _graph(tmp_path) as server:
        account = outlook_account_for(server)
        sink = OutlookSink(account, "Follow-ups",
                           client=make_client(account, tokens=StaticTokens()))
        yield sink
        sink.close()


def _gcal_sink(tmp_path: Path) -> Iterator[CalendarSink]:
    from connectors.gcal import GcalSink
    from tests.fakes.google_server import GoogleServer
    from tests.fixtures_google import Waits, google_account, policy, write_token

    server = GoogleServer()
    try:
        write_token(server, tmp_path, "gcal")
        sink = GcalSink(google_account(server, "gcal", "google_calendar"), "Follow-ups",
                        state_dir=tmp_path, policy=policy(Waits()))
        yield sink
        sink.close()
    finally:
        server.close()


@pytest.fixture(params=["memory", "caldav", "outlook", "gcal"])
def sink(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CalendarSink]:
    if request.param != "memory":
        request.applymarker(pytest.mark.integration)
    factories = {"memory": _memory_sink, "caldav": _caldav_sink, "outlook": _outlook_sink,
                 "gcal": _gcal_sink}
    yield from factories[request.param](tmp_path)


def test_sink_create_is_idempotent_by_key_and_update_and_cancel_work(sink: CalendarSink) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 12, 1, 9, 0, tzinfo=berlin)
    key = "0123456789abcdef0123456789abcdef01234567"
    written = sink.create(followup(key, start))
    again = sink.create(followup(key, start))  # a crash before the record: no second event
    snap = sink.snapshot()
    assert list(snap) == [key] and snap[key].start == start
    assert again.remote_id == written.remote_id
    later = start + timedelta(days=2)
    moved = sink.update(followup(key, later), again)
    assert sink.snapshot()[key].start == later and moved.start == later
    sink.cancel(moved)
    assert key not in sink.snapshot()
    sink.cancel(moved)  # already gone: fine
