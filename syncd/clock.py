"""What "now" is: the one place every command and the daemon ask.

Pure code takes ``now`` as an argument; only the edges (the command line, the daemon, the demo)
call :func:`now`. ``SYNCD_NOW`` (ISO 8601 with an offset) pins it, so a test, or a person asking
"what would syncd plan next Monday?", sees the same answer on any day.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from syncd.errors import ConfigError, Problem

ENV = "SYNCD_NOW"


def wall() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


def now() -> datetime:
    """``SYNCD_NOW`` when it is set, else the machine's clock; always timezone-aware."""
    pinned = os.environ.get(ENV, "").strip()
    if not pinned:
        return wall()
    try:
        when = datetime.fromisoformat(pinned)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ConfigError([Problem(ENV, f"{pinned!r} is not a date and time with an offset",
                                   "use ISO 8601 such as 2026-12-07T09:00:00+01:00, or unset it")])
    return when.astimezone(UTC)
