"""`syncd auth NAME --headless` for Google accounts, against the local token endpoint."""

from __future__ import annotations

import io
import json
import re
import stat
from pathlib import Path

import pytest
from rich.console import Console

from syncd.auth.google import run_google_auth
from syncd.errors import ConfigError
from tests.fakes.google_server import GoogleServer
from tests.fixtures_google import client_secrets_file, google_account

SCOPES = {"gmail": "gmail.metadata", "google_calendar": "calendar.events.owned",
          "google_contacts": "contacts.readonly"}


@pytest.mark.parametrize("kind", ["gmail", "google_calendar", "google_contacts"])
def test_gmail_and_gcal_headless_auth_saves_a_private_token(
        google_server: GoogleServer, tmp_path: Path, kind: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local token endpoint is http
    account = google_account(google_server, "acct", kind,
                             client_secrets=str(client_secrets_file(google_server, tmp_path)))
    shown = io.StringIO()
    console = Console(file=shown, width=4000)

    def paste(prompt: str) -> str:
        url = next(w for w in shown.getvalue().split() if w.startswith("https://accounts"))
        state = re.search(r"state=([^&]+)", url)
        assert state and "access_type=offline" in url
        assert SCOPES[kind] in url and ("calendar" in url) == (kind == "google_calendar")
        assert ("gmail" in url) == (kind == "gmail") and ("contacts" in url) == (
            kind == "google_contacts")
        return f"http://127.0.0.1:8765/?state={state.group(1)}&code=good-code&scope=x"

    state_dir = tmp_path / "state"
    assert run_google_auth(account, console, headless=True, state_dir=state_dir,
                           read_line=paste) == 0
    token = state_dir / "tokens" / "acct.json"
    data = json.loads(token.read_text())
    assert data["refresh_token"].startswith("rt-") and data["client_id"] == "cid.apps.example"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert stat.S_IMODE(token.parent.stat().st_mode) == 0o700


def test_gmail_auth_without_a_client_file_says_what_to_do(google_server: GoogleServer,
                                                          tmp_path: Path) -> None:
    account = google_account(google_server, "acct", client_secrets=str(tmp_path / "none.json"))
    with pytest.raises(ConfigError, match="Desktop app client"):
        run_google_auth(account, Console(file=io.StringIO()), headless=True, state_dir=tmp_path)
