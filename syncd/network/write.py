"""Write the report: ``syncd report --html FILE`` and the daemon's daily refresh."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from syncd.config import Config
from syncd.errors import SyncdError
from syncd.files import write_private
from syncd.network.facts import gather
from syncd.network.page import render
from syncd.pipeline import Snapshot

log = logging.getLogger(__name__)
REFRESH = timedelta(days=1)  # the daemon rewrites ``[report] path`` at most this often


def configured(config: Config) -> Path | None:
    """``[report] path``, expanded; None when unset."""
    return Path(config.report.path).expanduser() if config.report.path else None


def write(path: Path, config: Config, snapshot: Snapshot, placed: Mapping[str, datetime],
          now: datetime) -> None:
    """Write the report to ``path`` (0600: it names the user's contacts)."""
    facts = gather(snapshot, placed, now, ZoneInfo(config.me.timezone),
                   factor=config.drift.factor, goal=config.goals.introductions_per_week)
    write_private(path, render(facts, config.me.name))


def stale(path: Path, now: datetime) -> bool:
    """Is the report missing, or older than ``REFRESH``?"""
    try:
        written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return True
    return now - written >= REFRESH or written > now + REFRESH


class Refresher:
    """The daemon's refresh of ``[report] path``: written when missing or a day old. A failure
    (pygal not installed, a full disk) is logged and tried again a day later, not every cycle."""

    def __init__(self) -> None:
        self.tried: datetime | None = None

    def __call__(self, config: Config, snapshot: Snapshot | None,
                 placed: Mapping[str, datetime], now: datetime) -> Path | None:
        """The path written, or None when nothing was due (or writing failed)."""
        path = configured(config)
        if path is None or snapshot is None or not stale(path, now):
            return None
        if self.tried is not None and now - self.tried < REFRESH:
            return None
        self.tried = now
        try:
            write(path, config, snapshot, placed, now)
        except (SyncdError, OSError) as exc:
            log.warning("report %s not written: %s", path, exc)
            return None
        log.info("report written to %s", path)
        return path
