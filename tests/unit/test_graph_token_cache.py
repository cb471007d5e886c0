"""The Outlook token cache survives a crash in the middle of a save."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from connectors._graph_auth import AtomicFilePersistence, open_cache


def test_save_replaces_the_file_whole_and_keeps_it_private(tmp_path: Path) -> None:
    path = tmp_path / "tokens" / "office.msal.json"
    open_cache(path)  # creates the directory 0700 and the file 0600
    store = AtomicFilePersistence(str(path))
    store.save('{"RefreshToken": {"a": 1}}')
    assert store.load() == '{"RefreshToken": {"a": 1}}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["office.msal.json"]  # no temp left


def test_a_save_that_dies_half_way_leaves_the_old_tokens(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "office.msal.json"
    store = AtomicFilePersistence(str(path))
    store.save('{"old": true}')

    def die(self: Path, target: Path) -> Path:
        raise KeyboardInterrupt  # the process is stopped between writing and renaming

    monkeypatch.setattr(Path, "replace", die)
    with pytest.raises(KeyboardInterrupt):
        store.save('{"new": true}')
    assert path.read_text() == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["office.msal.json"]
