from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from syncd import config
from syncd.config import sample as config_sample
from syncd.errors import ConfigError


def problems(raw: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config.from_dict(raw)
    return [str(p) for p in info.value.problems]


def test_sample_generated_from_the_schema_loads_cleanly() -> None:
    loaded = config.from_dict(tomllib.loads(config_sample.render()))
    assert [a.type for a in loaded.accounts] == ["imap", "caldav", "carddav", "gmail",
                                                 "google_contacts", "outlook"]
    assert loaded.followups.account == "cal"
    assert loaded.cadences[1].min_exchanges == 2


def test_address_book_accounts() -> None:
    raw = {"accounts": [
        {"name": "book", "type": "carddav", "url": "https://dav.example.org/",
         "password_env": "X", "addressbooks": ["Friends"]},
        {"name": "gc", "type": "google_contacts", "client_secrets": "/x.json"},
        {"name": "office", "type": "outlook", "client_id": "c", "contacts": False}]}
    loaded = config.from_dict(raw)
    assert [a.type for a in loaded.accounts] == ["carddav", "google_contacts", "outlook"]
    found = problems({"accounts": [{"name": "b", "type": "carddav",
                                    "url": "http://dav.example.org/"}]})
    assert any("accounts[0].url" in p and "loopback" in p for p in found)
    found = problems({"accounts": [{"name": "c", "type": "carddav", "url": "https://x/",
                                    "adressbooks": []}]})
    assert any("accounts[0].adressbooks" in p and "addressbooks" in p for p in found)


def test_every_problem_is_reported_at_once_with_its_key_path() -> None:
    found = problems({
        "me": {"nme": "x", "timezone": "Mars/Base"},
        "accounts": [{"name": "a", "type": "imap", "host": "h", "prot": 1},
                     {"name": "b", "type": "caldv"}],
        "followups": {"duration": "15x"},
    })
    assert any(p.startswith("me.nme: unknown key") and "did you mean 'name'" in p for p in found)
    assert any(p.startswith("me.timezone: unknown time zone") for p in found)
    assert any(p.startswith("accounts[0].prot") and "'port'" in p for p in found)
    assert any(p.startswith("accounts[1]: unknown account type 'caldv'") for p in found)
    assert any(p.startswith("followups.duration") for p in found)
    assert len(found) == 5


def test_missing_required_key_says_what_it_is_for() -> None:
    found = problems({"accounts": [{"name": "c", "type": "caldav"}]})
    assert found == [("accounts[0].url: required key is missing (hint: CalDAV server URL "
                     "(Radicale: the root '/'))")]


def test_cross_checks() -> None:
    found = problems({
        "accounts": [
            {"name": "m", "type": "imap", "host": "mail.example.org", "security": "none"},
            {"name": "m", "type": "imap", "host": "127.0.0.1", "security": "none",
             "password_env": "X", "password_command": ["pass"]},
        ],
        "followups": {"account": "m"},
    })
    text = "\n".join(found)
    assert "accounts[0].security: plaintext IMAP is allowed only to a loopback host" in text
    assert "accounts[1].name: duplicate account name 'm'" in text
    assert "accounts[1].password_command: set password_command or password_env" in text
    assert "followups.account: 'm' is a imap account, not a calendar" in text


def test_durations_and_defaults() -> None:
    loaded = config.from_dict({"followups": {"horizon": "3w", "duration": "30m"},
                               "new_contacts": {"steps": ["1d", "2w"]}})
    assert loaded.followups.horizon == timedelta(weeks=3)
    assert loaded.followups.duration == timedelta(minutes=30)
    assert loaded.new_contacts.steps == (timedelta(days=1), timedelta(weeks=2))
    assert loaded.ignore.max_recipients == 10


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_FOLLOWUPS__MAX_PER_DAY", "2")
    loaded = config.from_dict({"followups": {"max_per_day": 7}})
    assert loaded.followups.max_per_day == 2


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "c.toml"
    broken.write_text("[me\nname = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(broken)
    with pytest.raises(ConfigError, match="syncd init"):
        config.load(tmp_path / "absent.toml")


def test_ignore_patterns_must_be_valid_regular_expressions() -> None:
    found = problems({"ignore": {"patterns": ["ok-.*", "bad[("]}})
    assert len(found) == 1 and found[0].startswith("ignore.patterns: 'bad[(' is not a valid")


def test_the_sample_shows_the_optional_alarm_and_credential_keys_commented_out() -> None:
    text = config_sample.render().splitlines()
    assert '# alarm = "0m"' in text
    assert '# password_credential = "cal-password"' in text
    assert config.from_dict(tomllib.loads(config_sample.render())).followups.alarm is None
    loaded = config.from_dict({"followups": {"alarm": "0m"}})
    assert loaded.followups.alarm is not None and loaded.followups.alarm.total_seconds() == 0


def test_message_text_per_account_and_what_status_says_of_it() -> None:
    from syncd.config import from_dict
    from syncd.config.text import text_signals

    accounts = [
        {"name": "imap", "type": "imap", "host": "imap.example.org", "username": "d"},
        {"name": "quiet", "type": "imap", "host": "imap.example.org", "message_text": "none"},
        {"name": "office", "type": "outlook", "client_id": "x"},
        {"name": "office2", "type": "outlook", "client_id": "x", "mail_permission": "Mail.Read"},
        {"name": "gmail", "type": "gmail", "client_secrets": "c.json"},
        {"name": "cal", "type": "caldav", "url": "https://dav.example.org/"},
    ]
    cfg = from_dict({"accounts": accounts})
    assert cfg.detection.message_text == "preview"
    assert [cfg.message_text(a["name"]) for a in accounts[:2]] == ["preview", "none"]
    said = {a["name"]: text_signals(cfg, a["name"]) for a in accounts}
    assert said["imap"].startswith("preview") and said["office2"].startswith("preview")  # type: ignore[union-attr]
    assert all(said[n].startswith("headers only") for n in ("quiet", "office", "gmail"))  # type: ignore[union-attr]
    assert said["cal"] is None
    off = from_dict({"accounts": accounts, "detection": {"message_text": "none"}})
    assert off.message_text("imap") == "none"


def test_gmail_reads_text_only_on_its_own_word_never_by_the_default() -> None:
    from syncd.config import from_dict

    def gmail(**extra: str) -> dict[str, str]:
        return {"name": "gm", "type": "gmail", "client_secrets": "c.json", **extra}

    for detection in ("preview", "none"):
        plain = from_dict({"accounts": [gmail()], "detection": {"message_text": detection}})
        assert plain.message_text("gm") == "none"
        assert not plain.account("gm").reads_text  # type: ignore[union-attr]
        opted = from_dict({"accounts": [gmail(message_text="preview")],
                           "detection": {"message_text": detection}})
        assert opted.message_text("gm") == "preview"
        assert opted.account("gm").reads_text  # type: ignore[union-attr]
    calendar = from_dict({"accounts": [{"name": "gc", "type": "google_calendar",
                                        "client_secrets": "c.json", "message_text": "preview"}]})
    assert not calendar.account("gc").reads_text  # type: ignore[union-attr]
    sample = config_sample.render()
    assert '# message_text = "preview"' in sample and "gmail.readonly" in sample
