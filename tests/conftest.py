"""Shared fixtures. Server fixtures live in plugins, one per server kind."""

from __future__ import annotations

pytest_plugins = ["tests.fixtures_imap", "tests.fixtures_caldav", "tests.fixtures_google"]
