"""Crash safety on the Gmail + Google Calendar path: `syncd sync` in a subprocess, pointed at the
local Google wire-format server (which runs in this test process), killed with SIGKILL at random
moments until a run finishes by itself, must end where a clean run ends: the same contacts, the
same follow-up events, none twice. ``SYNCD_CRASH_RUNS_CLOUD`` sets the number of kills
(default 50). The IMAP + Radicale path: tests/faults/test_crash_safety.py.
"""

from __future__ import annotations

import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.fakes.google_server import GoogleServer
from tests.faults.test_crash_safety import contacts, finish, kill_until_done, mailbox
from tests.fixtures_google import write_token

pytestmark = pytest.mark.integration
RUNS = int(os.environ.get("SYNCD_CRASH_RUNS_CLOUD", "50"))


def write_config(path: Path, server: GoogleServer, store: Path, calendar: str) -> None:
    path.write_text(f"""
[me]
name = "Dana"
addresses = ["dana@example.org"]
timezone = "Europe/Berlin"
[store]
path = "{store}"
[[accounts]]
name = "gm"
type = "gmail"
client_secrets = "{path.parent / 'client.json'}"
api_endpoint = "{server.root}"
timeout = 10
quota_per_minute = 1000000
[[accounts]]
name = "gcal"
type = "google_calendar"
client_secrets = "{path.parent / 'client.json'}"
api_endpoint = "{server.root}"
timeout = 10
[followups]
account = "gcal"
calendar = "{calendar}"
horizon = "30d"
""")


def events(server: GoogleServer, calendar: str) -> list[tuple[str, str]]:
    """(summary, start) of every live event in ``calendar``, duplicates kept."""
    fake = server.fake
    cid = next((c for c, v in fake.calendars.items() if v["summary"] == calendar), None)
    if cid is None:
        return []
    return sorted((str(e.get("summary")), json.dumps(e.get("start"), sort_keys=True))
                  for e in fake.events(cid).values() if e.get("status") != "cancelled")


def test_gmail_path_sigkill_anywhere_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    server = GoogleServer()
    try:
        fake = server.fake
        for folder, raw in mailbox(now, filler=200):
            parsed = message_from_bytes(raw)
            labels = ("SENT",) if folder == "Sent" else ("INBOX",)
            when = parsedate_to_datetime(parsed["Date"])
            fake.add_message([(k, str(v)) for k, v in parsed.items()], labels=labels,
                             internal_ms=int(when.timestamp() * 1000))
        fake.calendar("primary", "dana@example.org")
        start = now - timedelta(days=3)
        fake.put_event("primary", {
            "id": "meet1", "summary": "Coffee", "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
            "attendees": [{"email": "dana@example.org", "self": True,
                           "responseStatus": "accepted"},
                          {"email": "sam@rivera.example", "responseStatus": "accepted"}]})

        def setup(name: str, calendar: str) -> tuple[Path, dict[str, str]]:
            home = tmp_path / name
            state = home / "state"
            for account in ("gm", "gcal"):
                write_token(server, state / "syncd", account)
            config = home / "config.toml"
            write_config(config, server, home / "db.sqlite3", calendar)
            return config, {**os.environ, "XDG_STATE_HOME": str(state)}

        clean, env = setup("clean", "Clean")
        started = time.monotonic()
        code, out = finish(clean, env, "sync")
        full = time.monotonic() - started
        assert code == 0, out
        expected_events = events(server, "Clean")
        expected_contacts = contacts(clean, env)
        assert len(expected_events) >= 5

        rng = random.Random(20261122)
        killed = rounds = 0
        while killed < RUNS:
            rounds += 1
            calendar = f"Crashy {rounds}"
            crashy, env = setup(f"crashy{rounds}", calendar)
            killed += kill_until_done(crashy, env, rng, full)
            code, out = finish(crashy, env, "sync", "--json")
            assert code == 0 and json.loads(out)["plan"] == [], out
            got = events(server, calendar)
            assert got == expected_events, f"round {rounds}"
            assert contacts(crashy, env) == expected_contacts, f"round {rounds}"
        assert rounds >= 2
    finally:
        server.close()
