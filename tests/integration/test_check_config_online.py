"""`syncd check-config --online`: one login per account, each account's result on its own line,
against real servers on loopback: IMAP (Dovecot or pymap), Radicale (its password a systemd
credential in $CREDENTIALS_DIRECTORY), the local Google token endpoint and the local Entra fake
(after a real `syncd auth` device-code flow)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from syncd.commands.cli import main
from syncd.localservers.caldav import CaldavServer
from tests.fakes.google_server import GoogleServer
from tests.fakes.graph_server import GraphServer
from tests.fixtures_google import write_token
from tests.fixtures_graph import graph
from tests.fixtures_imap import ImapServer

__all__ = ["graph"]
pytestmark = pytest.mark.integration


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--config", str(config), *args])
    said = capsys.readouterr()
    return code, said.out + said.err


def test_online_tries_each_login_once_and_reports_each_account(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        imap_server: ImapServer, caldav_server: CaldavServer, graph: GraphServer) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("ONLINE_IMAP_PW", imap_server.password)
    credentials = tmp_path / "credentials"  # what systemd's LoadCredential= makes
    credentials.mkdir()
    (credentials / "cal-pw").write_text(caldav_server.password + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    google = GoogleServer()
    try:
        write_token(google, tmp_path / "state" / "syncd", "gcal")  # XDG_STATE_HOME: graph fixture
        secrets = tmp_path / "client.json"
        secrets.write_text("{}")
        config = tmp_path / "config.toml"
        dead = closed_port()
        config.write_text(f"""
[me]
addresses = ["dana@dana.test"]
[store]
path = "{tmp_path / 'db.sqlite3'}"
[[accounts]]
name = "mail"
type = "imap"
host = "{imap_server.host}"
port = {imap_server.port}
security = "none"
username = "{imap_server.user}"
password_env = "ONLINE_IMAP_PW"
timeout = 10
[[accounts]]
name = "cal"
type = "caldav"
url = "{caldav_server.url}"
username = "{caldav_server.user}"
password_credential = "cal-pw"
timeout = 10
[[accounts]]
name = "gcal"
type = "google_calendar"
client_secrets = "{secrets}"
api_endpoint = "{google.root}"
[[accounts]]
name = "office"
type = "outlook"
client_id = "client-1"
tenant = "tenant-1"
authority = "{graph.authority}"
graph_endpoint = "{graph.base}"
timeout = 10
[followups]
account = "cal"
""")
        assert run(capsys, config, "auth", "office")[0] == 0
        refreshes = len(google.fake.tokens)
        code, text = run(capsys, config, "check-config", "--online")
        assert code == 0, text
        lines = text.splitlines()
        assert f"{config}: ok (4 account(s))" in lines[0]
        assert f"  mail (imap): ok, logged in as {imap_server.user}" in lines
        assert any(line.startswith("  cal (caldav): ok, logged in;") for line in lines), text
        assert "  gcal (google_calendar): ok, token refreshed" in lines
        assert "  office (outlook): ok, token refreshed" in lines
        assert len(google.fake.tokens) == refreshes + 1  # one refresh, a new access token

        # a wrong password and a dead server: each said on its own line, exit 77 first
        monkeypatch.setenv("ONLINE_IMAP_PW", "wrong")
        config.write_text(config.read_text().replace(caldav_server.url,
                                                     f"http://127.0.0.1:{dead}/"))
        code, text = run(capsys, config, "check-config", "--online")
        assert code == 77, text
        assert "  mail (imap): FAILED: mail: the IMAP server refused the login" in text
        assert f"  cal (caldav): FAILED: cal: connection to 127.0.0.1:{dead} failed: " \
            "Connection refused" in text
        assert "wrong" not in text  # never a secret in the output
    finally:
        google.close()


def test_online_is_not_tried_while_the_file_has_problems(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"""
[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
port = {closed_port()}
security = "none"
password_command = ["{tmp_path / 'no-such-program'}"]
""")
    code, text = run(capsys, config, "check-config", "--online")
    assert code == 78 and "accounts[0].password_command" in text
    assert "FAILED" not in text and sys.executable  # no login was tried
