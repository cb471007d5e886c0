"""Build sources and the follow-up sink from the config. Passwords are resolved here, at the
last moment, and never logged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from connectors.base import CalendarSink, Source
from syncd.auth.secrets import resolve_password
from syncd.config import (
    CaldavAccount,
    CarddavAccount,
    Config,
    GoogleAccount,
    ImapAccount,
    OutlookAccount,
)
from syncd.errors import ConnectorError
from syncd.model import Page

NOT_YET = "{type} accounts are not supported by this version of syncd yet; remove the account " \
    "or upgrade (see CHANGELOG.md)"


def build_source(config: Config, name: str, now: Callable[[], datetime]) -> Source:
    account = config.account(name)
    if isinstance(account, ImapAccount):
        from connectors.imap import ImapSource

        password = resolve_password(name, account.password_command, account.password_env,
                                    account.password_credential)
        return ImapSource(account, password, preview=config.message_text(name) == "preview")
    if isinstance(account, CaldavAccount):
        from connectors.caldav import CaldavSource

        password = resolve_password(name, account.password_command, account.password_env,
                                    account.password_credential)
        exclude = (config.followups.calendar,) if config.followups.account == name else ()
        return CaldavSource(account, password, now=now, exclude=exclude)
    if isinstance(account, CarddavAccount):
        from connectors.carddav import CarddavSource

        password = resolve_password(name, account.password_command, account.password_env,
                                    account.password_credential)
        return CarddavSource(account, password)
    if isinstance(account, GoogleAccount) and account.type == "google_contacts":
        from connectors.google_contacts import GoogleContactsSource

        return GoogleContactsSource(account)
    if isinstance(account, GoogleAccount) and account.type == "gmail":
        from connectors.gmail import GmailSource

        return GmailSource(account, preview=config.message_text(name) == "preview")
    if isinstance(account, GoogleAccount):
        from connectors.gcal import GcalSource

        return GcalSource(account, now=now)
    if isinstance(account, OutlookAccount):
        from connectors.outlook import OutlookSource

        return OutlookSource(account, now=now,
                             preview=config.message_text(name) == "preview")
    raise ConnectorError(NOT_YET.format(type=account.type), account=name)


def build_sink(config: Config) -> CalendarSink | None:
    """The follow-up calendar, or None when ``followups.account`` is not set."""
    name = config.followups.account
    if not name:
        return None
    account = config.account(name)
    if isinstance(account, CaldavAccount):
        from connectors.caldav import CaldavSink

        password = resolve_password(name, account.password_command, account.password_env,
                                    account.password_credential)
        return CaldavSink(account, password, config.followups.calendar)
    if isinstance(account, OutlookAccount):
        from connectors.outlook_sink import OutlookSink

        return OutlookSink(account, config.followups.calendar)
    if isinstance(account, GoogleAccount) and account.type == "google_calendar":
        from connectors.gcal import GcalSink

        return GcalSink(account, config.followups.calendar)
    raise ConnectorError(NOT_YET.format(type=account.type), account=name)


class FailedSource:
    """Stands in for an account that could not even be set up, so the cycle reports it like
    any other account failure while the other accounts go on."""

    def __init__(self, name: str, error: ConnectorError) -> None:
        self.name = name
        self.error = error

    def pull(self, cursor: str | None) -> Iterator[Page]:
        raise self.error

    def close(self) -> None:
        return None


def build_sources(config: Config, now: Callable[[], datetime], only: str | None = None
                  ) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for account in config.accounts:
        if only is not None and account.name != only:
            continue
        try:
            sources[account.name] = build_source(config, account.name, now)
        except ConnectorError as exc:
            sources[account.name] = FailedSource(account.name, exc)
    return sources
