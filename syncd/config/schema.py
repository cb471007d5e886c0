"""The config file: one typed schema (DESIGN.md section 5), validated up front.

``load(path)`` reads TOML, applies ``SYNCD_`` environment overrides (``SYNCD_FOLLOWUPS__TIME``
sets ``followups.time``), validates it with the models here and returns the frozen plain
``syncd.config.plain.Config`` the program holds (generated from these models by
``syncd.config.generate``), or raises one ``ConfigError`` that lists every problem with its
key path and a hint. The key names are a contract: users' files
depend on them. ``syncd/config/sample.py`` writes the commented sample from this schema.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)

from syncd.config import overrides, plain
from syncd.config.accounts import CALENDAR_TYPES, Account
from syncd.config.sections import (
    Birthdays,
    Cadence,
    Daemon,
    Detection,
    Drift,
    Followups,
    Goals,
    Ignore,
    Me,
    NewContacts,
    Person,
    Reciprocity,
    Report,
    Store,
)
from syncd.config.validation import problems_from_validation
from syncd.config.values import default_config_path, default_state_dir, store_path
from syncd.errors import ConfigError, Problem
from syncd.net import host_of, is_loopback


class Config(BaseModel):
    """The whole file. Environment: ``SYNCD_<SECTION>__<KEY>`` (``syncd.config.overrides``)."""

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
    birthdays: Birthdays = Field(default_factory=Birthdays)
    drift: Drift = Field(default_factory=Drift)
    report: Report = Field(default_factory=Report)
    ignore: Ignore = Field(default_factory=Ignore)
    detection: Detection = Field(default_factory=Detection)
    daemon: Daemon = Field(default_factory=Daemon)


__all__ = ["Config", "cross_checks", "default_config_path", "default_state_dir", "from_dict",
           "load", "plain_of", "read_raw", "store_path"]


def load(path: Path) -> plain.Config:
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


def from_dict(raw: dict[str, Any], source: str = "") -> plain.Config:
    try:
        model = Config(**overrides.merged(raw, overrides.overrides(Config.model_fields)))
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, Config), source) from None
    config: plain.Config = plain_of(model)
    problems = cross_checks(config)
    if problems:
        raise ConfigError(problems, source)
    return config


def plain_of(value: Any) -> Any:
    """A validated model as the plain class of the same name (``syncd.config.plain``), field
    by field, nested models and tuples of them included; other values as they are."""
    if isinstance(value, BaseModel):
        kind = getattr(plain, type(value).__name__)
        return kind(**{k: plain_of(getattr(value, k)) for k in type(value).model_fields})
    if isinstance(value, tuple):
        return tuple(plain_of(v) for v in value)
    return value


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


def cross_checks(config: plain.Config) -> list[Problem]:
    """Rules that span more than one key."""
    problems: list[Problem] = []
    names = [a.name for a in config.accounts]
    for i, account in enumerate(config.accounts):
        where = f"accounts[{i}]"
        if names.count(account.name) > 1:
            problems.append(Problem(f"{where}.name", f"duplicate account name {account.name!r}",
                                    "give every account its own name"))
        if isinstance(account, plain.ImapAccount) and account.security == "none" \
                and not is_loopback(account.host):
            problems.append(Problem(
                f"{where}.security", "plaintext IMAP is allowed only to a loopback host",
                "use security = \"tls\" (port 993) or \"starttls\" (port 143)"))
        if isinstance(account, plain.ImapAccount | plain.CaldavAccount | plain.CarddavAccount):
            given = [k for k in ("password_command", "password_env", "password_credential")
                     if getattr(account, k, None)]
            if len(given) > 1:
                both = "both" if len(given) == 2 else "all three"
                problems.append(Problem(f"{where}.{given[0]}",
                                        f"set {' or '.join(given)}, not {both}"))
        if isinstance(account, plain.CaldavAccount | plain.CarddavAccount):
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
