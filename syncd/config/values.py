"""The config's building blocks that need no pydantic: durations, weekdays, calendar account
types, and where the config file and the store live by default. ``syncd run`` uses them
without loading the schema (``syncd.config.isolated``)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncd.config.plain import Config

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CALENDAR_TYPES = frozenset({"caldav", "google_calendar", "outlook"})


def parse_duration(value: object) -> timedelta:
    """``"14d"``, ``"15m"``, ``"2w"`` to a timedelta (also accepts a timedelta)."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError("expected a duration like '15m', '2h', '14d' or '2w'")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def default_config_path() -> Path:
    if env := os.environ.get("SYNCD_CONFIG"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "syncd" / "config.toml"


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "syncd"


def store_path(config: Config) -> Path:
    if config.store.path:
        return Path(os.path.expandvars(config.store.path)).expanduser()
    return default_state_dir() / "syncd.sqlite3"
