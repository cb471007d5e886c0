"""`syncd check-config` means it: the sample `syncd init` writes is not ok, and neither is a
config whose secrets or files cannot be found here. Every problem at once, with key path and
hint, exit 78; no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.commands.cli import main
from syncd.config import sample
from syncd.config.environment import environment_problems


def check(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--config", str(path), "check-config", *args])
    said = capsys.readouterr()
    return code, " ".join((said.out + said.err).split())


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path


def test_the_init_sample_is_not_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALDAV_PASSWORD", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no `pass` here
    path = tmp_path / "config.toml"
    path.write_text(sample.render())
    code, text = check(capsys, path)
    assert code == 78, text
    for where in ("me.addresses", "accounts[0].password_command", "accounts[0].host",
                  "accounts[1].password_env", "accounts[1].url", "accounts[2].url",
                  "accounts[3].client_secrets", "accounts[4].client_secrets",
                  "accounts[5].client_id"):
        assert where in text, (where, text)
    assert "CALDAV_PASSWORD" in text and "hint:" in text
    assert "ok (" not in text


GOOD = """
[me]
addresses = ["dana@dana.test"]
[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
security = "none"
username = "dana"
password_env = "SYNCD_TEST_CHECK_PW"
[[accounts]]
name = "cal"
type = "caldav"
url = "https://dav.dana.test/"
password_command = ["{python}", "-c", "print('x')"]
[[accounts]]
name = "g"
type = "google_calendar"
client_secrets = "{secrets}"
[followups]
account = "cal"
"""


def good(tmp_path: Path) -> str:
    import sys

    secrets = tmp_path / "client.json"
    secrets.write_text("{}")
    return GOOD.format(python=sys.executable, secrets=secrets)


def test_a_config_that_will_work_here_is_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_TEST_CHECK_PW", "secret")
    path = tmp_path / "config.toml"
    path.write_text(good(tmp_path))
    code, text = check(capsys, path)
    assert (code, text) == (0, f"{path}: ok (3 account(s))")


def test_a_variable_only_in_the_service_environment_file_is_enough(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNCD_TEST_CHECK_PW", raising=False)
    path = tmp_path / "config.toml"
    path.write_text(good(tmp_path))
    code, text = check(capsys, path)
    assert code == 78 and "accounts[0].password_env" in text
    assert "SYNCD_TEST_CHECK_PW" in text and "xdg/syncd/environment" in text
    env_file = tmp_path / "xdg" / "syncd" / "environment"
    env_file.parent.mkdir(parents=True)
    env_file.write_text("# for the service\nSYNCD_TEST_CHECK_PW=secret\n")
    assert check(capsys, path)[0] == 0


def test_schema_problems_and_missing_things_come_together(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad port does not hide that followups.account names nothing, nor a missing file."""
    monkeypatch.delenv("SYNCD_TEST_CHECK_PW", raising=False)
    path = tmp_path / "config.toml"
    text = good(tmp_path).replace('security = "none"', 'security = "none"\nport = 99999')
    text = text.replace('account = "cal"', 'account = "calendar"')
    text = text.replace(str(tmp_path / "client.json"), str(tmp_path / "nope.json"))
    path.write_text(text)
    code, said = check(capsys, path)
    assert code == 78
    for where in ("accounts[0].port", "accounts[0].password_env", "accounts[2].client_secrets",
                  "followups.account: no account named 'calendar'"):
        assert where in said, (where, said)
    assert said.count("followups.account") == 1
    assert "4 problem(s)" in said


def test_credentials_are_checked_where_systemd_loads_them(tmp_path: Path) -> None:
    raw = {"accounts": [{"name": "cal", "type": "caldav", "url": "https://dav.dana.test/",
                         "password_credential": "cal-pw"}]}
    assert environment_problems(raw, env={}) == []  # a shell: the service will have it
    creds = tmp_path / "creds"
    creds.mkdir()
    (problem,) = environment_problems(raw, env={"CREDENTIALS_DIRECTORY": str(creds)})
    assert problem.path == "accounts[0].password_credential"
    assert "LoadCredentialEncrypted=cal-pw" in problem.hint
    (creds / "cal-pw").write_text("secret\n")
    assert environment_problems(raw, env={"CREDENTIALS_DIRECTORY": str(creds)}) == []


def test_an_unreadable_file_is_still_one_clear_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[me\n")
    code, text = check(capsys, path)
    assert code == 78 and "not valid TOML" in text
