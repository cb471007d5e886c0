"""The text signals read the start of each message's text and keep only flags: no byte of a
body (IMAP) or of a snippet (Gmail) reaches the store, the logs, any command's output or the
calendar (DESIGN.md section 10)."""

from __future__ import annotations

import base64
import json
import logging
import quopri
import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from connectors._google_token import GMAIL_READONLY
from syncd.commands.cli import main
from syncd.commands.demo import FOLLOWUPS, demo_config
from syncd.localservers.caldav import CaldavServer
from syncd.localservers.imap import ImapServer
from tests.fakes.google_server import GoogleServer
from tests.fixtures_google import write_token

pytestmark = pytest.mark.integration
ENV = "SYNCD_TEST_PRIVACY_PASSWORD"
MARKER = "Zq7xMarkerWombat"  # in every body, in every encoding; nowhere else


def _raw(n: int, when: datetime, sender: str, to: str, subject: str, body: bytes,
         headers: str) -> bytes:
    head = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {format_datetime(when)}"
            f"\r\nMessage-ID: <privacy-{n}@example.org>\r\nMIME-Version: 1.0\r\n{headers}")
    return head.encode() + b"\r\n" + body + b"\r\n"


def mailbox(now: datetime) -> list[tuple[str, bytes, datetime]]:
    text = f"Could you send me the {MARKER} figures by Friday?"
    qp = quopri.encodestring(f"Könnten Sie {MARKER} prüfen? Grüße".encode())
    b64 = base64.encodebytes(f"<p>Thanks for the {MARKER} notes!</p>".encode("latin-1"))
    boundary = "b1"
    multi = (f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
             f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
             f"Content-Disposition: attachment; filename=a.bin\r\n\r\n{MARKER}\r\n"
             f"--{boundary}--\r\n").encode()
    me, ann = "Dana Example <dana@example.org>", "Ann Lee <ann@partner.example>"
    days = [now - timedelta(days=d) for d in (9, 8, 7, 6)]
    return [
        ("Sent", _raw(1, days[0], me, ann, "Figures", text.encode(),
                      "Content-Type: text/plain; charset=utf-8\r\n"), days[0]),
        ("INBOX", _raw(2, days[1], ann, me, "Prüfung", qp,
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n"), days[1]),
        ("INBOX", _raw(3, days[2], ann, me, "Notes", b64,
                       "Content-Type: text/html; charset=iso-8859-1\r\n"
                       "Content-Transfer-Encoding: base64\r\n"), days[2]),
        ("Sent", _raw(4, days[3], me, ann, "More", multi,
                      f"Content-Type: multipart/mixed; boundary={boundary}\r\n"), days[3]),
    ]


def test_no_byte_of_a_body_reaches_the_store_logs_output_or_calendar(
        imap_server: ImapServer, caldav_server: CaldavServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(ENV, imap_server.password)
    monkeypatch.setenv(f"{ENV}_CAL", caldav_server.password)
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setenv("SYNCD_NOW", now.isoformat())
    for folder, raw, when in mailbox(now):
        imap_server.append_many(folder, [(raw, when)])
    caldav_server.create_calendar("Work")
    config = tmp_path / "config.toml"
    config.write_text(demo_config(imap_server.port, caldav_server.url, tmp_path / "state",
                                  imap_user=imap_server.user, caldav_user=caldav_server.user,
                                  imap_env=ENV, caldav_env=f"{ENV}_CAL"))
    caplog.set_level(logging.DEBUG)
    outputs = []
    for args in (["sync", "--json"], ["sync"], ["contacts", "--json"], ["due", "--json"],
                 ["ledger", "ann@partner.example", "--json"],
                 ["why", "ann@partner.example", "--json"], ["why", "privacy-1@example.org"],
                 ["status", "--json"]):
        capsys.readouterr()
        assert main(["--debug", "--config", str(config), *args]) == 0, args
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    text = "\n".join(outputs) + caplog.text + json.dumps(caldav_server.events(FOLLOWUPS))
    assert MARKER.lower() not in text.lower()
    store = tmp_path / "state" / "syncd.sqlite3"
    for path in store.parent.iterdir():  # the database, its WAL and shared memory
        assert MARKER.encode().lower() not in path.read_bytes().lower(), path
    flags = dict(sqlite3.connect(store).execute("SELECT message_id, signals FROM messages"))
    assert flags == {"privacy-1@example.org": "ask", "privacy-2@example.org": "ask",
                     "privacy-3@example.org": "thanks", "privacy-4@example.org": "ask"}
    assert "Ann Lee" in outputs[2]  # the run did see the mail


GMAIL_TEXTS = {  # Message-ID -> the start of the body (Google turns it into the snippet)
    "privacy-g1@example.org": f"Could you send me the {MARKER} figures by Friday?",
    "privacy-g2@example.org": f"Thanks, I don't need the {MARKER} notes after all!",
    "privacy-g3@example.org": "Done, I sent them this morning. On Mon, Feb 2, 2026 at 10:00 AM "
                              f"Ann <ann@partner.example> wrote: > Would you check {MARKER}?",
}


def test_no_byte_of_a_gmail_snippet_reaches_the_store_logs_output_or_calendar(
        google_server: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setenv("SYNCD_NOW", now.isoformat())
    fake = google_server.fake
    me, ann = "Dana Example <dana@example.org>", "Ann Lee <ann@partner.example>"
    for n, (mid, text) in enumerate(GMAIL_TEXTS.items()):
        when = now - timedelta(days=9 - n)
        sent = n != 1
        fake.add_message([("From", me if sent else ann), ("To", ann if sent else me),
                          ("Subject", f"Item {n}"), ("Date", format_datetime(when)),
                          ("Message-ID", f"<{mid}>")], labels=("SENT",) if sent else ("INBOX",),
                         internal_ms=int(when.timestamp() * 1000), text=text)
    fake.calendar("primary", "dana@example.org")
    write_token(google_server, state / "syncd", "gm", scopes=(GMAIL_READONLY,))
    write_token(google_server, state / "syncd", "gcal", refresh="rt-cal")
    config = tmp_path / "config.toml"
    config.write_text(f"""
[me]
name = "Dana Example"
addresses = ["dana@example.org"]
[store]
path = "{state / 'syncd.sqlite3'}"
[[accounts]]
name = "gm"
type = "gmail"
client_secrets = "{tmp_path / 'client.json'}"
api_endpoint = "{google_server.root}"
message_text = "preview"
[[accounts]]
name = "gcal"
type = "google_calendar"
client_secrets = "{tmp_path / 'client.json'}"
api_endpoint = "{google_server.root}"
[followups]
account = "gcal"
calendar = "{FOLLOWUPS}"
""")
    caplog.set_level(logging.DEBUG)
    outputs = []
    for args in (["sync", "--json"], ["sync"], ["contacts", "--json"], ["due", "--json"],
                 ["ledger", "ann@partner.example", "--json"],
                 ["why", "ann@partner.example", "--json"], ["why", "privacy-g1@example.org"],
                 ["status", "--json"]):
        capsys.readouterr()
        assert main(["--debug", "--config", str(config), *args]) == 0, args
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    events = [e for c in fake.calendars.values() for e in c["events"].values()]
    text = "\n".join(outputs) + caplog.text + json.dumps(events)
    assert MARKER.lower() not in text.lower()
    for path in (state / "syncd.sqlite3").parent.rglob("*"):  # store, WAL, tokens, quota
        if path.is_file():
            assert MARKER.encode().lower() not in path.read_bytes().lower(), path
    flags = dict(sqlite3.connect(state / "syncd.sqlite3").execute(
        "SELECT message_id, signals FROM messages"))
    assert flags == {"privacy-g1@example.org": "ask", "privacy-g2@example.org": "thanks",
                     # the address of the recipient whose words it quotes: from the headers
                     "privacy-g3@example.org": "quotes_reply,quoted:ann@partner.example"}
    assert "Ann Lee" in outputs[2]  # the run did see the mail
