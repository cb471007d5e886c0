"""`syncd demo` works with nothing configured: real local servers, a sample mailbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncd.commands.cli import main

pytestmark = pytest.mark.integration


def test_demo_syncs_twice_and_shows_contacts_and_events(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SYNCD_CONFIG", raising=False)
    code = main(["demo", "--json", "--keep", str(tmp_path / "demo")])
    assert code == 0
    document = json.loads(capsys.readouterr().out)  # one JSON document, not several
    first, second = document["syncs"]
    contacts, events = document["contacts"], document["events"]
    assert document["kept"] == str(tmp_path / "demo")
    assert first["applied"] == len(events) >= 3
    assert second["plan"] == [] and second["applied"] == 0
    names = {c["name"] for c in contacts}
    assert {"Jane Roe", "Omar Haddad", "Sam Rivera"} <= names
    assert not any("news@" in a for c in contacts for a in c["addresses"])
    assert all(e["start"].endswith(("+01:00", "+02:00")) for e in events)
    # the files it kept are private
    store = tmp_path / "demo" / "state" / "syncd.sqlite3"
    assert store.exists() and oct(store.stat().st_mode & 0o777) == "0o600"


def test_a_kept_demo_says_what_it_kept_and_answers_offline_but_cannot_be_continued(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SYNCD_CONFIG", raising=False)
    monkeypatch.setenv("SYNCD_NOW", "2026-12-07T09:00:00+01:00")
    keep = tmp_path / "demo"
    assert main(["demo", "--keep", str(keep)]) == 0
    note = capsys.readouterr().err
    config = keep / "config.toml"
    assert f"\n  syncd --config {config} contacts\n" in note  # whole lines, to copy
    assert "cannot be synced again" in " ".join(note.split())
    # what the note promises: the kept store answers without the servers
    assert main(["--config", str(config), "contacts", "--json"]) == 0
    assert "Jane Roe" in {c["name"] for c in json.loads(capsys.readouterr().out)}
    # a second demo into the same directory says so plainly, and leaves it as it was
    before = sorted(p.name for p in keep.iterdir())
    assert main(["demo", "--keep", str(keep)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "cannot be continued" in err and "another directory" in err
    assert sorted(p.name for p in keep.iterdir()) == before


def test_sync_dry_run_help_says_what_it_writes_and_what_not(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sync", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "into the store" in text and "change nothing in the calendar" in text
