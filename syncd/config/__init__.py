"""The config file (DESIGN.md section 5): one typed schema, validated up front.

The room holds the schema (``schema``), its sections (``sections``), the ``[[accounts]]``
models (``accounts``), their building blocks (``types``, and ``values`` for those that need no
pydantic), pydantic errors turned into problems a person can act on (``validation``), the checks
of what the file names on this machine (``environment``) and the commented sample of
``syncd init`` (``sample``). The models validate; what ``load`` returns, and what the program
holds, is the tree of plain frozen dataclasses of the same names (``plain``, generated from the
models by ``generate``). This package imports no pydantic until something is validated, so
``syncd run``, which has its config validated in a child process (``isolated``), never loads it.
Callers import from ``syncd.config`` itself; what they use is exported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syncd.config.plain import (
    Birthdays,
    Cadence,
    CaldavAccount,
    CarddavAccount,
    Config,
    Daemon,
    Detection,
    Drift,
    Followups,
    Goals,
    GoogleAccount,
    Ignore,
    ImapAccount,
    Me,
    NewContacts,
    OutlookAccount,
    Person,
    Reciprocity,
    Report,
    Store,
)
from syncd.config.values import (
    CALENDAR_TYPES,
    WEEKDAYS,
    default_config_path,
    default_state_dir,
    parse_duration,
    store_path,
)
from syncd.errors import Problem

Account = ImapAccount | CaldavAccount | CarddavAccount | GoogleAccount | OutlookAccount

__all__ = [
    "CALENDAR_TYPES", "WEEKDAYS", "Account", "Birthdays", "Cadence", "CaldavAccount",
    "CarddavAccount", "Config", "Daemon", "Detection", "Drift", "Followups", "Goals",
    "GoogleAccount", "Ignore", "ImapAccount", "Me",
    "NewContacts", "OutlookAccount", "Person", "Problem", "Reciprocity", "Report", "Store",
    "cross_checks", "default_config_path", "default_state_dir", "from_dict", "load",
    "parse_duration", "read_raw", "store_path",
]


def load(path: Path) -> Config:
    """Read and validate the config at ``path``; raise ``ConfigError`` listing every problem."""
    from syncd.config.schema import load as validated
    return validated(path)


def from_dict(raw: dict[str, Any], source: str = "") -> Config:
    """Validate the TOML tables ``raw`` (with the ``SYNCD_`` overrides applied)."""
    from syncd.config.schema import from_dict as validated
    return validated(raw, source)


def read_raw(path: Path) -> dict[str, Any]:
    """The TOML tables at ``path``, not yet validated (``ConfigError`` if unreadable)."""
    from syncd.config.schema import read_raw as tables
    return tables(path)


def cross_checks(config: Config) -> list[Problem]:
    """Rules that span more than one key."""
    from syncd.config.schema import cross_checks as checks
    return checks(config)
