"""`syncd sync` through the CLI with a gmail and a google_calendar account, both pointed at the
local wire-format server (never Google): the second run changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from syncd.commands import sample_mailbox
from syncd.commands.cli import main
from tests.fakes.google_server import GoogleServer
from tests.fixtures_google import write_token


def _config(server: GoogleServer, tmp: Path) -> Path:
    path = tmp / "config.toml"
    path.write_text(f"""
[me]
name = "Dana Example"
addresses = ["dana@example.org"]
timezone = "Europe/Berlin"
[store]
path = "{tmp / 'syncd.sqlite3'}"
[[accounts]]
name = "gm"
type = "gmail"
client_secrets = "{tmp / 'client.json'}"
api_endpoint = "{server.root}"
[[accounts]]
name = "gcal"
type = "google_calendar"
client_secrets = "{tmp / 'client.json'}"
api_endpoint = "{server.root}"
[followups]
account = "gcal"
calendar = "Follow-ups"
horizon = "30d"
[[people]]
name = "Jane Roe"
addresses = ["jane@acme.example"]
tags = ["inner-circle"]
[[cadences]]
name = "inner circle"
tags = ["inner-circle"]
every = "14d"
""")
    return path


def _run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(["--config", str(config), *args])
    return code, json.loads(capsys.readouterr().out)


def test_gmail_and_gcal_sync_end_to_end_and_the_second_run_changes_nothing(
        google_server: GoogleServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    fake = google_server.fake
    now = datetime.now(UTC)
    for m in sample_mailbox.messages(now):
        parsed = message_from_bytes(m.raw)
        labels = ("SENT",) if m.folder == "Sent" else ("INBOX", "CATEGORY_PERSONAL")
        fake.add_message([(k, str(v)) for k, v in parsed.items()], labels=labels,
                         internal_ms=int(m.date.timestamp() * 1000))
    fake.calendar("primary", "dana@example.org")
    start = now - timedelta(days=3)
    fake.put_event("primary", {
        "id": "meet1", "summary": "Coffee", "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
        "organizer": {"email": "dana@example.org", "self": True},
        "attendees": [{"email": "dana@example.org", "self": True, "responseStatus": "accepted"},
                      {"email": "sam@rivera.example", "responseStatus": "accepted"}]})
    write_token(google_server, state / "syncd", "gm")
    write_token(google_server, state / "syncd", "gcal")
    config = _config(google_server, tmp_path)

    code, report = _run(capsys, config, "sync", "--json")
    assert code == 0, report
    assert {a["name"]: a["state"] for a in report["accounts"]} == {"gm": "ok", "gcal": "ok"}
    _, contacts = _run(capsys, config, "contacts", "--json")
    people = {c["addresses"][0]: c for c in contacts}
    assert people["jane@acme.example"]["cadence"] == "inner circle"
    assert people["sam@rivera.example"]["meetings"] >= 1
    cid = next(c for c, v in fake.calendars.items() if v["summary"] == "Follow-ups")
    events = {k: dict(v) for k, v in fake.events(cid).items()}
    assert len(events) == report["applied"] > 0
    assert all(e["transparency"] == "transparent" for e in events.values())

    code, again = _run(capsys, config, "sync", "--json")
    assert code == 0 and again["plan"] == [] and again["applied"] == 0
    assert {k: dict(v) for k, v in fake.events(cid).items()} == events
    assert {a["name"]: a["items"] for a in again["accounts"]} == {"gm": 0, "gcal": 0}


def test_gmail_invalid_grant_through_the_cli_is_needs_auth_exit_77(
        google_server: GoogleServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    google_server.fake.calendar("primary", "dana@example.org")
    token = write_token(google_server, state / "syncd", "gm", refresh="rt-gone")
    data = json.loads(token.read_text())
    token.write_text(json.dumps({**data, "expiry": "2020-01-01T00:00:00Z"}))
    google_server.fake.revoked.add("rt-gone")
    write_token(google_server, state / "syncd", "gcal")
    config = _config(google_server, tmp_path)
    code, report = _run(capsys, config, "sync", "--json")
    assert code == 77
    gm = next(a for a in report["accounts"] if a["name"] == "gm")
    assert gm["state"] == "needs_auth" and "syncd auth gm" in gm["error"]
