"""`syncd install`: never the real user's systemd: a unit directory override and a fake
systemctl on PATH."""

from __future__ import annotations

import shutil
import stat
import subprocess
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
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SYNCD_CONFIG", raising=False)
    return calls


def test_dry_run_shows_the_unit_it_would_write_and_does_nothing(
        fake_systemctl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install", "--dry-run"]) == 0
    shown = capsys.readouterr()
    said = shown.out.splitlines() + shown.err.splitlines()
    env_file = tmp_path / "xdg" / "syncd" / "environment"
    assert said[0].startswith(f"would create {env_file} (mode 0600)")
    assert said[1] == f"would write {tmp_path / 'units' / 'syncd.service'}"
    unit = [line.removeprefix("  ") for line in said[2:said.index(
        "would run systemctl --user daemon-reload")]]
    assert "Type=notify" in unit and f"EnvironmentFile=-{env_file}" in unit
    assert "[Install]" in unit and any(line.startswith("ExecStart=") for line in unit)
    missing = (f"warning: no config at {tmp_path / 'xdg' / 'syncd' / 'config.toml'} yet: write "
               "it (`syncd init`), then run `syncd install` again so that its secrets are "
               "checked and the credentials loaded")
    assert said[-2:] == ["would run systemctl --user enable --now syncd.service", missing]
    assert not (tmp_path / "units").exists() and not fake_systemctl.exists()
    assert not env_file.exists()


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


SECRETS_CONFIG = """
[me]
addresses = ["dana@dana.test"]
[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
security = "none"
username = "dana"
password_env = "MAIL_PASSWORD"
[[accounts]]
name = "cal"
type = "caldav"
url = "https://dav.dana.test/"
username = "dana"
password_credential = "cal-pw"
[[accounts]]
name = "cal2"
type = "caldav"
url = "https://dav2.dana.test/"
password_credential = "cal2-pw"
"""


def test_install_brings_secrets_to_the_service_and_warns_about_those_that_would_not_reach_it(
        fake_systemctl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_PASSWORD", "in my shell only")  # the service never sees it
    config = tmp_path / "config.toml"
    config.write_text(SECRETS_CONFIG)
    store = tmp_path / "xdg" / "syncd" / "credentials"
    store.mkdir(parents=True)
    (store / "cal2-pw").write_text("plain\n")
    (store / "cal2-pw").chmod(0o600)
    assert main(["--config", str(config), "install"]) == 0
    shown = capsys.readouterr()
    said = shown.out + shown.err
    assert "warning" not in shown.out  # warnings go to stderr
    env_file = tmp_path / "xdg" / "syncd" / "environment"
    assert f"created {env_file} (mode 0600)" in said
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "# MAIL_PASSWORD=" in env_file.read_text().splitlines() and all(
        line.startswith("#") for line in env_file.read_text().splitlines())  # only a comment
    unit = (tmp_path / "units" / "syncd.service").read_text().splitlines()
    assert f"EnvironmentFile=-{env_file}" in unit
    assert f"LoadCredentialEncrypted=cal-pw:{store / 'cal-pw.cred'}" in unit
    assert f"LoadCredential=cal2-pw:{store / 'cal2-pw'}" in unit
    warnings = [line for line in said.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2, said
    assert f"mail: password_env MAIL_PASSWORD is not in {env_file}" in warnings[0]
    assert "cal: credential 'cal-pw' is not at" in warnings[1]
    assert "systemd-creds encrypt --user --name=cal-pw" in warnings[1]

    # the user follows the advice: no warning left, and their file is never overwritten
    env_file.write_text("MAIL_PASSWORD=hunter2\n")
    (store / "cal-pw.cred").write_bytes(b"encrypted")
    assert main(["--config", str(config), "install"]) == 0
    shown = capsys.readouterr()
    said = shown.out + shown.err
    assert "warning" not in said and env_file.read_text() == "MAIL_PASSWORD=hunter2\n"
    assert "hunter2" not in said


def test_a_config_with_problems_is_not_installed(
        fake_systemctl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[followups]\naccount = 'nope'\n")
    assert main(["--config", str(config), "install"]) == 78
    assert "followups.account" in capsys.readouterr().err
    assert not (tmp_path / "units").exists()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_accepts_the_unit_with_its_secrets(
        fake_systemctl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SECRETS_CONFIG)
    assert main(["--config", str(config), "install"]) == 0
    unit = tmp_path / "units" / "syncd.service"
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
