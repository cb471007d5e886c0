"""Outlook end to end through the CLI: `syncd auth` (msal's device-code flow against the local
Entra fake, over HTTPS with a throwaway CA), then `syncd sync` twice against the Graph fake;
then a refresh Microsoft refuses parks the account (exit 77) and a flaky token endpoint is only
a transient failure (exit 75)."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors._graph_auth import token_path
from syncd.commands.cli import main
from tests.fakes.graph_server import GraphServer
from tests.fixtures_graph import event_row, graph, message_row

__all__ = ["graph"]
NOW = datetime.now(UTC).replace(microsecond=0)


def write_config(server: GraphServer, tmp: Path) -> Path:
    path = tmp / "config.toml"
    path.write_text(f"""
[me]
name = "Dana Example"
addresses = ["dana@example.org"]
timezone = "Europe/Berlin"
[store]
path = "{tmp / 'state' / 'syncd.sqlite3'}"
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
calendar = "Follow-ups"
horizon = "30d"
[[people]]
name = "Jane Roe"
addresses = ["jane@acme.example"]
tags = ["inner-circle"]
[[cadences]]
name = "inner circle"
tags = ["inner-circle"]
every = "14d"
""")
    return path


def fill(server: GraphServer) -> None:
    fake = server.fake
    fake.add_message("inbox", message_row(1, sender="jane@acme.example",
                                          when=NOW - timedelta(days=12)))
    fake.add_message("sentitems", {**message_row(2, sender="dana@example.org",
                                                 to="jane@acme.example",
                                                 when=NOW - timedelta(days=11)),
                                   "conversationId": "conv-1"})
    fake.add_message("inbox", message_row(3, sender="news@shop.example", other=True,
                                          when=NOW - timedelta(days=3)))
    fake.add_event(event_row(4, NOW - timedelta(days=20)))


def run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(["--config", str(config), *args])
    captured = capsys.readouterr()
    text = captured.out
    return code, (json.loads(text) if "--json" in args and text.strip()
                  else captured.out + captured.err)


def test_outlook_auth_then_sync_twice_through_the_cli(
        graph: GraphServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(graph, tmp_path)
    fill(graph)
    code, report = run(capsys, config, "sync", "--json")
    assert code == 77 and report["accounts"][0]["state"] == "needs_auth"
    assert "syncd auth office" in report["accounts"][0]["error"]

    code, text = run(capsys, config, "auth", "office")
    assert code == 0, text
    assert "SYNC-TEST" in text and "signed in as dana@example.org" in text
    assert graph.fake.entra.device_polls == 2  # one "authorization_pending", then the grant
    cache = token_path("office")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert "refresh-1" in cache.read_text()

    code, report = run(capsys, config, "sync", "--json")
    assert code == 0, report
    assert report["accounts"][0]["state"] == "ok" and report["applied"] >= 1
    _, contacts = run(capsys, config, "contacts", "--json")
    people = {c["addresses"][0]: c for c in contacts}
    assert "news@shop.example" not in people  # Outlook's Other folder and no reply
    jane = people["jane@acme.example"]
    assert (jane["messages_in"], jane["messages_out"]) == (1, 1)
    assert people["p4@contract.example"]["meetings"] == 1
    events = graph.fake.sink.in_calendar("Follow-ups")
    assert len(events) == report["applied"]
    assert all(e["showAs"] == "free" for e in events)
    assert all(e["singleValueExtendedProperties"][0]["value"] for e in events)
    assert any(e["subject"] == "Follow up: P4 (contract.example)" for e in events)

    before = [dict(e) for e in events]
    code, again = run(capsys, config, "sync", "--json")
    assert code == 0 and again["plan"] == [] and again["applied"] == 0
    assert again["accounts"][0]["items"] == 0
    assert graph.fake.sink.in_calendar("Follow-ups") == before


def test_outlook_refused_refresh_parks_the_account_and_a_flaky_one_backs_off(
        graph: GraphServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(graph, tmp_path)
    graph.fake.entra.expires_in = 60  # msal refreshes tokens this close to expiry
    assert run(capsys, config, "auth", "office")[0] == 0
    code, report = run(capsys, config, "sync", "--json")
    assert code == 0 and graph.fake.entra.refreshes >= 1
    graph.fake.entra.unavailable = 1
    code, report = run(capsys, config, "sync", "--json")
    assert code == 75 and report["accounts"][0]["state"] == "backoff"
    graph.fake.entra.revoked = True
    requests_before = len([r for r in graph.fake.requests if r.split()[1].startswith("/v1.0")])
    code, report = run(capsys, config, "sync", "--json")
    assert code == 77 and report["accounts"][0]["state"] == "needs_auth"
    assert "syncd auth office" in report["accounts"][0]["error"]
    after = len([r for r in graph.fake.requests if r.split()[1].startswith("/v1.0")])
    assert after == requests_before  # no Graph call with a dead sign-in
    _, status = run(capsys, config, "status", "--json")
    assert status[0]["state"] == "needs_auth"
