"""The building blocks of the config schema: durations and the strict section base."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from syncd.config.values import WEEKDAYS, parse_duration

__all__ = ["WEEKDAYS", "Duration", "Section", "parse_duration"]


# A duration key: "15m", "2h", "14d", "2w" in the file, a timedelta in the program.
Duration = Annotated[timedelta, BeforeValidator(parse_duration),
                     Field(json_schema_extra={"format": "duration"})]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
