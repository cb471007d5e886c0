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
