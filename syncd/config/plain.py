"""The validated config as plain frozen dataclasses: GENERATED, do not edit.

Written by ``python -m syncd.config.generate`` from the pydantic schema (``syncd.config.schema``
and its sections and accounts), which validates; this is what the program holds, so the daemon
needs no pydantic (``syncd.config.isolated``).
"""

# ruff: noqa: E501

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Birthdays", "Cadence", "CaldavAccount", "CarddavAccount", "Config", "Daemon", "Detection",
    "Drift", "Followups", "Goals", "GoogleAccount", "Ignore", "ImapAccount", "Me", "NewContacts",
    "OutlookAccount", "Person", "Reciprocity", "Report", "Store",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Me:
    """The validated ``Me`` (``syncd.config.sections``)."""

    name: str = ''
    addresses: tuple[str, ...] = ()
    timezone: str = 'UTC'


@dataclass(frozen=True, kw_only=True, slots=True)
class Store:
    """The validated ``Store`` (``syncd.config.sections``)."""

    path: str = ''
    subjects: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class ImapAccount:
    """The validated ``ImapAccount`` (``syncd.config.accounts``)."""

    username: str = ''
    password_command: tuple[str, ...] | None = None
    password_env: str | None = None
    password_credential: str | None = None
    name: str
    since: str | None = None
    message_text: Literal['preview', 'none'] | None = None
    type: Literal['imap']
    host: str
    port: int | None = None
    security: Literal['tls', 'starttls', 'none'] = 'tls'
    folders: tuple[str, ...] = ()
    timeout: float = 60.0


@dataclass(frozen=True, kw_only=True, slots=True)
class CaldavAccount:
    """The validated ``CaldavAccount`` (``syncd.config.accounts``)."""

    username: str = ''
    password_command: tuple[str, ...] | None = None
    password_env: str | None = None
    password_credential: str | None = None
    name: str
    since: str | None = None
    message_text: Literal['preview', 'none'] | None = None
    type: Literal['caldav']
    url: str
    calendars: tuple[str, ...] = ()
    window_past: datetime.timedelta = datetime.timedelta(days=365)
    window_future: datetime.timedelta = datetime.timedelta(days=60)
    timeout: float = 60.0


@dataclass(frozen=True, kw_only=True, slots=True)
class CarddavAccount:
    """The validated ``CarddavAccount`` (``syncd.config.accounts``)."""

    username: str = ''
    password_command: tuple[str, ...] | None = None
    password_env: str | None = None
    password_credential: str | None = None
    name: str
    since: str | None = None
    message_text: Literal['preview', 'none'] | None = None
    type: Literal['carddav']
    url: str
    addressbooks: tuple[str, ...] = ()
    timeout: float = 60.0


@dataclass(frozen=True, kw_only=True, slots=True)
class GoogleAccount:
    """The validated ``GoogleAccount`` (``syncd.config.accounts``)."""

    name: str
    since: str | None = None
    message_text: Literal['preview', 'none'] | None = None
    type: Literal['gmail', 'google_calendar', 'google_contacts']
    client_secrets: str
    api_endpoint: str | None = None
    quota_per_minute: int = 6000
    quota_messages_get: int = 20
    quota_messages_list: int = 5
    quota_history_list: int = 2
    timeout: float = 60.0

    @property
    def reads_text(self) -> bool:
        """A Gmail account reads message text (each message's snippet, for the text signals)
        only when it says ``message_text = "preview"`` itself: [detection]'s default never
        widens its scope."""
        return self.type == "gmail" and self.message_text == "preview"


@dataclass(frozen=True, kw_only=True, slots=True)
class OutlookAccount:
    """The validated ``OutlookAccount`` (``syncd.config.accounts``)."""

    name: str
    since: str | None = None
    message_text: Literal['preview', 'none'] | None = None
    type: Literal['outlook']
    client_id: str
    tenant: str = 'common'
    authority: str | None = None
    graph_endpoint: str | None = None
    mail_permission: Literal['Mail.ReadBasic', 'Mail.Read'] = 'Mail.ReadBasic'
    folders: tuple[str, ...] = ()
    page_size: int = 999
    contacts: bool = True
    window_past: datetime.timedelta = datetime.timedelta(days=365)
    window_future: datetime.timedelta = datetime.timedelta(days=60)
    timeout: float = 60.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Followups:
    """The validated ``Followups`` (``syncd.config.sections``)."""

    account: str = ''
    calendar: str = 'Follow-ups'
    time: datetime.time = datetime.time(9, 0)
    duration: datetime.timedelta = datetime.timedelta(seconds=900)
    working_days: tuple[str, ...] = ('mon', 'tue', 'wed', 'thu', 'fri')
    max_per_day: int = 5
    horizon: datetime.timedelta = datetime.timedelta(days=14)
    alarm: datetime.timedelta | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Person:
    """The validated ``Person`` (``syncd.config.sections``)."""

    name: str
    addresses: tuple[str, ...]
    tags: tuple[str, ...] = ()
    birthday: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Cadence:
    """The validated ``Cadence`` (``syncd.config.sections``)."""

    name: str
    every: datetime.timedelta
    tags: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    min_exchanges: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class NewContacts:
    """The validated ``NewContacts`` (``syncd.config.sections``)."""

    steps: tuple[datetime.timedelta, ...] = (datetime.timedelta(days=3), datetime.timedelta(days=14), datetime.timedelta(days=60))


@dataclass(frozen=True, kw_only=True, slots=True)
class Reciprocity:
    """The validated ``Reciprocity`` (``syncd.config.sections``)."""

    nudge_after: datetime.timedelta = datetime.timedelta(days=5)
    owed_reply_after: datetime.timedelta = datetime.timedelta(days=2)
    thank_helpers: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class Goals:
    """The validated ``Goals`` (``syncd.config.sections``)."""

    introductions_per_week: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class Birthdays:
    """The validated ``Birthdays`` (``syncd.config.sections``)."""

    remind: Literal['active', 'all', 'none'] = 'active'


@dataclass(frozen=True, kw_only=True, slots=True)
class Drift:
    """The validated ``Drift`` (``syncd.config.sections``)."""

    enabled: bool = True
    factor: float = 3.0
    min_touches: int = 6


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    """The validated ``Report`` (``syncd.config.sections``)."""

    path: str = ''


@dataclass(frozen=True, kw_only=True, slots=True)
class Ignore:
    """The validated ``Ignore`` (``syncd.config.sections``)."""

    addresses: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    max_recipients: int = 10
    max_meeting_size: int = 8


@dataclass(frozen=True, kw_only=True, slots=True)
class Detection:
    """The validated ``Detection`` (``syncd.config.sections``)."""

    message_text: Literal['preview', 'none'] = 'preview'


@dataclass(frozen=True, kw_only=True, slots=True)
class Daemon:
    """The validated ``Daemon`` (``syncd.config.sections``)."""

    poll_imap: datetime.timedelta = datetime.timedelta(seconds=300)
    poll_caldav: datetime.timedelta = datetime.timedelta(seconds=300)
    poll_gmail: datetime.timedelta = datetime.timedelta(seconds=180)
    poll_outlook: datetime.timedelta = datetime.timedelta(seconds=180)
    plan_every: datetime.timedelta = datetime.timedelta(seconds=3600)
    backoff_initial: datetime.timedelta = datetime.timedelta(seconds=30)
    backoff_max: datetime.timedelta = datetime.timedelta(seconds=3600)


@dataclass(frozen=True, kw_only=True, slots=True)
class Config:
    """The validated ``Config`` (``syncd.config.schema``)."""

    me: Me = field(default_factory=Me)
    store: Store = field(default_factory=Store)
    accounts: tuple[ImapAccount | CaldavAccount | CarddavAccount | GoogleAccount | OutlookAccount, ...] = ()
    followups: Followups = field(default_factory=Followups)
    people: tuple[Person, ...] = ()
    cadences: tuple[Cadence, ...] = ()
    new_contacts: NewContacts = field(default_factory=NewContacts)
    reciprocity: Reciprocity = field(default_factory=Reciprocity)
    goals: Goals = field(default_factory=Goals)
    birthdays: Birthdays = field(default_factory=Birthdays)
    drift: Drift = field(default_factory=Drift)
    report: Report = field(default_factory=Report)
    ignore: Ignore = field(default_factory=Ignore)
    detection: Detection = field(default_factory=Detection)
    daemon: Daemon = field(default_factory=Daemon)

    def message_text(self, name: str) -> str:
        """``"preview"`` or ``"none"`` for account ``name``: its own ``message_text``, else
        ``[detection] message_text``. Gmail only on its own word: reading snippets needs the
        wider gmail.readonly scope, so the default never turns it on."""
        account = self.account(name)
        if isinstance(account, GoogleAccount) and account.type == "gmail":
            return "preview" if account.reads_text else "none"
        return account.message_text or self.detection.message_text

    def account(self, name: str
                ) -> ImapAccount | CaldavAccount | CarddavAccount | GoogleAccount | OutlookAccount:
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(name)
