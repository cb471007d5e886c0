"""`syncd run` in a subprocess against a real IMAP server and Radicale, under a fake systemd.

The test binds the notify socket (an abstract datagram socket) and reads what the daemon says.
Deadlines are generous; nothing here asserts how fast anything is.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from syncd.commands.cli import main
from syncd.localservers.caldav import CaldavServer
from syncd.localservers.imap import ImapServer, available_kinds
from tests.fixtures_imap import start_server

pytestmark = pytest.mark.integration
FOLLOWUPS = "Follow-ups"
DEADLINE = 30.0


def mail(sender: str, subject: str, mid: str, *, hours_ago: float = 1) -> bytes:
    when = datetime.now(UTC) - timedelta(hours=hours_ago)
    return (f"From: {sender}\r\nTo: Dana Example <dana@example.org>\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(when)}\r\nMessage-ID: <{mid}@example.org>\r\n\r\n"
            "body\r\n").encode()


def until(what: Callable[[], Any], message: str, deadline: float = DEADLINE) -> Any:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = what()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out: {message}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Daemon:
    config: Path
    env: dict[str, str]
    log: Path
    notify: socket.socket
    process: subprocess.Popen[bytes] | None = None
    said: list[str] = field(default_factory=list)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "syncd", "--config", str(self.config), "run"],
                env=self.env, stdout=log, stderr=log)

    def listen(self) -> None:
        """Read the notify socket on a thread, as systemd would (a full queue drops messages)."""
        def read() -> None:
            with suppress(OSError):
                while data := self.notify.recv(4096):
                    self.said.extend(data.decode().split("\n"))
        threading.Thread(target=read, daemon=True).start()

    def messages(self) -> list[str]:
        return list(self.said)

    def heard(self, line: str) -> bool:
        return any(m == line for m in self.messages())

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
        capsys.readouterr()
        assert main(["--config", str(self.config), *args, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    def signal(self, signum: int) -> None:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()
        self.process.send_signal(signum)

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=DEADLINE)


@dataclass
class World:
    imap: ImapServer
    cal: CaldavServer
    tmp: Path
    env: dict[str, str]

    def config(self, path: Path, accounts: str, daemon: str = "") -> None:
        path.write_text(f"""
[me]
name = "Dana Example"
addresses = ["dana@example.org"]
timezone = "Europe/Berlin"
[store]
path = "{self.tmp / 'state' / 'syncd.sqlite3'}"
{accounts}
[[accounts]]
name = "cal"
type = "caldav"
url = "{self.cal.url}"
username = "{self.cal.user}"
password_env = "T_CAL_PASSWORD"
[followups]
account = "cal"
calendar = "{FOLLOWUPS}"
[daemon]
poll_imap = "1h"
poll_caldav = "1h"
{daemon}
""")

    def imap_account(self, name: str, secret: str, port: int | None = None) -> str:
        return f"""
[[accounts]]
name = "{name}"
type = "imap"
host = "127.0.0.1"
port = {port or self.imap.port}
security = "none"
username = "{self.imap.user}"
{secret}
timeout = 5
"""


@pytest.fixture
def world(tmp_path: Path, caldav_server: CaldavServer) -> Iterator[World]:
    kinds = available_kinds()
    imap = start_server(tmp_path, "dovecot" if "dovecot" in kinds else "pymap")
    env = {**os.environ, "T_IMAP_PASSWORD": imap.password,
           "T_CAL_PASSWORD": caldav_server.password, "WATCHDOG_USEC": "2000000"}
    env.pop("JOURNAL_STREAM", None)
    try:
        imap.append("INBOX", mail("Jane Roe <jane@acme.example>", "Hello", "first"))
        caldav_server.create_calendar(FOLLOWUPS)
        yield World(imap, caldav_server, tmp_path, env)
    finally:
        imap.stop()


@pytest.fixture
def daemon(world: World) -> Iterator[Daemon]:
    name = f"syncd-test-{secrets.token_hex(6)}"
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind("\0" + name)
    d = Daemon(world.tmp / "config.toml", {**world.env, "NOTIFY_SOCKET": "@" + name},
               world.tmp / "daemon.log", notify)
    d.listen()
    try:
        yield d
    finally:
        if d.process is not None and d.process.poll() is None:
            d.process.kill()
            d.process.wait()
        with suppress(OSError):
            notify.shutdown(socket.SHUT_RDWR)  # ends the reader's recv
        notify.close()


def by_address(contacts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["addresses"][0]: c for c in contacts}


def test_the_daemon_lives_its_life_under_systemd(
        world: World, daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    down = world.imap_account("down", 'password_env = "T_IMAP_PASSWORD"', port=free_port())
    world.config(daemon.config, world.imap_account("mail", 'password_env = "T_IMAP_PASSWORD"')
                 + down)
    daemon.start()
    until(lambda: daemon.heard("READY=1"), "READY=1")
    until(lambda: daemon.heard("WATCHDOG=1"), "WATCHDOG=1")
    assert any(m.startswith("STATUS=") for m in daemon.messages())

    # the first cycle: mail synced, the dead server backs off alone
    status = until(lambda: (s := {r["name"]: r for r in daemon.cli(capsys, "status")})
                   and s["mail"]["state"] == "ok" and s["down"]["state"] == "backoff"
                   and s["down"]["next_run"] and s,
                   "first cycle")
    assert status["down"]["last_error"] and status["mail"]["last_success"]
    assert datetime.fromisoformat(status["down"]["next_run"]) > datetime.now(UTC)
    assert "jane@acme.example" in by_address(daemon.cli(capsys, "contacts"))

    # a second instance refuses; read-only commands kept working above
    second = subprocess.run(
        [sys.executable, "-m", "syncd", "--config", str(daemon.config), "run"],
        env=world.env, capture_output=True, text=True, timeout=DEADLINE, check=False)
    assert second.returncode == 1 and "already running" in second.stderr

    # new mail over another connection reaches the ledger through IDLE (polling is 1h here)
    world.imap.append("INBOX", mail("Omar Haddad <omar@haddad.example>", "Lunch?", "omar-1"))
    until(lambda: "omar@haddad.example" in by_address(daemon.cli(capsys, "contacts")),
          "new mail in contacts")

    # SIGHUP with a broken config: logged, the old config keeps running
    good = daemon.config.read_text()
    daemon.config.write_text(good + "\n[daemon]\nnot_a_key = 1\n")
    daemon.signal(signal.SIGHUP)
    until(lambda: "config reload failed" in daemon.log.read_text(),
          f"reload failure logged: {daemon.log}")
    daemon.config.write_text(good)
    world.imap.append("INBOX", mail("Lena Park <lena@startup.example>", "Intro", "lena-1"))
    until(lambda: "lena@startup.example" in by_address(daemon.cli(capsys, "contacts")),
          "still syncing on the old config")

    assert daemon.stop() == 0, daemon.log.read_text()
    assert daemon.heard("STOPPING=1")
    assert "password" not in daemon.log.read_text().lower().replace("password_", "")



def test_a_broken_password_puts_a_reauthorise_event_in_the_calendar_until_fixed(
        world: World, daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    secret = world.tmp / "secret"
    command = f'password_command = ["cat", "{secret}"]'
    world.config(daemon.config, world.imap_account("mail", command))
    daemon.start()

    def reauth_events() -> list[str]:
        return [ics for ics in world.cal.events(FOLLOWUPS).values()
                if "SUMMARY:syncd: re-authorise mail" in ics]

    events = until(reauth_events, "the re-authorisation event")
    assert len(events) == 1
    today = datetime.now(UTC).astimezone().date()
    assert any(line.startswith("DTSTART;VALUE=DATE:") for line in events[0].splitlines())
    assert f"{today:%Y%m%d}" in events[0] or f"{today - timedelta(days=1):%Y%m%d}" in events[0]
    status = {r["name"]: r for r in daemon.cli(capsys, "status")}
    assert status["mail"]["state"] == "needs_auth"

    secret.write_text(world.imap.password + "\n")
    daemon.signal(signal.SIGHUP)  # what `systemctl --user reload syncd` sends after a fix
    until(lambda: not reauth_events(), "the event removed once fixed")
    assert {r["name"]: r["state"] for r in daemon.cli(capsys, "status")}["mail"] == "ok"
    assert daemon.stop() == 0, daemon.log.read_text()
