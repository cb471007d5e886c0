"""`syncd install`: never the real user's systemd: a unit directory override and a fake
systemctl on PATH."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from syncd.commands import install
from syncd.commands.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_systemctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    script = bin_dir / "systemctl"
    script.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("SYNCD_SYSTEMD_DIR", str(tmp_path / "units"))
    return calls


def test_dry_run_says_what_it_would_do_and_does_nothing(
        fake_systemctl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install", "--dry-run"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said == [f"would write {tmp_path / 'units' / 'syncd.service'}",
                    "would run systemctl --user daemon-reload",
                    "would run systemctl --user enable --now syncd.service"]
    assert not (tmp_path / "units").exists() and not fake_systemctl.exists()


def test_install_writes_the_unit_for_this_installation_and_starts_it(
        fake_systemctl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    assert main(["--config", str(config), "install"]) == 0
    unit = (tmp_path / "units" / "syncd.service").read_text()
    assert f"ExecStart={sys.executable} -m syncd --config {config} run" in unit.splitlines()
    for line in ("Type=notify", "Restart=on-failure", "WatchdogSec=5min",
                 "ExecReload=/bin/kill -HUP $MAINPID", "ProtectSystem=strict"):
        assert line in unit.splitlines()
    assert "ProtectHome" not in unit  # the store and password tools live in the home directory
    assert fake_systemctl.read_text().splitlines() == [
        "--user daemon-reload", "--user enable --now syncd.service"]


def test_the_timer_alternative(fake_systemctl: Path, tmp_path: Path) -> None:
    assert main(["install", "--timer"]) == 0
    assert sorted(p.name for p in (tmp_path / "units").iterdir()) == [
        "syncd-sync.service", "syncd-sync.timer"]
    assert "Type=oneshot" in (tmp_path / "units" / "syncd-sync.service").read_text()
    assert fake_systemctl.read_text().splitlines()[-1] == "--user enable --now syncd-sync.timer"


def test_the_shipped_units_are_what_install_writes_for_a_pipx_install() -> None:
    pipx = "%h/.local/bin/syncd"
    assert (ROOT / "systemd" / "syncd.service").read_text() == install.service_text(pipx)
    for name, text in install.timer_units(pipx).items():
        assert (ROOT / "systemd" / name).read_text() == text
