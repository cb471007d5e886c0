"""Issue 16: the daemon's footprint. Environment overrides without pydantic-settings; the
modules ``syncd run`` loads before its first cycle; memory handed back after a cycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syncd import config
from syncd.config import overrides
from syncd.errors import ConfigError
from syncd.process import release_memory


def test_overrides_spell_nested_keys_case_insensitively() -> None:
    env = {"SYNCD_FOLLOWUPS__MAX_PER_DAY": "2", "syncd_me__timezone": "Europe/Berlin",
           "SYNCD_ME__ADDRESSES": '["a@x.example", "b@x.example"]',
           "SYNCD_CONFIG": "/elsewhere.toml", "SYNCD_NOW": "2026-01-01T00:00:00Z",
           "SYNCD_FOLLOWUPS__": "x", "HOME": "/root"}
    found = overrides.overrides({"me", "followups"}, env)
    assert found == {"followups": {"max_per_day": "2"},
                     "me": {"timezone": "Europe/Berlin",
                            "addresses": ["a@x.example", "b@x.example"]}}


def test_overrides_win_over_the_file_key_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_FOLLOWUPS__MAX_PER_DAY", "3")
    monkeypatch.setenv("SYNCD_ME__ADDRESSES", '["dana@example.org"]')
    loaded = config.from_dict({"followups": {"max_per_day": 7, "calendar": "Mine"},
                               "me": {"name": "Dana"}})
    assert (loaded.followups.max_per_day, loaded.followups.calendar) == (3, "Mine")
    assert (loaded.me.name, loaded.me.addresses) == ("Dana", ("dana@example.org",))


def test_a_bad_override_is_reported_with_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_FOLLOWUPS__MAX_PER_DAY", "many")
    monkeypatch.setenv("SYNCD_FOLLOWUPS__COLOUR", "red")
    with pytest.raises(ConfigError) as caught:
        config.from_dict({})
    text = str(caught.value)
    assert "followups.max_per_day" in text and "followups.colour" in text


def test_the_daemon_loads_no_drawing_and_no_settings_library() -> None:
    code = ("import sys, syncd.commands.cli, syncd.daemon, syncd.engine, connectors.registry\n"
            "heavy = {'pydantic_settings', 'rich', 'googleapiclient', 'msal', 'caldav'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_release_memory_is_safe_to_call_between_cycles() -> None:
    kept = [bytes(1000) for _ in range(1000)]
    release_memory()
    assert len(kept) == 1000 and all(len(k) == 1000 for k in kept)


def test_shrink_forgets_the_shared_records_and_reads_on(tmp_path: Path) -> None:
    from syncd.model import Page
    from syncd.store import Store, codec
    from tests.factories import ME, mail

    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("mail", Page((mail("jane@acme.example", ME, days_ago=1, mid="a"),), "c"))
        assert store.message("a") is not None and codec._ADDRESSES
        store.shrink()
        assert not codec._ADDRESSES and not codec._TUPLES
        found = store.message("a")
        assert found is not None and found.sender is not None
        assert found.sender.email == "jane@acme.example"


def test_shrink_reopens_the_connection_and_the_store_works_on(tmp_path: Path) -> None:
    import sqlite3

    from syncd.model import Page
    from syncd.store import Store
    from tests.factories import ME, mail

    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("mail", Page((mail("jane@acme.example", ME, days_ago=2, mid="a"),), "c1"))
        before = store._db
        store.shrink()
        with pytest.raises(sqlite3.ProgrammingError):  # closed: its statements are gone
            before.execute("SELECT 1")
        store.ingest("mail", Page((mail("joe@acme.example", ME, days_ago=1, mid="b"),), "c2"))
        assert store.message("a") is not None and store.message("b") is not None
        assert store.cursor("mail") == "c2"
    with Store.open(tmp_path / "s.sqlite3") as again:
        assert again.message("b") is not None


def test_shrink_keeps_the_connection_when_the_file_cannot_be_opened_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import sqlite3

    from syncd.model import Page
    from syncd.store import Store
    from tests.factories import ME, mail

    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("mail", Page((mail("jane@acme.example", ME, days_ago=2, mid="a"),), "c1"))
        kept = store._db
        with sqlite3.connect(tmp_path / "s.sqlite3") as other:  # a newer syncd migrated it
            other.execute("PRAGMA user_version = 999")
        store.shrink()
        assert store._db is kept and store.message("a") is not None
        assert "keeping the store's connection" in caplog.text and "newer syncd" in caplog.text
