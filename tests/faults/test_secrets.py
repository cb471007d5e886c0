"""Secrets never leak: not into error messages, not into logs; password_command runs without a
shell; the files that hold state are private."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from syncd.auth.secrets import resolve_password
from syncd.commands.cli import main
from syncd.errors import AuthError

SECRET = "s3cret-Pa55-XYZ"  # the value the tests look for in every output


def test_password_command_runs_without_a_shell(tmp_path: Path) -> None:
    # Shell syntax reaches the program as plain text: nothing is expanded or executed.
    marker = tmp_path / "pwned"
    value = resolve_password("a", ("echo", f"$HOME;touch {marker}"), None)
    assert value == f"$HOME;touch {marker}" and not marker.exists()


def test_a_failing_password_command_does_not_echo_its_output() -> None:
    script = f"import sys; print('{SECRET}'); print('{SECRET}', file=sys.stderr); sys.exit(3)"
    with pytest.raises(AuthError) as info:
        resolve_password("acct", (sys.executable, "-c", script), None)
    assert SECRET not in str(info.value) and "status 3" in str(info.value)


def test_missing_environment_variable_is_named_not_guessed(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.delenv("SYNCD_TEST_NOPE", raising=False)
    with pytest.raises(AuthError, match="SYNCD_TEST_NOPE is not set"):
        resolve_password("acct", None, "SYNCD_TEST_NOPE")


def test_a_systemd_credential_is_read_from_the_credentials_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(AuthError, match=r"\$CREDENTIALS_DIRECTORY is not set") as info:
        resolve_password("cal", None, None, "cal-pw")
    assert "syncd install" in str(info.value)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    with pytest.raises(AuthError, match="LoadCredentialEncrypted=cal-pw"):
        resolve_password("cal", None, None, "cal-pw")
    (tmp_path / "cal-pw").write_text(f"{SECRET}\n")
    assert resolve_password("cal", None, None, "cal-pw") == SECRET


@pytest.mark.integration
def test_no_secret_in_any_log_line_or_output_of_a_failing_sync(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
        imap_server: object) -> None:
    """A wrong password from password_command, with --debug logging on: the password appears
    nowhere in stdout, stderr or the log records."""
    server = imap_server
    config = tmp_path / "config.toml"
    config.write_text(f"""
[me]
addresses = ["dana@example.org"]
[store]
path = "{tmp_path / 'state' / 'db.sqlite3'}"
[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
port = {server.port}  # type: ignore[attr-defined]
security = "none"
username = "dana"
password_command = ["{sys.executable}", "-c", "print('{SECRET}')"]
timeout = 10
""".replace("  # type: ignore[attr-defined]", ""))
    caplog.set_level(logging.DEBUG)
    code = main(["--config", str(config), "--debug", "sync", "--json"])
    out = capsys.readouterr()
    assert code == 77  # authentication failed: needs the user
    everything = out.out + out.err + "\n".join(r.getMessage() for r in caplog.records)
    assert "mail" in everything and SECRET not in everything
    state = tmp_path / "state"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    assert oct((state / "db.sqlite3").stat().st_mode & 0o777) == "0o600"
