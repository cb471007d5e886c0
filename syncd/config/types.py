"""The building blocks of the config schema: durations and the strict section base."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_duration(value: object) -> timedelta:
    """``"14d"``, ``"15m"``, ``"2w"`` to a timedelta (also accepts a timedelta)."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError("expected a duration like '15m', '2h', '14d' or '2w'")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


# A duration key: "15m", "2h", "14d", "2w" in the file, a timedelta in the program.
Duration = Annotated[timedelta, BeforeValidator(parse_duration),
                     Field(json_schema_extra={"format": "duration"})]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
