"""Network failures read the same for every provider, and are said once.

Each source (IMAP, CalDAV through the caldav library, Gmail and Google Calendar through
google-api-python-client, Graph through requests) is pointed at a closed port on 127.0.0.1, and
at a proxy that drops every connection as soon as it is accepted. The error must read
``connection to 127.0.0.1:PORT failed: <reason>``, never a wrapped library repr
(``HTTPConnectionPool(...)``, ``object at 0x...``). `syncd sync` against a dead CalDAV server
(the source and the follow-up calendar both) prints the failure once, and `syncd status` shows
no stale error once the account recovers.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.base import Source
from syncd.errors import TransientError
from tests.faults.proxy import FaultProxy

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIBRARY_NOISE = ("HTTPConnectionPool", "object at 0x", "Max retries", "NewConnectionError",
                 "Errno", "urllib3")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def failure(source: Source) -> str:
    try:
        with pytest.raises(TransientError) as caught:
            for _page in source.pull(None):
                pass
    finally:
        source.close()
    return str(caught.value)


def assert_readable(message: str, name: str, port: int, reasons: tuple[str, ...]) -> None:
    prefix = f"{name}: connection to 127.0.0.1:{port} failed: "
    assert message.startswith(prefix), message
    assert any(r in message for r in reasons), message
    assert not any(noise in message for noise in LIBRARY_NOISE), message
    assert len(message) < 160, message


REFUSED = ("Connection refused",)
DROPPED = ("the server closed the connection before answering", "Connection reset by peer",
           "Connection aborted")


# -- the sources --------------------------------------------------------------------------------

def imap(port: int, _tmp: Path) -> Source:
    from connectors.imap import ImapSource
    from syncd.config import ImapAccount

    account = ImapAccount(name="mail", type="imap", host="127.0.0.1", port=port,
                          security="none", username="dana", timeout=5)
    return ImapSource(account, "secret")


def caldav(port: int, _tmp: Path) -> Source:
    from connectors.caldav import CaldavSource
    from syncd.config import CaldavAccount

    account = CaldavAccount(name="cal", type="caldav", url=f"http://127.0.0.1:{port}/",
                            username="dana", timeout=5)
    return CaldavSource(account, "secret", now=lambda: NOW)


def _google(kind: str) -> Callable[[int, Path], Source]:
    def make(port: int, tmp: Path) -> Source:
        from connectors.gcal import GcalSource
        from connectors.gmail import GmailSource
        from tests.fakes.google_server import GoogleServer
        from tests.fixtures_google import Waits, google_account, policy, write_token

        server = GoogleServer()  # only for a valid, unexpired token file
        try:
            write_token(server, tmp, kind)
        finally:
            server.close()
        account = google_account(server, kind, kind=kind,
                                 api_endpoint=f"http://127.0.0.1:{port}/", timeout=5)
        if kind == "gmail":
            return GmailSource(account, state_dir=tmp, policy=policy(Waits(), attempts=2))
        return GcalSource(account, state_dir=tmp, policy=policy(Waits(), attempts=2),
                          now=lambda: NOW)
    return make


def graph(port: int, tmp: Path) -> Source:
    from connectors.outlook import OutlookSource, make_client
    from syncd.config import OutlookAccount
    from tests.fixtures_graph import StaticTokens

    os.environ["XDG_STATE_HOME"] = str(tmp / "state")
    account = OutlookAccount(name="office", type="outlook", client_id="c", tenant="t",
                             graph_endpoint=f"https://127.0.0.1:{port}", timeout=5)
    client = make_client(account, tokens=StaticTokens(), sleep=lambda _s: None)
    return OutlookSource(account, now=lambda: NOW, client=client)


SOURCES: dict[str, tuple[str, Callable[[int, Path], Source]]] = {
    "imap": ("mail", imap), "caldav": ("cal", caldav), "gmail": ("gmail", _google("gmail")),
    "google_calendar": ("google_calendar", _google("google_calendar")),
    "outlook": ("office", graph),
}


@pytest.fixture
def state_home(tmp_path: Path) -> Iterator[Path]:
    before = os.environ.get("XDG_STATE_HOME")
    yield tmp_path
    if before is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = before


@pytest.mark.parametrize("kind", list(SOURCES))
def test_a_closed_port_reads_like_imap(kind: str, state_home: Path) -> None:
    name, make = SOURCES[kind]
    port = closed_port()
    assert_readable(failure(make(port, state_home)), name, port, REFUSED)


@pytest.mark.parametrize("kind", list(SOURCES))
def test_a_dropped_connection_reads_like_imap(kind: str, state_home: Path) -> None:
    name, make = SOURCES[kind]
    with FaultProxy(closed_port(), fault="refuse", budget=1000) as proxy:
        message = failure(make(proxy.port, state_home))
        assert proxy.injected["refuse"] >= 1
    assert_readable(message, name, proxy.port, DROPPED)


def test_sync_against_a_dead_caldav_server_says_it_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from syncd.commands.cli import main

    port = closed_port()
    config = tmp_path / "config.toml"
    config.write_text(f"""
[me]
addresses = ["dana@example.org"]
[store]
path = "{tmp_path / 'db.sqlite3'}"
[[accounts]]
name = "cal"
type = "caldav"
url = "http://127.0.0.1:{port}/"
username = "dana"
password_env = "DEAD_CALDAV_PASSWORD"
timeout = 5
[followups]
account = "cal"
""")
    monkeypatch.setenv("DEAD_CALDAV_PASSWORD", "secret")
    monkeypatch.setenv("SYNCD_NOW", NOW.isoformat())
    monkeypatch.setenv("COLUMNS", "200")
    caplog.set_level(logging.WARNING)
    code = main(["--config", str(config), "sync"])
    said = capsys.readouterr()
    everything = "\n".join([said.out, said.err, *(r.getMessage() for r in caplog.records)])
    assert code == 75
    assert everything.count("Connection refused") == 1, everything
    assert f"connection to 127.0.0.1:{port} failed: Connection refused" in said.out
    assert "follow-up calendar: nothing written" in said.err

    # with --debug every log line is back (the journal of the daemon keeps them too)
    caplog.clear()
    caplog.set_level(logging.DEBUG)  # what --debug sets up outside pytest
    main(["--config", str(config), "--debug", "sync"])
    capsys.readouterr()
    assert any("Connection refused" in r.getMessage() for r in caplog.records)


def test_status_forgets_the_error_once_the_account_recovers(tmp_path: Path) -> None:
    from syncd.store import Store

    with Store.open(tmp_path / "db.sqlite3") as store:
        store.set_status("cal", "backoff", error="cal: connection to 127.0.0.1:9 failed: x")
        assert store.statuses()["cal"]["last_error"]
        store.set_status("cal", "ok")
        status = store.statuses()["cal"]
    assert status["state"] == "ok" and status["last_error"] is None
    assert status["last_success"]
