"""One convention for time in JSON: ISO 8601 with the me.timezone offset, whatever the state of
the row (planned, written) and whatever the command; and the ledger as a person reads it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from syncd.commands.cli import main
from syncd.localservers.caldav import CaldavServer
from syncd.localservers.imap import ImapServer
from tests.terminal import demo_sample

pytestmark = pytest.mark.integration
NOW = "2026-12-07T09:00:00+01:00"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+0[12]:00$")  # Berlin: winter, summer


def stamps(value: Any) -> list[str]:
    """Every date-time string anywhere in a JSON value."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in stamps(v)]
    if isinstance(value, list):
        return [s for v in value for s in stamps(v)]
    return [value] if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value) else []


@pytest.fixture
def config(imap_server: ImapServer, caldav_server: CaldavServer, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo's sample on the test's servers, the clock pinned to ``NOW``."""
    path, passwords = demo_sample(imap_server, caldav_server, tmp_path, NOW)
    monkeypatch.setenv("SYNCD_NOW", NOW)
    for name, value in passwords.items():
        monkeypatch.setenv(name, value)
    return path


def test_every_command_s_json_carries_the_me_timezone_offset(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:

    def run(*args: str) -> Any:
        capsys.readouterr()
        assert main(["--config", str(config), *args, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    dry = run("sync", "--dry-run")  # the store filled, the calendar untouched
    planned = run("due")
    report = run("sync")
    due = run("due")
    # the same follow-ups planned, then written: the same offset for both states
    assert {r["state"] for r in planned} == {"planned"} and {r["state"] for r in due} == {
        "written"}
    assert [r["start"] for r in planned] == [r["start"] for r in due]
    found = [*stamps(dry), *stamps(planned), *stamps(report), *stamps(due),
             *stamps(run("contacts")), *stamps(run("status")), *stamps(run("ledger", "Jane Roe")),
             *stamps(run("why", "Jane Roe"))]
    assert len(found) > 40
    assert [s for s in found if not STAMP.match(s)] == []
    assert all(s.endswith("+01:00") for s in found if s.startswith("2026-12"))
    jane = next(r for r in due if r["person"] == "Jane Roe")
    assert jane["start"] == "2026-12-08T09:00:00+01:00"


def test_the_ledger_reads_as_labels_and_meetings_by_title(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "sync", "--json"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "ledger", "Jane Roe", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    meeting = next(i for i in data["interactions"] if i["direction"] == "meeting")
    assert main(["--config", str(config), "ledger", "Jane Roe"]) == 0
    text = capsys.readouterr().out
    assert "  last touch       2026-" in text and "next follow-up   2026-12-08 09:00" in text
    assert "messages_in" not in text and "initiated_by_me" not in text  # labels, not keys
    assert "replies you owe" in text
    line = next(line for line in text.splitlines() if "│ meeting" in line)
    assert meeting["subject"] and meeting["subject"] in line
    assert meeting["ref"] not in text  # the meeting by its title, never its href
