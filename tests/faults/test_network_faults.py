"""Network faults between syncd and each server: delay, a drop mid-stream, a refused connection,
a stalled one (accepted, never answered), once and persistently.

Every faulted cycle (the engine with the real connector, pointed at ``FaultProxy``) must finish
within a generous deadline, thanks to the socket timeouts from the account config, and end in a
retry that got through (``ok``) or a clear account error (``backoff``, exit 75) — never a hang.
What it stored must be a subset of the mailbox, nothing twice. A final cycle without the fault
then resumes from the last committed page and has every item exactly once.

Servers: a real IMAP server, Radicale, the local Gmail wire-format server and the local Graph
fake (HTTPS: the proxy relays TLS bytes untouched).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from connectors.base import Source
from syncd.engine import CycleReport, run_cycle
from syncd.store import Store
from tests.factories import config
from tests.faults.proxy import Fault, FaultProxy

pytestmark = pytest.mark.integration
log = logging.getLogger(__name__)

NOW = datetime.now(UTC).replace(microsecond=0)
ITEMS = 24
TIMEOUT = 1.5  # the accounts' socket timeout, seconds
DEADLINE = 90.0  # a cycle that takes longer than this is a hang
CONFIG = config()
# (fault, connections it hits, bytes before a drop): single faults, then persistent ones
PLAN: list[tuple[Fault, int, int]] = [
    ("delay", 1, 0), ("drop", 1, 300), ("drop", 1, 3000), ("drop", 1, 12000),
    ("refuse", 1, 0), ("stall", 1, 0), ("drop", 3, 2000),
    ("refuse", 1000, 0), ("stall", 1000, 0),
]
FIGURES: Counter[str] = Counter()  # faults injected per kind, over the module


@dataclass
class Target:
    port: int  # the server's own port
    make: Callable[[int], Source]  # the source, connecting to the given port
    expected: list[str]  # Message-IDs (mail) or UIDs (calendar), once each
    calendar: bool = False
    before_final: Callable[[], None] = lambda: None


def cycle(store_path: Path, source: Source) -> CycleReport:
    """One engine cycle in a thread; fails (instead of hanging) past DEADLINE."""
    done: dict[str, CycleReport | BaseException] = {}

    def run() -> None:
        try:
            with Store.open(store_path) as store:
                done["report"] = run_cycle(CONFIG, store, {source.name: source}, None, NOW)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            done["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    assert not thread.is_alive(), f"the cycle hung for over {DEADLINE:.0f}s"
    if "error" in done:
        raise done["error"]
    report = done["report"]
    assert isinstance(report, CycleReport)
    return report


def stored(store_path: Path, calendar: bool) -> list[str]:
    with Store.open(store_path) as store:
        if calendar:
            return sorted(m.uid for m in store.meetings())
        return sorted(m.message_id for m in store.messages())


def exercise(target: Target, tmp_path: Path) -> None:
    for n, (fault, budget, drop_after) in enumerate(PLAN):
        where = f"{fault} x{budget}" + (f" after {drop_after} bytes" if drop_after else "")
        db = tmp_path / f"run{n}" / "db.sqlite3"
        with FaultProxy(target.port, fault=fault, budget=budget, drop_after=drop_after) as proxy:
            started = time.monotonic()
            report = cycle(db, target.make(proxy.port))
            log.info("%s: %.1fs, %s", where, time.monotonic() - started, report.accounts[0].state)
            FIGURES.update(proxy.injected)
            assert proxy.injected[fault] >= 1, f"{where}: the fault was never dealt"
            (account,) = report.accounts
            assert account.state in ("ok", "backoff"), f"{where}: {account}"
            assert report.exit_code == (0 if account.state == "ok" else 75), where
            if account.state == "backoff":
                assert account.error, f"{where}: an account error says what went wrong"
                # a broken line is neither a refused password nor a bad certificate
                assert "login" not in account.error and "certificate" not in account.error, \
                    f"{where}: {account.error}"
            partial = stored(db, target.calendar)
            assert len(partial) == len(set(partial)), f"{where}: an item stored twice"
            assert set(partial) <= set(target.expected), where
            target.before_final()
            proxy.set("none", budget=0)
            final = cycle(db, target.make(proxy.port))
        assert final.accounts[0].state == "ok", f"{where}, then no fault: {final.accounts[0]}"
        assert stored(db, target.calendar) == sorted(target.expected), where


@pytest.fixture(autouse=True, scope="module")
def figures() -> Iterator[None]:
    """Logs the faults dealt per kind (the figures in bench/README.md)."""
    yield
    log.info("faults injected: %s", dict(sorted(FIGURES.items())))


def _raw(n: int) -> bytes:
    when = NOW - timedelta(days=n + 1)
    return (f"From: P{n} <p{n}@faults.example>\r\nTo: dana@example.org\r\n"
            f"Subject: item {n}\r\nDate: {format_datetime(when)}\r\n"
            f"Message-ID: <fault-{n}@example.org>\r\n\r\n{'body ' * 200}\r\n").encode()


def test_imap(tmp_path: Path) -> None:
    from connectors.imap import ImapSource
    from syncd.localservers.imap import available_kinds
    from tests.fixtures_imap import account_for, start_server

    server = start_server(tmp_path, available_kinds()[0])
    try:
        server.append_many("INBOX", [_raw(n) for n in range(ITEMS)])
        account = replace(account_for(server, name="mail"), timeout=TIMEOUT)

        def make(port: int) -> Source:
            return ImapSource(replace(account, port=port), server.password,
                              chunk=5)

        exercise(Target(server.port, make, [f"fault-{n}@example.org" for n in range(ITEMS)]),
                 tmp_path)
    finally:
        server.stop()


def test_caldav(tmp_path: Path, caldav_server: object) -> None:
    from connectors.caldav import CaldavSource
    from syncd.localservers.caldav import CaldavServer
    from tests.fixtures_caldav import account_for, ics_event

    assert isinstance(caldav_server, CaldavServer)
    server = caldav_server
    server.create_calendar("Work")
    for n in range(ITEMS):
        start = (NOW - timedelta(days=n + 1)).strftime("%Y%m%dT%H%M%SZ")
        server.put_event("Work", f"f{n}.ics", ics_event(
            f"fault-{n}", start, attendees=(("dana@example.org", "Dana", "ACCEPTED"),
                                            (f"p{n}@faults.example", f"P{n}", "ACCEPTED"))))
    account = replace(account_for(server, name="cal"), timeout=TIMEOUT)
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])

    def make(proxy_port: int) -> Source:
        url = server.url.replace(f":{port}", f":{proxy_port}")
        return CaldavSource(replace(account, url=url), server.password,
                            now=lambda: NOW)

    exercise(Target(port, make, [f"fault-{n}" for n in range(ITEMS)], calendar=True), tmp_path)


def test_gmail(tmp_path: Path) -> None:
    from connectors.gmail import GmailSource
    from tests.fakes.google_server import GoogleServer
    from tests.fixtures_google import Waits, google_account, header_list, policy, write_token

    server = GoogleServer()
    try:
        write_token(server, tmp_path, "gmail")
        for n in range(ITEMS):
            when = NOW - timedelta(days=n + 1)
            server.fake.add_message(
                [*(h for h in header_list(n, date=format_datetime(when))
                   if h[0] != "Message-ID"), ("Message-ID", f"<fault-{n}@example.org>")],
                internal_ms=int(when.timestamp() * 1000))

        def make(port: int) -> Source:
            account = google_account(server, "gmail", api_endpoint=f"http://127.0.0.1:{port}/",
                                     quota_per_minute=1_000_000,
                                     timeout=TIMEOUT)
            return GmailSource(account, state_dir=tmp_path, policy=policy(Waits()), list_page=5)

        exercise(Target(server.port, make, [f"fault-{n}@example.org" for n in range(ITEMS)]),
                 tmp_path)
    finally:
        server.close()


@pytest.fixture
def graph_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from tests.fakes.graph_server import start_graph_server

    with start_graph_server() as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        yield server


def test_graph(tmp_path: Path, graph_server: object) -> None:
    from connectors.outlook import OutlookSource, make_client
    from tests.fakes.graph_server import GraphServer
    from tests.fixtures_graph import StaticTokens, account_for, message_row

    assert isinstance(graph_server, GraphServer)
    server = graph_server
    port = int(server.base.rsplit(":", 1)[1])
    for n in range(ITEMS):
        server.fake.add_message("inbox", {
            **message_row(n, when=NOW - timedelta(days=n + 1)),
            "internetMessageId": f"<fault-{n}@example.org>"})
    throttle = tmp_path / "state"

    def make(proxy_port: int) -> Source:
        base = f"https://127.0.0.1:{proxy_port}"
        server.fake.base = base  # the links Graph hands out go through the proxy too
        account = replace(account_for(server, name="office", page_size=10), timeout=TIMEOUT,
                          graph_endpoint=base)
        client = make_client(account, tokens=StaticTokens(), sleep=lambda _s: None)
        return OutlookSource(account, now=lambda: NOW, client=client)

    def forget_throttle() -> None:
        """A persistent fault leaves a client-side wait; the final run stands for a later one."""
        for path in throttle.rglob("throttle/*.json"):
            path.unlink()

    exercise(Target(port, make, [f"fault-{n}@example.org" for n in range(ITEMS)],
                    before_final=forget_throttle), tmp_path)
