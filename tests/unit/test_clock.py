"""One clock: every command asks ``syncd.clock.now``, so the suite passes on any date.

The date-sensitive commands (`why`, `contacts`, `due`, `ledger`) run here with the machine's clock
moved years apart (time-machine moves it for the whole process, so a stray
``datetime.now()`` anywhere would show); with ``SYNCD_NOW`` pinned, what they print must not move.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from syncd import clock
from syncd.commands.cli import main
from tests.factories import NOW
from tests.unit.test_why import JANE, stored

FAR_APART = [datetime(2027, 2, 1, tzinfo=UTC), datetime(2031, 7, 15, 6, 30, tzinfo=UTC),
             datetime(2049, 12, 31, 23, 59, tzinfo=UTC)]
COMMANDS = [["why", JANE], ["contacts", "--json"], ["due", "--json"], ["ledger", JANE, "--json"]]


def outputs(config: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    seen = []
    for command in COMMANDS:
        assert main(["--config", str(config), *command]) == 0
        seen.append(capsys.readouterr().out)
    return seen


def test_commands_print_the_same_whatever_the_machine_clock_says(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = stored(tmp_path)
    monkeypatch.setenv(clock.ENV, NOW.isoformat())
    with time_machine.travel(NOW, tick=False):
        baseline = outputs(config, capsys)
    assert "does not count (6)" in baseline[0]
    for wall in FAR_APART:
        with time_machine.travel(wall, tick=False):
            assert clock.wall() == wall
            assert outputs(config, capsys) == baseline, wall


def test_the_wall_clock_is_used_when_nothing_is_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.ENV, raising=False)
    monkeypatch.setattr(clock, "wall", lambda: FAR_APART[1])
    assert clock.now() == FAR_APART[1]


def test_a_pinned_clock_keeps_its_offset_and_reads_as_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV, "2026-12-07T09:00:00+01:00")
    assert clock.now() == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert clock.now().tzinfo == UTC


@pytest.mark.parametrize("value", ["tomorrow", "2026-12-07T09:00:00"])
def test_a_bad_pinned_clock_is_a_config_error_that_says_how_to_fix_it(
        value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV, value)
    assert main(["--config", str(stored(tmp_path)), "due"]) == 78
    text = capsys.readouterr().err
    assert "SYNCD_NOW" in text and "with an offset" in text and "unset it" in text
