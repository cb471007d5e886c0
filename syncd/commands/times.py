"""The one way commands show time: in ``me.timezone``, the way the calendar shows it.

Human tables print ``2026-12-08 09:00`` (or the date alone); JSON carries ISO 8601 with the
``me.timezone`` offset, whatever the state of the row (planned, written, stored stamps).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from syncd.config import Config


def zone(config: Config) -> ZoneInfo:
    return ZoneInfo(config.me.timezone)


def _instant(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # store stamps: UTC


def iso(value: datetime | str | None, tz: tzinfo) -> str | None:
    """ISO 8601 with the offset of ``tz`` (JSON), or None."""
    when = _instant(value)
    return None if when is None else when.astimezone(tz).isoformat()


def local(value: datetime | str | None, tz: tzinfo, *, date_only: bool = False,
          none: str = "-") -> str:
    """``2026-12-08 09:00`` in ``tz`` (human tables); ``none`` when there is no time."""
    when = _instant(value)
    if when is None:
        return none
    return when.astimezone(tz).strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M")


def sort_key(value: datetime | str | None) -> tuple[int, datetime]:
    """Order rows by instant; rows without a time last."""
    when = _instant(value)
    return (1, datetime.max.replace(tzinfo=UTC)) if when is None else (0, when)
