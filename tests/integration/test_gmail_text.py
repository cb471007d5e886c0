"""Gmail text signals, opt-in per account: the snippet (gmail.readonly) or headers only
(gmail.metadata), against the local wire-format server through the real client libraries."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from rich.console import Console

from connectors._google_token import GMAIL_METADATA, GMAIL_READONLY, stored_scopes
from connectors.gmail import GmailSource
from syncd.auth.google import run_google_auth
from syncd.commands.cli import main
from tests.fakes.google_server import GoogleServer
from tests.fixtures_google import (
    Waits,
    client_secrets_file,
    google_account,
    header_list,
    policy,
    write_token,
)

BASE_MS = 1_770_000_000_000
TEXTS = {
    1: "Could you send me the figures by Friday?",
    2: "Thanks for the notes, that's great!",
    3: "I'll look at it. On Mon, Feb 2, 2026 at 10:00 AM Ann <ann@x.example> wrote: > Could you?",
    4: "",
}
FLAGS = {1: ("ask",), 2: ("thanks",), 3: ("quotes_reply",), 4: ()}
OPEN: list[GmailSource] = []


@pytest.fixture(autouse=True)
def _close_sources() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def _mailbox(server: GoogleServer) -> dict[str, int]:
    return {server.fake.add_message(header_list(n), internal_ms=BASE_MS + n * 1000,
                                    text=text): n for n, text in TEXTS.items()}


def _pull(server: GoogleServer, tmp_path: Path, *, preview: bool,
          scopes: tuple[str, ...]) -> dict[int, tuple[str, ...] | None]:
    ids = _mailbox(server)
    write_token(server, tmp_path, "gm", scopes=scopes)
    account = google_account(server, "gm", message_text="preview" if preview else None)
    source = GmailSource(account, state_dir=tmp_path, policy=policy(Waits()), preview=preview)
    OPEN.append(source)
    return {ids[m.native_id]: m.signals for page in source.pull(None) for m in page.items}


def _gets(server: GoogleServer) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(t.split(" ", 1)[1]).query) for t in server.fake.targets
            if t.startswith("GET /gmail/v1/users/me/messages/")]


def test_an_opted_in_account_with_gmail_readonly_gets_flags_from_snippets(
        google_server: GoogleServer, tmp_path: Path) -> None:
    assert _pull(google_server, tmp_path, preview=True, scopes=(GMAIL_READONLY,)) == FLAGS
    gets = _gets(google_server)
    assert len(gets) == len(TEXTS)  # the same one messages.get per message, no extra request
    assert all(q["format"] == ["metadata"] and "snippet" in q["fields"][0].split(",")
               for q in gets)


def test_the_default_account_reads_headers_only_and_asks_for_no_snippet(
        google_server: GoogleServer, tmp_path: Path) -> None:
    # even with a token wide enough (the user went back from "preview" without re-auth)
    assert _pull(google_server, tmp_path, preview=False, scopes=(GMAIL_READONLY,)) == dict.fromkeys(
        TEXTS)
    assert all("snippet" not in q["fields"][0].split(",") for q in _gets(google_server))


def test_an_opted_in_account_with_an_old_metadata_token_falls_back_to_headers(
        google_server: GoogleServer, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("connectors.gmail._TOLD", set())
    caplog.set_level(logging.WARNING)
    assert _pull(google_server, tmp_path, preview=True, scopes=(GMAIL_METADATA,)) == dict.fromkeys(
        TEXTS)
    assert "only gmail.metadata" in caplog.text and "syncd auth gm" in caplog.text


def test_the_fake_like_google_sends_no_snippet_under_gmail_metadata(
        google_server: GoogleServer, tmp_path: Path) -> None:
    """The source asks for the snippet (its token file claims gmail.readonly) but Google only
    granted gmail.metadata: no snippet comes back, so no flags, never a failure."""
    ids = _mailbox(google_server)
    write_token(google_server, tmp_path, "gm", scopes=(GMAIL_READONLY,))
    google_server.fake.grants["rt-1"] = GMAIL_METADATA
    source = GmailSource(google_account(google_server, "gm", message_text="preview"),
                         state_dir=tmp_path, policy=policy(Waits()), preview=True)
    OPEN.append(source)
    got = {ids[m.native_id]: m.signals for p in source.pull(None) for m in p.items}
    assert got == dict.fromkeys(TEXTS)


# -- syncd auth asks the right scopes and records what Google granted ---------------------------


@pytest.mark.parametrize(("message_text", "asked"), [
    ("preview", GMAIL_READONLY), (None, GMAIL_METADATA), ("none", GMAIL_METADATA)])
def test_auth_asks_gmail_readonly_only_for_an_opted_in_account(
        google_server: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        message_text: str | None, asked: str) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    secrets = client_secrets_file(google_server, tmp_path)
    account = google_account(google_server, "gm", client_secrets=str(secrets),
                             message_text=message_text)
    shown = io.StringIO()

    def consent(prompt: str) -> str:
        url = next(w for w in shown.getvalue().split() if w.startswith("https://accounts"))
        query = parse_qs(urlsplit(url).query)
        assert query["scope"] == [asked]  # exactly one scope: never both
        google_server.fake.codes["code-1"] = unquote(query["scope"][0])
        state = re.search(r"state=([^&]+)", url)
        assert state
        return f"http://127.0.0.1:8765/?state={state.group(1)}&code=code-1&scope=x"

    state_dir = tmp_path / "state"
    assert run_google_auth(account, Console(file=shown, width=4000), headless=True,
                           state_dir=state_dir, read_line=consent) == 0
    assert stored_scopes("gm", state_dir) == (asked,)
    assert asked.rsplit("/", 1)[1] in shown.getvalue().split("asking Google for ")[1]
    # the token just saved is the one the source then uses
    google_server.fake.add_message(header_list(1), text=TEXTS[1])
    source = GmailSource(account, state_dir=state_dir, policy=policy(Waits()),
                         preview=account.reads_text)
    OPEN.append(source)
    signals = [m.signals for p in source.pull(None) for m in p.items]
    assert signals == [("ask",) if asked == GMAIL_READONLY else None]


# -- status and check-config say what each Gmail account reads ----------------------------------


def _config(server: GoogleServer, tmp: Path, message_text: str | None) -> Path:
    path = tmp / "config.toml"
    line = f'message_text = "{message_text}"' if message_text else ""
    path.write_text(f"""
[me]
name = "Kim Lee"
addresses = ["kim@lee-family.test"]
[store]
path = "{tmp / 'syncd.sqlite3'}"
[[accounts]]
name = "gm"
type = "gmail"
client_secrets = "{tmp / 'client.json'}"
api_endpoint = "{server.root}"
{line}
""")
    (tmp / "client.json").write_text("{}")
    return path


@pytest.mark.parametrize(("message_text", "scopes", "says"), [
    ("preview", (GMAIL_METADATA,), "headers only: the stored token allows only gmail.metadata"),
    ("preview", (GMAIL_READONLY,), "preview: snippet"),
    ("preview", None, "snippet once authorised: run `syncd auth gm`"),
    (None, (GMAIL_READONLY,), "headers only: gmail.metadata gives no message text"),
    ("none", (GMAIL_READONLY,), 'headers only (message_text = "none")'),
])
def test_status_and_check_config_say_what_a_gmail_account_reads(
        google_server: GoogleServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, message_text: str | None,
        scopes: tuple[str, ...] | None, says: str) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    if scopes is not None:
        write_token(google_server, tmp_path / "state" / "syncd", "gm", scopes=scopes)
    config = _config(google_server, tmp_path, message_text)
    capsys.readouterr()
    assert main(["--config", str(config), "status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["text_signals"].startswith(says)
    assert main(["--config", str(config), "check-config"]) == 0  # a warning, not a failure
    warned = capsys.readouterr().err
    fallback = message_text == "preview" and scopes == (GMAIL_METADATA,)
    assert ("warning: gm:" in warned and "run `syncd auth gm`" in warned) == fallback
