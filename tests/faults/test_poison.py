"""Poison items through the engine: an unparseable message (IMAP) and broken or unexpandable
events (CalDAV) are quarantined and counted in the account result and the store, the other
items arrive, the account stays ``ok`` and the next cycle is not offered them again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from connectors.base import Source
from syncd.engine import CycleReport, run_cycle
from syncd.store import Store
from tests.factories import config

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)
CONFIG = config()


def cycle(db: Path, source: Source) -> CycleReport:
    with Store.open(db) as store:
        return run_cycle(CONFIG, store, {source.name: source}, None, NOW)


def quarantine_rows(db: Path) -> int:
    with sqlite3.connect(db) as raw:
        (count,) = raw.execute("SELECT count(*) FROM quarantine").fetchone()
    raw.close()
    return int(count)


def test_imap_poison_message(tmp_path: Path) -> None:
    from connectors.imap import ImapSource
    from syncd.localservers.imap import available_kinds
    from tests.fixtures_imap import account_for, start_server

    server = start_server(tmp_path, available_kinds()[0])
    try:
        def mail(n: int) -> bytes:
            return (f"From: P <p@poison.example>\r\nTo: dana@example.org\r\nSubject: {n}\r\n"
                    f"Date: {format_datetime(NOW - timedelta(days=n + 1))}\r\n"
                    f"Message-ID: <ok{n}@example.org>\r\n\r\nx\r\n").encode()
        server.append_many("INBOX", [
            mail(1), b"X-Junk: no addresses, no id\r\n\r\n\x00\xffgarbage\r\n", mail(2)])
        db = tmp_path / "db.sqlite3"

        def make() -> Source:
            return ImapSource(account_for(server, name="mail"), server.password, chunk=1)

        first = cycle(db, make())
        (account,) = first.accounts
        assert (account.state, account.items, account.quarantined) == ("ok", 2, 1)
        assert quarantine_rows(db) == 1
        again = cycle(db, make())
        assert (again.accounts[0].items, again.accounts[0].quarantined) == (0, 0)
    finally:
        server.stop()


def test_caldav_poison_events(tmp_path: Path, caldav_server: object) -> None:
    from connectors.caldav import CaldavSource
    from syncd.localservers.caldav import CaldavServer
    from tests.fixtures_caldav import account_for, ics_event

    assert isinstance(caldav_server, CaldavServer)
    server = caldav_server
    server.create_calendar("Work")
    server.put_event("Work", "bad.ics", ics_event(
        "bad", "20261110T120000Z", lines=("RRULE:FREQ=MINUTELY",)))  # endless: not expanded
    server.put_event("Work", "good.ics", ics_event(
        "good", "20261111T120000Z", attendees=(("dana@example.org", "Dana", "ACCEPTED"),)))
    server.write_raw("Work", "garbage.ics", "this is not iCalendar\n")
    db = tmp_path / "db.sqlite3"

    def make() -> Source:
        return CaldavSource(account_for(server), server.password, now=lambda: NOW)

    first = cycle(db, make())
    (account,) = first.accounts
    assert account.state == "ok" and account.items == 1 and account.quarantined >= 1
    assert quarantine_rows(db) == account.quarantined
    with Store.open(db) as store:
        assert [m.uid for m in store.meetings()] == ["good"]
    again = cycle(db, make())
    assert (again.accounts[0].state, again.accounts[0].quarantined) == ("ok", 0)
