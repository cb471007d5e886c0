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
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from syncd.config.accounts import (
    CALENDAR_TYPES,
    Account,
    CaldavAccount,
    CarddavAccount,
    GoogleAccount,
    ImapAccount,
    OutlookAccount,
)
from syncd.config.types import WEEKDAYS, Duration, Section
from syncd.config.validation import problems_from_validation
from syncd.errors import ConfigError, Problem
from syncd.model import Birthday
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
                               '"none": headers only')


class Config(BaseSettings):
    """The whole file. Environment: ``SYNCD_<SECTION>__<KEY>``."""

    model_config = SettingsConfigDict(
        extra="forbid", frozen=True, env_prefix="SYNCD_", env_nested_delimiter="__",
    )

    me: Me = Field(default_factory=Me)
    store: Store = Field(default_factory=Store)
    accounts: tuple[Account, ...] = ()
    followups: Followups = Field(default_factory=Followups)
    people: tuple[Person, ...] = ()
    cadences: tuple[Cadence, ...] = ()
    new_contacts: NewContacts = Field(default_factory=NewContacts)
    reciprocity: Reciprocity = Field(default_factory=Reciprocity)
    goals: Goals = Field(default_factory=Goals)
    birthdays: Birthdays = Field(default_factory=Birthdays)
    drift: Drift = Field(default_factory=Drift)
    report: Report = Field(default_factory=Report)
    ignore: Ignore = Field(default_factory=Ignore)
    detection: Detection = Field(default_factory=Detection)
    daemon: Daemon = Field(default_factory=Daemon)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment overrides the file; no .env files, no secrets directory.
        return env_settings, init_settings

    def message_text(self, name: str) -> str:
        """``"preview"`` or ``"none"`` for account ``name``: its own ``message_text``, else
        ``[detection] message_text``."""
        return getattr(self.account(name), "message_text", None) or self.detection.message_text

    def account(self, name: str
                ) -> ImapAccount | CaldavAccount | CarddavAccount | GoogleAccount | OutlookAccount:
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
    return from_dict(read_raw(path), source=str(path))


def read_raw(path: Path) -> dict[str, Any]:
    """The TOML tables at ``path``, not yet validated (``ConfigError`` if unreadable)."""
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
    return raw


def from_dict(raw: dict[str, Any], source: str = "") -> Config:
    try:
        config = Config(**raw)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, Config), source) from None
    problems = cross_checks(config)
    if problems:
        raise ConfigError(problems, source)
    return config


def followups_target(target: str, accounts: dict[str, str]) -> list[Problem]:
    """``followups.account`` names a calendar account (``accounts``: name -> type)."""
    if not target:
        return []
    if target not in accounts:
        return [Problem("followups.account", f"no account named {target!r}",
                        f"name one of: {', '.join(accounts) or '(no accounts yet)'}")]
    if accounts[target] not in CALENDAR_TYPES:
        return [Problem("followups.account",
                        f"{target!r} is a {accounts[target]} account, not a calendar",
                        "name a caldav, google_calendar or outlook account")]
    return []


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
        if isinstance(account, ImapAccount | CaldavAccount | CarddavAccount):
            given = [k for k in ("password_command", "password_env", "password_credential")
                     if getattr(account, k, None)]
            if len(given) > 1:
                both = "both" if len(given) == 2 else "all three"
                problems.append(Problem(f"{where}.{given[0]}",
                                        f"set {' or '.join(given)}, not {both}"))
        if isinstance(account, CaldavAccount | CarddavAccount):
            if not account.url.startswith(("https://", "http://")):
                problems.append(Problem(f"{where}.url", "expected an http(s):// URL"))
            if account.url.startswith("http://") \
                    and not is_loopback(host_of(account.url)):
                problems.append(Problem(f"{where}.url", "plain http is allowed only to loopback",
                                        "use an https:// URL"))
    problems += followups_target(config.followups.account,
                                 {a.name: a.type for a in config.accounts})
    seen: dict[str, int] = {}
    for i, person in enumerate(config.people):
        for address in person.addresses:
            low = address.lower()
            if low in seen and seen[low] != i:
                problems.append(Problem(f"people[{i}].addresses",
                                        f"{address} also belongs to people[{seen[low]}]"))
            seen[low] = i
    return problems
