"""The config file: one typed schema (DESIGN.md section 5), validated up front.

``load(path)`` reads TOML, applies ``SYNCD_`` environment overrides (``SYNCD_FOLLOWUPS__TIME``
sets ``followups.time``), and returns a frozen ``Config``, or raises one ``ConfigError`` that
lists every problem with its key path and a hint. The key names are a contract: users' files
depend on them. ``syncd/config/sample.py`` writes the commented sample from this schema.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from syncd.config import environment
from syncd.config.accounts import (
    CALENDAR_TYPES,
    Account,
    CaldavAccount,
    GoogleAccount,
    ImapAccount,
    OutlookAccount,
)
from syncd.config.types import WEEKDAYS, Duration, Section
from syncd.config.validation import problems_from_validation
from syncd.errors import ConfigError, Problem
from syncd.net import host_of, is_loopback


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


class Config(BaseModel):
    """The whole file. Environment: ``SYNCD_<SECTION>__<KEY>`` (``syncd.config.environment``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    me: Me = Field(default_factory=Me)
    store: Store = Field(default_factory=Store)
    accounts: tuple[Account, ...] = ()
    followups: Followups = Field(default_factory=Followups)
    people: tuple[Person, ...] = ()
    cadences: tuple[Cadence, ...] = ()
    new_contacts: NewContacts = Field(default_factory=NewContacts)
    reciprocity: Reciprocity = Field(default_factory=Reciprocity)
    goals: Goals = Field(default_factory=Goals)
    ignore: Ignore = Field(default_factory=Ignore)
    daemon: Daemon = Field(default_factory=Daemon)

    def account(self, name: str) -> ImapAccount | CaldavAccount | GoogleAccount | OutlookAccount:
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(name)


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


def load(path: Path) -> Config:
    """Read and validate the config at ``path``; raise ``ConfigError`` listing every problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            [Problem("", f"no config file at {path}", "run `syncd init` to write a sample")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem("", f"cannot read {path}: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [Problem("", f"not valid TOML: {exc}", "check quotes and brackets on that line")],
            str(path),
        ) from None
    return from_dict(raw, source=str(path))


def from_dict(raw: dict[str, Any], source: str = "") -> Config:
    try:
        config = Config(**environment.merged(
            raw, environment.overrides(Config.model_fields)))
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, Config), source) from None
    problems = cross_checks(config)
    if problems:
        raise ConfigError(problems, source)
    return config


def cross_checks(config: Config) -> list[Problem]:
    """Rules that span more than one key."""
    problems: list[Problem] = []
    names = [a.name for a in config.accounts]
    for i, account in enumerate(config.accounts):
        where = f"accounts[{i}]"
        if names.count(account.name) > 1:
            problems.append(Problem(f"{where}.name", f"duplicate account name {account.name!r}",
                                    "give every account its own name"))
        if isinstance(account, ImapAccount) and account.security == "none" \
                and not is_loopback(account.host):
            problems.append(Problem(
                f"{where}.security", "plaintext IMAP is allowed only to a loopback host",
                "use security = \"tls\" (port 993) or \"starttls\" (port 143)"))
        if isinstance(account, ImapAccount | CaldavAccount):
            if account.password_command and account.password_env:
                problems.append(Problem(f"{where}.password_command",
                                        "set password_command or password_env, not both"))
            if isinstance(account, CaldavAccount) and not account.url.startswith(
                    ("https://", "http://")):
                problems.append(Problem(f"{where}.url", "expected an http(s):// URL"))
            if isinstance(account, CaldavAccount) and account.url.startswith("http://") \
                    and not is_loopback(host_of(account.url)):
                problems.append(Problem(f"{where}.url", "plain http is allowed only to loopback",
                                        "use an https:// URL"))
    target = config.followups.account
    if target:
        matching = [a for a in config.accounts if a.name == target]
        if not matching:
            problems.append(Problem("followups.account", f"no account named {target!r}",
                                    f"name one of: {', '.join(names) or '(no accounts yet)'}"))
        elif matching[0].type not in CALENDAR_TYPES:
            problems.append(Problem("followups.account",
                                    f"{target!r} is a {matching[0].type} account, not a calendar",
                                    "name a caldav, google_calendar or outlook account"))
    seen: dict[str, int] = {}
    for i, person in enumerate(config.people):
        for address in person.addresses:
            low = address.lower()
            if low in seen and seen[low] != i:
                problems.append(Problem(f"people[{i}].addresses",
                                        f"{address} also belongs to people[{seen[low]}]"))
            seen[low] = i
    return problems
