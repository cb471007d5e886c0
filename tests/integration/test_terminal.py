"""`syncd demo` and `syncd sync` in a real terminal, 80 and 160 columns wide.

The commands run on a pseudo-terminal (progress bars on, the cursor hidden while they draw) and
the screen they leave is read through a terminal emulator: exit 0, no traceback, the cursor shown
again, no line wider than the terminal, names, addresses and times readable (never cut to "…"),
and one follow-up at the same local time in the plan, `due`, `contacts` and the calendar.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors._ics import remote_from_ics
from syncd.commands.demo import FOLLOWUPS, TIMEZONE
from syncd.localservers.caldav import CaldavServer
from syncd.localservers.imap import ImapServer
from tests.terminal import Run, demo_sample, run_in_terminal, table_rows, terminal_env

pytestmark = pytest.mark.integration
NOW = "2026-12-07T09:00:00+01:00"  # a Monday morning in Berlin
JANE_AT = "2026-12-08 09:00"  # her reply is due first: the next working day at followups.time
PEOPLE = {"Jane Roe": "jane@acme.example", "Omar Haddad": "omar@haddad.example",
          "Sam Rivera": "sam@rivera.example", "Lena Park": "lena@startup.example",
          "Raj Patel": "raj@bigco.example"}


def check_terminal(run: Run) -> list[str]:
    """What holds for every command on a terminal; the screen it leaves."""
    lines = run.screen()
    assert run.code == 0, "\n".join(lines)
    assert "Traceback" not in run.text
    assert run.cursor_restored(), "the cursor stays hidden after the command"
    too_wide = [line for line in lines if len(line) > run.cols]
    assert not too_wide, too_wide
    return lines


def row_of(rows: list[list[str]], name: str) -> dict[str, str]:
    header = rows[0]
    found = [dict(zip(header, r, strict=True)) for r in rows[1:] if name in r]
    assert len(found) == 1, (name, rows)
    return found[0]


def check_contacts(lines: list[str], cols: int) -> None:
    rows = table_rows(lines, "name")
    assert {"name", "last touch", "next follow-up"} <= set(rows[0])
    assert ("mtg" in rows[0]) == (cols >= 120)  # the counts when there is room
    for name, address in PEOPLE.items():
        row = row_of(rows, name)
        assert "…" not in "".join(row.values())
        if "address" in row:
            assert row["address"] == address
    assert row_of(rows, "Jane Roe")["next follow-up"] == JANE_AT


@pytest.mark.parametrize("cols", [80, 160])
def test_demo_on_a_terminal(cols: int, tmp_path: Path) -> None:
    run = run_in_terminal(["demo"], cols=cols, env=terminal_env(SYNCD_NOW=NOW,
                                                                 HOME=str(tmp_path)))
    lines = check_terminal(run)
    assert b"\x1b[?25l" in run.raw  # the progress bars did run
    check_contacts(lines, cols)
    plan = table_rows(lines, "action")
    assert row_of(plan, "Jane Roe")["when"] == JANE_AT
    events = table_rows(lines, "start")
    assert row_of(events, "Reply: Jane Roe (acme.example)")["start"] == JANE_AT
    assert "calendar: 'cal' is up to date, nothing to change" in lines


@pytest.mark.parametrize("cols", [80, 160])
def test_sync_on_a_terminal_shows_one_local_time_everywhere(
        cols: int, imap_server: ImapServer, caldav_server: CaldavServer, tmp_path: Path) -> None:
    config, passwords = demo_sample(imap_server, caldav_server, tmp_path, NOW)
    env = terminal_env(SYNCD_NOW=NOW, **passwords)

    def screen(*args: str) -> list[str]:
        return check_terminal(run_in_terminal(["--config", str(config), *args], cols=cols,
                                              env=env))

    dry = screen("sync", "--dry-run")
    assert "dry run: calendar untouched" in dry and caldav_server.events(FOLLOWUPS) == {}
    lines = screen("sync")
    plan = table_rows(lines, "action")
    assert row_of(plan, "Jane Roe")["when"] == JANE_AT
    assert all(r[0] == "create" for r in plan[1:]) and len(plan) == 6
    due = table_rows(screen("due"), "when")
    assert row_of(due, "Jane Roe")["when"] == JANE_AT
    assert [r[0] for r in due[1:]] == sorted(r[0] for r in due[1:])  # sorted by time
    check_contacts(screen("contacts"), cols)
    starts = [remote_from_ics(ics, href, None) for href, ics in
              caldav_server.events(FOLLOWUPS).items() if "SUMMARY:Reply: Jane Roe" in ics]
    assert len(starts) == 1 and starts[0] is not None
    assert starts[0].start.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M") == JANE_AT
