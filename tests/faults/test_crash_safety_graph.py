"""Crash safety on the Outlook (Microsoft Graph) path: after one `syncd auth` against the local
Entra fake, `syncd sync` in a subprocess, pointed at the local Graph fake (HTTPS, running in this
test process), killed with SIGKILL at random moments until a run finishes by itself, must end
where a clean run ends: the same contacts, the same follow-up events, none twice.
``SYNCD_CRASH_RUNS_CLOUD`` sets the number of kills (default 50).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors._graph_auth import token_path
from syncd.commands.cli import main
from tests.fakes.graph_server import GraphServer
from tests.faults.test_crash_safety import contacts, finish, kill_until_done
from tests.fixtures_graph import event_row, graph, message_row

__all__ = ["graph"]
pytestmark = pytest.mark.integration
RUNS = int(os.environ.get("SYNCD_CRASH_RUNS_CLOUD", "50"))
NOW = datetime.now(UTC).replace(microsecond=0)


def write_config(path: Path, server: GraphServer, store: Path, calendar: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""
[me]
name = "Dana"
addresses = ["dana@example.org"]
timezone = "Europe/Berlin"
[store]
path = "{store}"
[[accounts]]
name = "office"
type = "outlook"
client_id = "client-1"
tenant = "tenant-1"
authority = "{server.authority}"
graph_endpoint = "{server.base}"
timeout = 10
[followups]
account = "office"
calendar = "{calendar}"
horizon = "30d"
""")


def fill(server: GraphServer, people: int = 12, filler: int = 200) -> None:
    fake = server.fake
    for p in range(people):
        who = f"p{p}@crash{p}.example"
        if p % 3 == 0:  # they asked; the user owes a reply
            fake.add_message("inbox", message_row(100 + p, sender=who,
                                                  when=NOW - timedelta(days=1 + p % 5)))
        elif p % 3 == 1:  # the user asked; no answer yet
            fake.add_message("sentitems", message_row(100 + p, sender="dana@example.org", to=who,
                                                      when=NOW - timedelta(days=6 + p % 4)))
        else:  # a two-way exchange
            fake.add_message("sentitems", {**message_row(100 + p, sender="dana@example.org",
                                                         to=who, when=NOW - timedelta(days=4)),
                                           "conversationId": f"c{p}"})
            fake.add_message("inbox", {**message_row(200 + p, sender=who,
                                                     when=NOW - timedelta(days=3)),
                                       "conversationId": f"c{p}"})
    for i in range(filler):
        fake.add_message("inbox", message_row(1000 + i, sender=f"list{i % 7}@lists.example",
                                              other=True,
                                              when=NOW - timedelta(days=10 + i % 300)))
    fake.add_event(event_row(4, NOW - timedelta(days=20)))


class _Keep(set[str]):
    def discard(self, element: str) -> None:
        """Refresh tokens stay valid after a rotation (as Entra's do until they expire)."""


def events(server: GraphServer, calendar: str) -> list[tuple[str, str]]:
    return sorted((str(e.get("subject")), json.dumps(e.get("start"), sort_keys=True))
                  for e in server.fake.sink.in_calendar(calendar))


def test_graph_path_sigkill_anywhere_loses_nothing_and_doubles_nothing(
        graph: GraphServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(graph)
    auth = tmp_path / "auth" / "config.toml"
    write_config(auth, graph, tmp_path / "auth" / "db.sqlite3", "unused")
    assert main(["--config", str(auth), "auth", "office"]) == 0, capsys.readouterr()
    cache = token_path("office")  # under this test's XDG_STATE_HOME (the graph fixture)
    # Every round starts from a copy of this one sign-in. Entra keeps a rotated-out refresh
    # token valid until it expires; the fake drops it at once unless told otherwise.
    graph.fake.entra.refresh_tokens = _Keep(graph.fake.entra.refresh_tokens)

    def setup(name: str, calendar: str) -> tuple[Path, dict[str, str]]:
        home = tmp_path / name
        state = home / "state"
        target = state / cache.relative_to(tmp_path / "state")
        target.parent.mkdir(parents=True, mode=0o700)
        shutil.copy2(cache, target)
        config = home / "config.toml"
        write_config(config, graph, home / "db.sqlite3", calendar)
        return config, {**os.environ, "XDG_STATE_HOME": str(state)}

    clean, env = setup("clean", "Clean")
    started = time.monotonic()
    code, out = finish(clean, env, "sync")
    full = time.monotonic() - started
    assert code == 0, out
    expected_events = events(graph, "Clean")
    expected_contacts = contacts(clean, env)
    assert len(expected_events) >= 5

    rng = random.Random(20261122)
    killed = rounds = 0
    while killed < RUNS:
        rounds += 1
        calendar = f"Crashy {rounds}"
        crashy, env = setup(f"crashy{rounds}", calendar)
        killed += kill_until_done(crashy, env, rng, full)
        code, out = finish(crashy, env, "sync", "--json")
        assert code == 0 and json.loads(out)["plan"] == [], out
        assert events(graph, calendar) == expected_events, f"round {rounds}"
        assert contacts(crashy, env) == expected_contacts, f"round {rounds}"
    assert rounds >= 2
