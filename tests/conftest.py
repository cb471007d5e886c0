"""Shared fixtures. Server fixtures live in plugins, one per server kind."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.fixtures_imap", "tests.fixtures_caldav", "tests.fixtures_google"]


@pytest.fixture
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands see ``tests.factories.NOW`` as "now", whatever day the suite runs on."""
    from tests.factories import NOW

    monkeypatch.setenv("SYNCD_NOW", NOW.isoformat())
