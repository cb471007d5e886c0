"""The sections of the config file other than ``[[accounts]]`` (``syncd.config.accounts``):
one strict model each, with its defaults and the checks that need only its own keys."""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    field_validator,
)

from syncd.config.types import WEEKDAYS, Duration, Section
from syncd.model import Birthday


class Me(Section):
    name: str = Field("", description="your name, as it should appear nowhere but here")
    addresses: tuple[str, ...] = Field((), description="all of your own addresses")
    timezone: str = Field("UTC", description="IANA time zone for follow-up placement")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                             "'Europe/Berlin' or 'America/New_York'") from exc
        return value


class Store(Section):
    path: str = Field("", description="database file; default $XDG_STATE_HOME/syncd/syncd.sqlite3")
    subjects: bool = Field(True, description="keep subjects for event descriptions")


class Followups(Section):
    account: str = Field("", description="account where follow-up events are written")
    calendar: str = Field("Follow-ups", description="calendar name; created when missing")
    time: dt.time = Field(default_factory=lambda: dt.time(9, 0), description="time of day, HH:MM")
    duration: Duration = Field(timedelta(minutes=15), description="length of each event")
    working_days: tuple[str, ...] = Field(WEEKDAYS[:5], description="days events may fall on")
    max_per_day: int = Field(5, ge=1, le=100, description="at most this many a day")
    horizon: Duration = Field(timedelta(days=14),
                              description="only follow-ups due within this become events")
    alarm: Duration | None = Field(
        None, description="a reminder this long before each event ('0m': at its start); "
                          "unset: no reminder, not even your calendar's default one")


    @field_validator("working_days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [d for d in value if d not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}; use {', '.join(WEEKDAYS)}")
        if not value:
            raise ValueError("name at least one working day")
        return value


class Person(Section):
    name: str = Field(description="the name to show")
    addresses: tuple[str, ...] = Field(description="addresses merged into this one person")
    tags: tuple[str, ...] = Field((), description="tags cadences can match")
    birthday: str | None = Field(None, description="'1980-03-15', or '--03-15' without the year")

    @field_validator("birthday")
    @classmethod
    def _birthday(cls, value: str | None) -> str | None:
        return None if value is None else Birthday.parse(value).isoformat()


class Birthdays(Section):
    remind: Literal["active", "all", "none"] = Field(
        "active", description="birthday events for: active (a two-way exchange or meeting in "
                              "the last two years, or a tag) | all | none")


class Cadence(Section):
    name: str = Field(description="shown in event descriptions")
    every: Duration = Field(description="follow up this long after the last touch")
    tags: tuple[str, ...] = Field((), description="match people with any of these tags")
    people: tuple[str, ...] = Field((), description="match these people by name")
    addresses: tuple[str, ...] = Field((), description="match these addresses")
    domains: tuple[str, ...] = Field((), description="match addresses at these domains")
    min_exchanges: int = Field(0, ge=0, description="match people with this many two-way exchanges")


class NewContacts(Section):
    steps: tuple[Duration, ...] = Field(
        (timedelta(days=3), timedelta(days=14), timedelta(days=60)),
        description="follow-ups after a first meeting or exchange")


class Reciprocity(Section):
    nudge_after: Duration = Field(
        timedelta(days=5), description="an unanswered ask becomes a nudge")
    owed_reply_after: Duration = Field(timedelta(days=2), description="a message you owe a reply")
    thank_helpers: bool = Field(True, description="remind you to thank people who helped")


class Goals(Section):
    introductions_per_week: int = Field(
        0, ge=0, description="introductions you mean to make; above 0 adds a weekly planning "
                             "event with suggested introductions")


class Drift(Section):
    enabled: bool = Field(True, description="remind you when a two-way relationship goes "
                                            "quiet for longer than usual (no cadence needed)")
    factor: float = Field(3.0, gt=1, description="silence longer than this many times the "
                                                 "person's usual gap between touches")
    min_touches: int = Field(6, ge=3, description="touches (on different days, the last two "
                                                  "years) before a usual gap is learned")


class Report(Section):
    path: str = Field("", description="HTML report the daemon refreshes at most daily and "
                                      "the weekly plan links to; empty = none")


class Ignore(Section):
    addresses: tuple[str, ...] = Field((), description="never a person (exact addresses)")
    domains: tuple[str, ...] = Field((), description="never a person (whole domains)")
    patterns: tuple[str, ...] = Field(
        (), description="regexes: a sender whose local part (or, with '@', whole address) "
                        "matches is not a person")
    allow: tuple[str, ...] = Field((), description="always a person, whatever the rules say")

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
        return value
    max_recipients: int = Field(10, ge=1, description="messages to more touch nobody")
    max_meeting_size: int = Field(8, ge=2, description="meetings with more people touch nobody")


class Daemon(Section):
    poll_imap: Duration = Field(timedelta(minutes=5),
                                description="IMAP poll interval (IDLE pushes new mail sooner)")
    poll_caldav: Duration = Field(timedelta(minutes=5), description="CalDAV poll interval")
    poll_gmail: Duration = Field(timedelta(minutes=3), description="Gmail and Google Calendar "
                                                                   "poll interval")
    poll_outlook: Duration = Field(timedelta(minutes=3), description="Outlook poll interval")
    plan_every: Duration = Field(timedelta(hours=1), description="recompute the follow-up plan "
                                                                 "at least this often")
    backoff_initial: Duration = Field(timedelta(seconds=30),
                                      description="first retry after a failure (doubles)")
    backoff_max: Duration = Field(timedelta(hours=1), description="longest wait between retries")


class Detection(Section):
    message_text: Literal["preview", "none"] = Field(
        "preview", description='"preview": read the start of each message\'s text in memory to '
                               'tell asks from FYIs and thanks (only derived flags are kept); '
                               '"none": headers only. Gmail accounts read text only with their '
                               'own message_text = "preview"')
