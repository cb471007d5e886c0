"""A long derivation tells how far it is: the bar of `syncd sync` and the daemon's watchdog
pings (a first derivation of a big mailbox outlasts ``WatchdogSec`` on a small machine)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console

from connectors.memory import MemorySink, MemorySource
from syncd.commands.progress import BIG, BarObserver, bar_observer, derive_bar
from syncd.daemon import Flags, _Observer
from syncd.engine import Observer, run_cycle
from syncd.model import Item
from syncd.store import Store
from syncd.systemd import Notifier
from tests.factories import ME, NOW, config, mail

JANE, OMAR = "jane@acme.example", "omar@haddad.example"


class Told(Observer):
    def __init__(self) -> None:
        self.said: list[tuple[str, int, int | None]] = []

    def deriving(self, stage: str, done: int, total: int | None) -> None:
        self.said.append((stage, done, total))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state" / "syncd.sqlite3") as s:
        yield s


def _mail() -> list[Item]:
    return [
        mail(ME, JANE, days_ago=20, subject="Plan", mid="j1"),
        mail(JANE, ME, days_ago=19, subject="Re: Plan", mid="j2", reply_to="j1"),
        mail(OMAR, ME, days_ago=18, subject="Hello", mid="o1"),
        mail("news@list.example", ME, days_ago=17, subject="Weekly digest", mid="n1",
             headers=(("List-Id", "<weekly.list.example>"),)),
        mail(ME, OMAR, days_ago=16, subject="Re: Hello", mid="o2", reply_to="o1"),
    ]


def _cycle(store: Store, source: MemorySource, told: Observer, days: float = 0) -> None:
    run_cycle(config(), store, {"mail": source}, MemorySink(), NOW + timedelta(days=days),
              observer=told, dry_run=True)


def test_a_first_derivation_tells_each_stage_and_a_quiet_cycle_only_the_start(
        store: Store) -> None:
    source, told = MemorySource("mail", _mail()), Told()
    _cycle(store, source, told)
    stages = [stage for stage, _, _ in told.said]
    assert stages[0] == "classifying" and stages[-1] == "ledgers"
    assert list(dict.fromkeys(stages)) == ["classifying", "threading", "indexing", "ledgers"]
    classified = [(done, total) for stage, done, total in told.said if stage == "classifying"]
    assert classified[0] == (0, 5) and classified[-1] == (5, 5)  # every stored message
    threaded = [done for stage, done, _ in told.said if stage == "threading"]
    assert threaded[-1] == 4  # the personal ones (not the list's digest)
    again = Told()
    _cycle(store, source, again, days=0.01)
    assert again.said == [("classifying", 0, 0), ("ledgers", 0, None)]


def test_new_mail_after_the_first_derivation_counts_only_itself(store: Store) -> None:
    items = _mail()
    source = MemorySource("mail", items[:3])
    _cycle(store, source, Told())
    source.items.extend(items[3:])
    told = Told()
    _cycle(store, source, told, days=0.01)
    classified = [(done, total) for stage, done, total in told.said if stage == "classifying"]
    assert classified == [(0, 2), (2, 2)]


def _bars(observer: BarObserver) -> list[tuple[str, float, float | None]]:
    return [(t.description, t.completed, t.total) for t in observer._progress.tasks]


def test_the_bar_shows_a_big_derivation_a_stage_at_a_time_and_a_small_one_not_at_all() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=80)
    with bar_observer(console) as small:
        assert isinstance(small, BarObserver)
        small.deriving("classifying", 0, 12)
        small.deriving("threading", 3, None)
        assert _bars(small) == []
    with bar_observer(console) as big:
        assert isinstance(big, BarObserver)
        big.page("mail", 2000)
        big.deriving("classifying", 0, BIG)
        big.deriving("classifying", 2000, BIG)
        assert _bars(big) == [("mail: items", 2000, None),
                              ("deriving: classifying", 2000, BIG)]
        big.deriving("threading", 1500, None)
        big.deriving("indexing", 0, None)
        assert _bars(big) == [("mail: items", 2000, None), ("deriving: indexing", 0, None)]
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "deriving: indexing" in shown  # drawn, then cleared (transient)


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"syncd-unit-derive-{id(sock)}"
    sock.bind("\0" + name)
    sock.settimeout(5)
    yield sock, "@" + name
    sock.close()


def test_the_daemon_pings_the_watchdog_at_each_step_of_a_derivation(
        store: Store, listener: tuple[socket.socket, str]) -> None:
    sock, address = listener
    sd = Notifier(address, watchdog_usec=30_000_000)
    _cycle(store, MemorySource("mail", []), _Observer(sd, Flags()))  # nothing: no pages
    pings = []
    sock.setblocking(False)
    while True:
        try:
            pings.append(sock.recv(64))
        except BlockingIOError:
            break
    assert pings and set(pings) == {b"WATCHDOG=1"}
    # as many as the derivation's steps: no page was stored and nothing written
    told = Told()
    _cycle(store, MemorySource("mail", []), told, days=0.01)
    assert len(pings) >= len(told.said) >= 2


def test_a_read_command_draws_nothing_unless_it_derives_a_big_store_afresh() -> None:
    pipe = Console(file=io.StringIO(), width=80)  # not a terminal: never a bar
    with derive_bar(pipe) as progress:
        progress("classifying", 0, 10 * BIG)
    assert pipe.file.getvalue() == ""  # type: ignore[attr-defined]
    terminal = Console(file=io.StringIO(), force_terminal=True, width=80)
    with derive_bar(terminal) as progress:  # a cycle's few new messages: no live display
        progress("classifying", 0, 3)
        progress("classifying", 3, 3)
        progress("ledgers", 0, None)
    assert terminal.file.getvalue() == ""  # type: ignore[attr-defined]
    with derive_bar(terminal) as progress:
        progress("classifying", 0, BIG)
        progress("classifying", BIG, BIG)
        progress("ledgers", 0, None)
    assert "deriving: ledgers" in terminal.file.getvalue()  # type: ignore[attr-defined]


def test_a_derivation_of_everything_gives_the_heap_back_before_the_ledgers(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from syncd import pipeline

    given: list[str] = []
    monkeypatch.setattr(pipeline, "give_back_heap", lambda: given.append("trim"))
    told = Told()
    told.deriving = lambda stage, done, total: given.append(stage)  # type: ignore[method-assign]
    _cycle(store, MemorySource("mail", _mail()), told)
    assert given.index("trim") > given.index("indexing") and given[-1] == "trim"
    given.clear()
    _cycle(store, MemorySource("mail", _mail()), told, days=0.01)  # a cycle: nothing to give
    assert "trim" not in given
