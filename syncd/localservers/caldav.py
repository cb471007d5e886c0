"""A throwaway Radicale CalDAV server on 127.0.0.1, for the tests, the demo and the benchmarks.

``start_caldav_server(workdir)`` writes a config (filesystem storage, one htpasswd user with a
plain password, no TLS, quiet logging) under ``workdir``, runs ``python -m radicale`` as a
subprocess on a free loopback port, waits until it answers, and kills it on exit, whatever
happened inside the ``with`` block. Radicale is a dependency of syncd, so this works wherever
syncd was installed with pip.

The helpers (``create_calendar``, ``put_event``, ``events`` ...) play "the user" or "another
client": they write straight to the server with the ``caldav`` library's raw requests, not
through syncd's connector.
"""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from caldav.davclient import DAVClient
from caldav.elements import dav
from caldav.lib import error as caldav_error

STARTUP_TIMEOUT = 15.0
_RUNNING: list[subprocess.Popen[bytes]] = []
_CONFIG = """\
[server]
hosts = 127.0.0.1:{port}
max_connections = 20
delay_on_error = 0

[auth]
type = htpasswd
htpasswd_filename = {users}
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = {storage}

[web]
type = none

[logging]
level = warning
mask_passwords = True
"""


class ServerStartError(RuntimeError):
    """Radicale did not come up; the message carries the tail of its log."""


@dataclass
class CaldavServer:
    """A running Radicale; ``url`` is its root (point clients at ``/``)."""

    url: str
    user: str
    password: str
    storage: Path
    log_path: Path
    _process: subprocess.Popen[bytes] = field(repr=False)
    _log: IO[bytes] = field(repr=False)
    _client: Any = field(default=None, repr=False)

    # -- lifecycle -------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the server (idempotent)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        _terminate(self._process)
        if not self._log.closed:
            self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.log_path, lines)

    # -- helpers for tests and the demo ----------------------------------------------------

    def client(self) -> Any:
        if self._client is None:
            self._client = DAVClient(
                url=self.url, username=self.user, password=self.password, timeout=10
            )
        return self._client

    def calendars(self) -> dict[str, str]:
        """Display name -> calendar URL, for every calendar of the user."""
        found: dict[str, str] = {}
        for calendar in self.client().principal().calendars():
            name = calendar.get_display_name() or ""
            found[str(name)] = str(calendar.url)
        return found

    def calendar_url(self, name: str) -> str:
        try:
            return self.calendars()[name]
        except KeyError:
            raise KeyError(f"no calendar named {name!r} on {self.url}") from None

    def create_calendar(self, name: str) -> str:
        """Create a calendar with display name ``name`` (MKCALENDAR); return its URL."""
        calendar = self.client().principal().make_calendar(name=name)
        return str(calendar.url)

    def put_event(self, calendar_name: str, href: str, ics: str) -> str:
        """PUT ``ics`` at ``<calendar>/<href>`` unconditionally; return the new ETag."""
        url = urljoin(self.calendar_url(calendar_name), href)
        response = self.client().put(url, ics, {"Content-Type": "text/calendar; charset=utf-8"})
        if response.status not in (200, 201, 204):
            raise RuntimeError(f"PUT {url}: {response.status} {response.reason}")
        return str(response.headers.get("ETag", ""))

    def write_raw(self, calendar_name: str, href: str, data: str) -> None:
        """Drop a file straight into Radicale's storage, bypassing its validation."""
        path = unquote(urlsplit(self.calendar_url(calendar_name)).path).strip("/")
        folder = self.storage / "collection-root" / Path(*path.split("/"))
        (folder / href).write_text(data, encoding="utf-8")

    def delete_event(self, calendar_name: str, href: str) -> None:
        """DELETE ``<calendar>/<href>``; a missing event is fine."""
        url = urljoin(self.calendar_url(calendar_name), href)
        with suppress(caldav_error.NotFoundError):
            response = self.client().delete(url)
            if response.status not in (200, 204, 404):
                raise RuntimeError(f"DELETE {url}: {response.status} {response.reason}")

    def get_event(self, calendar_name: str, href: str) -> str | None:
        """The ICS text at ``<calendar>/<href>``, or None when there is none."""
        return self._get(urljoin(self.calendar_url(calendar_name), href))

    def events(self, calendar_name: str) -> dict[str, str]:
        """Href (last path segment) -> ICS text, for every object in the calendar (a plain
        PROPFIND and one GET each: independent of the connector's REPORTs)."""
        url = self.calendar_url(calendar_name)
        response = self.client().propfind(url, props=_GETETAG, depth=1)
        found: dict[str, str] = {}
        for href in response.expand_simple_props([dav.GetEtag()]):
            name = unquote(str(href).rstrip("/").rsplit("/", 1)[-1])
            if str(href).endswith("/"):
                continue  # the calendar itself
            text = self._get(urljoin(url, quote(name)))
            if text is not None:
                found[name] = text
        return found

    def _get(self, url: str) -> str | None:
        try:
            response = self.client().request(url, "GET")
        except caldav_error.NotFoundError:
            return None
        if response.status == 404:
            return None
        return str(response.raw)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process in _RUNNING:
        _RUNNING.remove(process)


def _stop_leftovers() -> None:
    """Last resort: an interpreter that exits without leaving the ``with`` block."""
    while _RUNNING:
        _terminate(_RUNNING[0])  # removes it from _RUNNING


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _answers(url: str) -> bool:
    """True once anything speaks HTTP at ``url`` (any status counts)."""
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback http by design
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


_GETETAG = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
            "<D:getetag/></D:prop></D:propfind>")


@contextmanager
def start_caldav_server(
    workdir: Path, *, user: str = "dana", password: str = "local-test-password"  # noqa: S107
) -> Iterator[CaldavServer]:
    """Run Radicale on a free loopback port for the duration of the ``with`` block."""
    server = _launch(workdir, user, password)
    try:
        yield server
    finally:
        server.stop()


def _launch(workdir: Path, user: str, password: str) -> CaldavServer:
    workdir.mkdir(parents=True, exist_ok=True)
    storage = workdir / "storage"
    storage.mkdir(exist_ok=True)
    users = workdir / "users"
    users.write_text(f"{user}:{password}\n", encoding="utf-8")
    users.chmod(0o600)
    port = _free_port()
    config = workdir / "radicale.conf"
    config.write_text(_CONFIG.format(port=port, users=users, storage=storage), encoding="utf-8")
    log_path = workdir / "radicale.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
    )
    atexit.unregister(_stop_leftovers)  # registered once, on first use (not at import)
    atexit.register(_stop_leftovers)
    _RUNNING.append(process)
    server = CaldavServer(
        url=f"http://127.0.0.1:{port}/", user=user, password=password, storage=storage,
        log_path=log_path, _process=process, _log=log,
    )
    try:
        _wait_until_up(server, process)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_up(server: CaldavServer, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(
                f"radicale exited with status {process.returncode} before answering; "
                f"log tail:\n{server.log_tail()}"
            )
        if _answers(server.url):
            return
        time.sleep(0.05)
    raise ServerStartError(
        f"radicale did not answer on {server.url} within {STARTUP_TIMEOUT:.0f} s; "
        f"log tail:\n{server.log_tail()}"
    )
