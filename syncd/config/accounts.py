"""The ``[[accounts]]`` entries of the config, one model per account type."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator

from syncd.config.types import Duration, Section
from syncd.config.values import CALENDAR_TYPES

__all__ = ["CALENDAR_TYPES", "Account", "CaldavAccount", "CarddavAccount", "GoogleAccount",
           "ImapAccount", "OutlookAccount"]


class _Account(Section):
    name: str = Field(description="a short name you choose, used in `syncd auth NAME` and logs")
    since: str | None = Field(None, description="optional backfill horizon, YYYY-MM-DD")
    message_text: Literal["preview", "none"] | None = Field(
        None, description='overrides [detection] message_text for this account: "preview" | '
                          '"none". Gmail reads text only when its account says "preview" (then '
                          '`syncd auth NAME` asks for gmail.readonly instead of gmail.metadata)')

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
            raise ValueError("use letters, digits, '.', '_' or '-' (at most 64)")
        return value

    @field_validator("since")
    @classmethod
    def _since(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("expected a date like 2024-01-01")
        return value


class _Secret(Section):
    username: str = Field("", description="login name")
    password_command: tuple[str, ...] | None = Field(
        None, description="argv of a command that prints the password (run without a shell)")
    password_env: str | None = Field(None, description="environment variable holding the password")
    password_credential: str | None = Field(
        None, description="systemd credential holding the password (read from "
                          "$CREDENTIALS_DIRECTORY/<name> in the service; see README)")

    @field_validator("password_credential")
    @classmethod
    def _credential(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}", value):
            raise ValueError("a credential name: letters, digits, '.', '_' or '-'")
        return value


class ImapAccount(_Account, _Secret):
    type: Literal["imap"]
    host: str = Field(description="IMAP server host name")
    port: int | None = Field(None, ge=1, le=65535, description="default 993 (tls) or 143")
    security: Literal["tls", "starttls", "none"] = Field(
        "tls", description="tls | starttls | none (none only to a loopback host)")
    folders: tuple[str, ...] = Field((), description="default: INBOX and the \\Sent folder")
    timeout: float = Field(60.0, gt=0, description="socket timeout in seconds")


class CaldavAccount(_Account, _Secret):
    type: Literal["caldav"]
    url: str = Field(description="CalDAV server URL (Radicale: the root '/')")
    calendars: tuple[str, ...] = Field(
        (), description="calendars to read meetings from; default all")
    window_past: Duration = Field(timedelta(days=365), description="meetings read back this far")
    window_future: Duration = Field(timedelta(days=60), description="and forward this far")
    timeout: float = Field(60.0, gt=0, description="HTTP timeout in seconds")


class CarddavAccount(_Account, _Secret):
    type: Literal["carddav"]
    url: str = Field(description="CardDAV server URL (Radicale: the root '/')")
    addressbooks: tuple[str, ...] = Field(
        (), description="address books to read, by display name; default all")
    timeout: float = Field(60.0, gt=0, description="HTTP timeout in seconds")


class GoogleAccount(_Account):
    type: Literal["gmail", "google_calendar", "google_contacts"]
    client_secrets: str = Field(description="the OAuth client JSON you created in Google Cloud")
    api_endpoint: str | None = Field(None, description="root URL override (proxies, tests)")
    quota_per_minute: int = Field(
        6000, ge=1, description="Gmail quota units per user per minute (new Cloud projects: "
                                "6000; projects older than May 2026: 15000)")
    quota_messages_get: int = Field(20, ge=0, description="units one messages.get costs (old "
                                                          "projects: 5)")
    quota_messages_list: int = Field(5, ge=0, description="units one messages.list costs")
    quota_history_list: int = Field(2, ge=0, description="units one history.list costs")
    timeout: float = Field(60.0, gt=0, description="HTTP timeout in seconds")


class OutlookAccount(_Account):
    type: Literal["outlook"]
    client_id: str = Field(description="application (client) id of your app registration")
    tenant: str = Field("common", description="tenant id or 'common'")
    authority: str | None = Field(None, description="authority override (sovereign clouds, tests)")
    graph_endpoint: str | None = Field(None, description="Graph root override")
    mail_permission: Literal["Mail.ReadBasic", "Mail.Read"] = Field(
        "Mail.ReadBasic", description="Mail.Read also lets syncd read the list and auto-reply "
                                      "headers (better at spotting automated mail)")
    folders: tuple[str, ...] = Field(
        (), description="more mail folders by name, besides Inbox and Sent Items")
    page_size: int = Field(999, ge=10, le=1000, description="messages per delta page")
    contacts: bool = Field(True, description="read the Outlook contacts as an address book "
                                             "(asks for Contacts.Read)")
    window_past: Duration = Field(timedelta(days=365), description="meetings read back this far")
    window_future: Duration = Field(timedelta(days=60), description="and forward this far")
    timeout: float = Field(60.0, gt=0, description="HTTP timeout in seconds")


    @field_validator("authority", "graph_endpoint")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("expected an https:// URL")
        return value.rstrip("/") if value else value


Account = Annotated[
    ImapAccount | CaldavAccount | CarddavAccount | GoogleAccount | OutlookAccount,
    Field(discriminator="type")
]
