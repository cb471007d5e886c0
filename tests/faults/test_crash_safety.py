"""Crash safety: `syncd sync` killed with SIGKILL at random moments, again and again, then allowed
to finish, ends exactly where a clean run ends: the same contacts and ledgers, the same
follow-up events, none twice.

The kills land everywhere a sync spends time: starting up, fetching mail, storing pages,
reading the calendar, and between a calendar write and its record. ``SYNCD_CRASH_RUNS`` sets the
number of kills (default 50).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from syncd.localservers.caldav import CaldavServer
from syncd.localservers.imap import ImapServer

pytestmark = pytest.mark.integration
RUNS = int(os.environ.get("SYNCD_CRASH_RUNS", "50"))
ENV = "SYNCD_TEST_CRASH_PASSWORD"


def mailbox(now: datetime, people: int = 12, filler: int = 400) -> list[tuple[str, bytes]]:
    """Conversations with ``people`` (asks, answers, owed replies) and list-mail filler."""
    out: list[tuple[str, bytes]] = []

    def msg(n: int, days: float, sender: str, to: str, subject: str,
            extra: str = "", reply: int | None = None) -> bytes:
        when = now - timedelta(days=days)
        refs = f"In-Reply-To: <c{reply}@x>\r\n" if reply is not None else ""
        return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
                f"Date: {format_datetime(when)}\r\nMessage-ID: <c{n}@x>\r\n{refs}{extra}"
                "\r\nCould you get back to me on this?\r\n").encode()  # an ask, to the text signals

    n = 0
    for p in range(people):
        who = f"Person {p} <p{p}@crash{p}.example>"
        if p % 3 == 0:  # they asked; the user owes a reply
            out.append(("INBOX", msg(n, 1 + p % 5, who, "dana@example.org", f"Question {p}")))
            n += 1
        elif p % 3 == 1:  # the user asked; no answer yet
            out.append(("Sent", msg(n, 6 + p % 4, "dana@example.org", who, f"Ask {p}")))
            n += 1
        else:  # a two-way exchange: new contact, thank-you
            out.append(("Sent", msg(n, 4, "dana@example.org", who, f"Hello {p}")))
            out.append(("INBOX", msg(n + 1, 3, who, "dana@example.org", f"Re: Hello {p}",
                                     reply=n)))
            n += 2
    for i in range(filler):
        out.append(("INBOX", msg(n + i, 10 + i % 300, f"list{i % 7}@lists.example",
                                 "dana@example.org", f"[list] post {i}",
                                 extra="List-Id: <l.lists.example>\r\n")))
    return out


def write_config(path: Path, imap: ImapServer, cal: CaldavServer, store: Path,
                 calendar: str) -> None:
    path.write_text(f"""
[me]
name = "Dana"
addresses = ["dana@example.org"]
timezone = "Europe/Berlin"
[store]
path = "{store}"
[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
port = {imap.port}
security = "none"
username = "{imap.user}"
password_env = "{ENV}"
timeout = 10
[[accounts]]
name = "cal"
type = "caldav"
url = "{cal.url}"
username = "{cal.user}"
password_env = "{ENV}_CAL"
calendars = ["Work"]
[followups]
account = "cal"
calendar = "{calendar}"
horizon = "30d"
""")


def syncd(config: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "syncd", "--config", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(config: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = syncd(config, *args, env=env)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out + err


def events(cal: CaldavServer, calendar: str) -> list[tuple[str, str, str]]:
    """(UID, DTSTART, SUMMARY) of every event, duplicates kept."""
    found = []
    for ics in cal.events(calendar).values():
        fields = {}
        for line in ics.splitlines():
            name = line.split(":", 1)[0].split(";", 1)[0]
            if name in ("UID", "SUMMARY") or line.startswith("DTSTART;TZID="):
                fields.setdefault(name, line.split(":", 1)[1])
        found.append((fields.get("UID", ""), fields.get("DTSTART", ""), fields.get("SUMMARY", "")))
    return sorted(found)


def kill_until_done(config: Path, env: dict[str, str], rng: random.Random, longest: float
                    ) -> int:
    """Start `syncd sync` again and again, each killed with SIGKILL after a random moment up to
    ``longest`` seconds, until one run finishes by itself. Returns how many were killed."""
    killed = 0
    while True:
        proc = syncd(config, "sync", env=env)
        time.sleep(rng.uniform(0.05, longest))
        if proc.poll() is not None:
            proc.communicate(timeout=60)
            return killed  # it finished on its own: the round is over
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        killed += 1


def contacts(config: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    code, out = finish(config, env, "contacts", "--json")
    assert code == 0, out
    rows: list[dict[str, Any]] = json.loads(out[: out.rindex("]") + 1])
    return sorted(rows, key=lambda r: r["id"])


@pytest.fixture
def imap(tmp_path: Path) -> Any:
    """One server, the fastest this machine has (the kills, not the server kind, are tested)."""
    from syncd.localservers.imap import available_kinds
    from tests.fixtures_imap import start_server

    server = start_server(tmp_path, available_kinds()[0])
    yield server
    server.stop()


def test_sigkill_anywhere_loses_nothing_and_doubles_nothing(
        imap: ImapServer, caldav_server: CaldavServer, tmp_path: Path) -> None:
    """Rounds: a fresh store and calendar, killed at random moments until a run finishes by
    itself; then the round must equal the clean run. Rounds go on until RUNS kills landed."""
    now = datetime.now(UTC)
    for folder in ("INBOX", "Sent"):
        imap.append_many(folder, [raw for f, raw in mailbox(now) if f == folder])
    caldav_server.create_calendar("Work")
    env = {**os.environ, ENV: imap.password, f"{ENV}_CAL": caldav_server.password}

    clean = tmp_path / "clean.toml"
    write_config(clean, imap, caldav_server, tmp_path / "clean" / "db.sqlite3", "Clean")
    started = time.monotonic()
    code, out = finish(clean, env, "sync")
    full = time.monotonic() - started
    assert code == 0, out
    expected_events = events(caldav_server, "Clean")
    expected_contacts = contacts(clean, env)
    assert len(expected_events) >= 10  # enough writes for kills to land between them

    rng = random.Random(20261122)
    killed = rounds = 0
    while killed < RUNS:
        rounds += 1
        crashy = tmp_path / f"crashy{rounds}.toml"
        calendar = f"Crashy {rounds}"
        write_config(crashy, imap, caldav_server, tmp_path / f"crashy{rounds}" / "db.sqlite3",
                     calendar)
        killed += kill_until_done(crashy, env, rng, full)
        code, out = finish(crashy, env, "sync", "--json")
        assert code == 0 and json.loads(out)["plan"] == [], out  # nothing left to do
        got = events(caldav_server, calendar)
        uids = [uid for uid, _, _ in got]
        assert len(uids) == len(set(uids)), f"round {rounds}: an event was written twice"
        assert got == expected_events, f"round {rounds}"
        assert contacts(crashy, env) == expected_contacts, f"round {rounds}"
    assert rounds >= 2
