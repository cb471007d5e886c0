"""Provider "start over" signals, seen from the engine: one bounded resync, nothing twice, the
same contacts and ledgers before and after.

The connector tests pin each signal on its own (Gmail history 404, Calendar 410, Graph 410 /
syncStateNotFound, a refused CalDAV sync-token, IMAP UIDVALIDITY — the last also end to end in
tests/integration/test_end_to_end.py); here the engine runs the real connector against the local
server twice, the provider forgetting the cursor in between. A mailbox that suddenly shows
nothing keeps its history in the store (mail is never deleted by a listing).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from connectors.base import Source
from syncd.engine import CycleReport, run_cycle
from syncd.store import Store
from tests.factories import config
from tests.fakes.google_server import GoogleServer

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)
ITEMS = 12
CONFIG = config()


def cycle(db: Path, source: Source) -> CycleReport:
    with Store.open(db) as store:
        return run_cycle(CONFIG, store, {source.name: source}, None, NOW)


def contents(db: Path) -> tuple[list[str], list[str]]:
    with Store.open(db) as store:
        return (sorted(m.message_id for m in store.messages()),
                sorted(m.native_id for m in store.meetings()))


def resync_is_bounded(db: Path, make: Callable[[], Source], forget: Callable[[], None],
                      after: Callable[[], None] = lambda: None) -> None:
    first = cycle(db, make())
    assert first.accounts[0].state == "ok" and first.accounts[0].items == ITEMS
    before = contents(db)
    assert before[0] or before[1]
    assert first.snapshot is not None
    forget()
    second = cycle(db, make())
    (account,) = second.accounts
    assert account.state == "ok", account
    assert account.items == ITEMS  # listed again, exactly once
    assert contents(db) == before  # nothing twice, nothing lost
    assert second.snapshot is not None and second.snapshot.ledgers == first.snapshot.ledgers
    after()
    third = cycle(db, make())
    assert third.accounts[0].state == "ok" and third.accounts[0].items == 0
    assert contents(db) == before


@pytest.fixture
def google() -> Iterator[GoogleServer]:
    server = GoogleServer()
    try:
        yield server
    finally:
        server.close()


def _gmail(server: GoogleServer, tmp_path: Path) -> Callable[[], Source]:
    from connectors.gmail import GmailSource
    from tests.fixtures_google import Waits, google_account, header_list, policy, write_token

    write_token(server, tmp_path, "gmail")
    for n in range(ITEMS):
        when = NOW - timedelta(days=n + 1)
        sender = f"P{n % 4} <p{n % 4}@resync.example>"
        server.fake.add_message(header_list(n, sender=sender, date=format_datetime(when)),
                                internal_ms=int(when.timestamp() * 1000))
    return lambda: GmailSource(google_account(server, "gmail"), state_dir=tmp_path,
                               policy=policy(Waits()), list_page=5)


def test_gmail_history_404(google: GoogleServer, tmp_path: Path) -> None:
    fake = google.fake

    def forget() -> None:
        fake.history_id += 1  # time passes at the provider ...
        fake.history_floor = fake.history_id  # ... and every stored historyId is too old

    resync_is_bounded(tmp_path / "db.sqlite3", _gmail(google, tmp_path), forget)


def test_an_emptied_mailbox_keeps_the_history(google: GoogleServer, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    make = _gmail(google, tmp_path)
    first = cycle(db, make())
    before = contents(db)
    for mid in list(google.fake.messages):
        google.fake.delete_message(mid)  # the provider suddenly shows nothing
    google.fake.history_floor = google.fake.history_id  # and forgets the cursor: an empty listing
    second = cycle(db, make())
    assert second.accounts[0].state == "ok"
    assert contents(db) == before and len(before[0]) == ITEMS
    assert first.snapshot is not None and second.snapshot is not None
    assert second.snapshot.ledgers == first.snapshot.ledgers


def test_google_calendar_410(google: GoogleServer, tmp_path: Path) -> None:
    from connectors.gcal import GcalSource
    from tests.fixtures_google import Waits, google_account, policy, write_token

    write_token(google, tmp_path, "gcal")
    google.fake.calendar("primary", "dana@example.org")
    for n in range(ITEMS):
        start = NOW - timedelta(days=n + 1)
        google.fake.put_event("primary", {
            "id": f"r{n}", "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
            "attendees": [{"email": "dana@example.org", "responseStatus": "accepted"},
                          {"email": f"p{n % 4}@resync.example",
                           "responseStatus": "accepted"}]})

    def make() -> Source:
        return GcalSource(google_account(google, "gcal", "google_calendar"), now=lambda: NOW,
                          state_dir=tmp_path, policy=policy(Waits()), page_size=5)

    def forget() -> None:
        google.fake.sync_floor = 10**6

    def after() -> None:
        google.fake.sync_floor = 0

    resync_is_bounded(tmp_path / "db.sqlite3", make, forget, after)


@pytest.mark.parametrize("code", ["", "syncStateNotFound"])
def test_graph_410_and_sync_state_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            code: str) -> None:
    from connectors.outlook import OutlookSource, make_client
    from tests.fakes.graph_server import start_graph_server
    from tests.fixtures_graph import StaticTokens, account_for, message_row

    with start_graph_server() as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        fake = server.fake
        for n in range(ITEMS):
            fake.add_message("inbox", message_row(n, sender=f"p{n % 4}@resync.example"))
        account = account_for(server, page_size=10)

        def make() -> Source:
            return OutlookSource(account, now=lambda: NOW,
                                 client=make_client(account, tokens=StaticTokens()))

        def forget() -> None:
            fake.expire_before, fake.expire_code = fake.seq + 1, code

        def after() -> None:
            fake.expire_before = 0  # (the fake refuses the fresh token too until told)

        resync_is_bounded(tmp_path / "db.sqlite3", make, forget, after)


def test_caldav_refused_sync_token(tmp_path: Path, caldav_server: object) -> None:
    from connectors.caldav import CaldavSource
    from syncd.localservers.caldav import CaldavServer
    from tests.fixtures_caldav import account_for, ics_event

    assert isinstance(caldav_server, CaldavServer)
    server = caldav_server
    server.create_calendar("Work")
    for n in range(ITEMS):
        start = (NOW - timedelta(days=n + 1)).strftime("%Y%m%dT%H%M%SZ")
        server.put_event("Work", f"r{n}.ics", ics_event(
            f"r{n}", start, attendees=(("dana@example.org", "Dana", "ACCEPTED"),
                                       (f"p{n % 4}@resync.example", "P", "ACCEPTED"))))
    account = account_for(server)
    db = tmp_path / "db.sqlite3"

    def forget() -> None:
        with sqlite3.connect(db) as raw:
            (text,) = raw.execute("SELECT cursor FROM cursors WHERE account = 'cal'").fetchone()
            state = json.loads(text)
            for calendar in state["calendars"].values():
                calendar["token"] = "http://radicale.org/ns/sync/not-a-token"
            raw.execute("UPDATE cursors SET cursor = ? WHERE account = 'cal'",
                        (json.dumps(state),))
        raw.close()

    resync_is_bounded(db, lambda: CaldavSource(account, server.password, now=lambda: NOW),
                      forget)
