from __future__ import annotations

import stat
from pathlib import Path

from syncd.files import write_private


def test_write_private_makes_a_0600_file_in_a_0700_directory_and_replaces_it_whole(
        tmp_path: Path) -> None:
    path = tmp_path / "state" / "quota.json"
    write_private(path, "one")
    write_private(path, "two")
    assert path.read_text() == "two"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["quota.json"]  # no temp file left
