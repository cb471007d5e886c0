"""`syncd sync` end to end against a real IMAP server and a real Radicale, through the CLI.

The mailbox is the demo's sample (dates relative to now), so these runs see what a user sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from syncd.commands import sample_mailbox
from syncd.commands.cli import main
from syncd.commands.demo import FOLLOWUPS, demo_config
from syncd.localservers.caldav import CaldavServer
from syncd.localservers.imap import ImapServer
from tests.fixtures_imap import LoopbackProxy

pytestmark = pytest.mark.integration
ENV = "SYNCD_TEST_E2E_PASSWORD"


@dataclass
class Setup:
    imap: ImapServer
    cal: CaldavServer
    config: Path
    tmp: Path

    def run(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
        capsys.readouterr()
        code = main(["--config", str(self.config), *args])
        text = capsys.readouterr().out
        return code, json.loads(text) if "--json" in args and text.strip() else text

    def events(self) -> dict[str, str]:
        return self.cal.events(FOLLOWUPS)

    def write_config(self, imap_port: int | None = None) -> None:
        self.config.write_text(demo_config(
            imap_port or self.imap.port, self.cal.url, self.tmp / "state",
            imap_user=self.imap.user, caldav_user=self.cal.user, imap_env=ENV,
            caldav_env=f"{ENV}_CAL"))


@pytest.fixture
def setup(imap_server: ImapServer, caldav_server: CaldavServer, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    monkeypatch.setenv(ENV, imap_server.password)
    monkeypatch.setenv(f"{ENV}_CAL", caldav_server.password)
    sample_mailbox.fill(imap_server, caldav_server, datetime.now(UTC))
    s = Setup(imap_server, caldav_server, tmp_path / "config.toml", tmp_path)
    s.write_config()
    yield s


def by_address(contacts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["addresses"][0]: c for c in contacts}


def test_first_sync_fills_contacts_and_writes_events_and_the_second_changes_nothing(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = setup.run(capsys, "sync", "--json")
    assert code == 0, report
    assert {a["name"]: a["state"] for a in report["accounts"]} == {"mail": "ok", "cal": "ok"}
    _, contacts = setup.run(capsys, "contacts", "--json")
    people = by_address(contacts)
    # automated mail made nobody; the room and the declined meeting made nobody
    assert set(people) == {"jane@acme.example", "omar@haddad.example", "raj@bigco.example",
                           "lena@startup.example", "sam@rivera.example"}
    jane = people["jane@acme.example"]
    assert (jane["name"], jane["messages_in"], jane["messages_out"], jane["meetings"]) == (
        "Jane Roe", 2, 1, 1)
    assert jane["cadence"] == "inner circle"
    assert people["sam@rivera.example"]["meetings"] == 1
    events = setup.events()
    assert len(events) == report["applied"] > 0
    assert all("TRANSP:TRANSPARENT" in ics for ics in events.values())
    titles = {line for ics in events.values() for line in ics.splitlines()
              if line.startswith("SUMMARY")}
    # Jane wrote last in a thread she started: a reply is owed (the cadence waits meanwhile);
    # Raj got an ask and answered only with an auto-reply: a nudge.
    assert {"SUMMARY:Reply: Jane Roe (acme.example)", "SUMMARY:Nudge: Raj Patel (bigco.example)",
            "SUMMARY:Catch up: Omar Haddad (haddad.example)"} <= titles

    code, again = setup.run(capsys, "sync", "--json")
    assert code == 0 and again["plan"] == [] and again["applied"] == 0
    assert setup.events() == events  # byte for byte: nothing rewritten
    assert {a["name"]: a["items"] for a in again["accounts"]} == {"mail": 0, "cal": 0}


def test_new_mail_in_sent_is_picked_up_incrementally(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.run(capsys, "sync", "--json")
    when = datetime.now(UTC) - timedelta(hours=1)
    raw = (f"From: Dana Example <dana@example.org>\r\nTo: Omar Haddad <omar@haddad.example>\r\n"
           f"Subject: Next week?\r\nDate: {format_datetime(when)}\r\n"
           f"Message-ID: <new-1@example.org>\r\n\r\nbody\r\n").encode()
    setup.imap.append("Sent", raw)
    code, report = setup.run(capsys, "sync", "--json")
    assert code == 0 and report["accounts"][0]["items"] == 1
    _, contacts = setup.run(capsys, "contacts", "--json")
    omar = by_address(contacts)["omar@haddad.example"]
    assert omar["messages_out"] == 3
    # the same instant, written with the me.timezone offset (Europe/Berlin)
    assert datetime.fromisoformat(omar["last_outbound"]) == when.replace(microsecond=0)
    assert omar["last_outbound"].endswith(("+01:00", "+02:00"))


def _our_event(setup: Setup, person_fragment: str) -> tuple[str, str]:
    for href, ics in setup.events().items():
        if person_fragment in ics:
            return href, ics
    raise AssertionError(f"no follow-up for {person_fragment}")


def test_a_deleted_follow_up_is_not_recreated(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.run(capsys, "sync", "--json")
    href, _ = _our_event(setup, "Jane Roe")
    setup.cal.delete_event(FOLLOWUPS, href)
    code, report = setup.run(capsys, "sync", "--json")
    assert code == 0 and [p["action"] for p in report["plan"]] == ["record"]
    code, report = setup.run(capsys, "sync", "--json")
    assert report["plan"] == []
    assert all("Jane Roe" not in ics for ics in setup.events().values())
    _, due = setup.run(capsys, "due", "--json")
    assert [d["state"] for d in due if d["person"] == "Jane Roe"] == ["dismissed"]


def test_a_moved_follow_up_keeps_the_users_time(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.run(capsys, "sync", "--json")
    href, ics = _our_event(setup, "Omar Haddad")
    lines = ics.splitlines()
    start = next(line for line in lines if line.startswith("DTSTART;TZID="))
    day = start.split(":", 1)[1][:8]
    moved_day = (datetime.strptime(day + "+0000", "%Y%m%d%z") + timedelta(days=2)).strftime(
        "%Y%m%d")
    moved = ics.replace(f":{day}T", f":{moved_day}T")
    setup.cal.write_raw(FOLLOWUPS, href.rsplit("/", 1)[-1], moved)
    code, report = setup.run(capsys, "sync", "--json")
    assert code == 0 and [p["action"] for p in report["plan"]] == ["record"]  # noted: snoozed
    setup.run(capsys, "sync", "--json")
    now_there = setup.events()[href]
    assert f":{moved_day}T" in next(line for line in now_there.splitlines()
                                     if line.startswith("DTSTART;TZID="))


def test_uidvalidity_change_duplicates_nothing(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.run(capsys, "sync", "--json")
    _, before = setup.run(capsys, "contacts", "--json")
    setup.imap.recreate_folder("INBOX")
    code, report = setup.run(capsys, "sync", "--json")
    assert code == 0 and report["accounts"][0]["items"] > 0  # the folder was listed again
    _, after = setup.run(capsys, "contacts", "--json")
    assert after == before
    assert report["plan"] == []


def test_a_dropped_connection_mid_fetch_resumes_without_loss_or_duplicates(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    # Enough mail for several chunks, then a proxy that cuts the connection mid-fetch.
    now = datetime.now(UTC)
    bulk = []
    for i in range(300):
        when = now - timedelta(days=50, minutes=i)
        bulk.append((f"From: P{i} <p{i}@many.example>\r\nTo: dana@example.org\r\n"
                     f"Subject: note {i}\r\nDate: {format_datetime(when)}\r\n"
                     f"Message-ID: <bulk-{i}@example.org>\r\n\r\nx\r\n").encode())
    setup.imap.append_many("INBOX", bulk)
    proxy = LoopbackProxy(setup.imap.port, drop_after=20_000)
    try:
        setup.write_config(imap_port=proxy.port)
        code, report = setup.run(capsys, "sync", "--json")
    finally:
        proxy.close()
    assert code == 75 and report["accounts"][0]["state"] == "backoff"
    setup.write_config()
    code, report = setup.run(capsys, "sync", "--json")
    assert code == 0
    _, contacts = setup.run(capsys, "contacts", "--json")
    people = by_address(contacts)
    assert sum(1 for a in people if a.endswith("@many.example")) == 300
    assert all(people[f"p{i}@many.example"]["messages_in"] == 1 for i in range(300))
    assert people["jane@acme.example"]["messages_in"] == 2
