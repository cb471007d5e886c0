"""The config file (DESIGN.md section 5): one typed schema, validated up front.

The room holds the schema (``schema``), its sections (``sections``), the ``[[accounts]]``
models (``accounts``), their building blocks (``types``), pydantic errors turned into problems
a person can act on (``validation``), the checks of what the file names on this machine
(``environment``) and the commented sample of ``syncd init`` (``sample``). Callers import from
``syncd.config`` itself; what they use is exported here.
"""

from syncd.config.accounts import (
    CALENDAR_TYPES,
    Account,
    CaldavAccount,
    CarddavAccount,
    GoogleAccount,
    ImapAccount,
    OutlookAccount,
)
from syncd.config.schema import (
    Config,
    cross_checks,
    default_config_path,
    default_state_dir,
    from_dict,
    load,
    read_raw,
    store_path,
)
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
from syncd.config.types import WEEKDAYS, Duration, Section, parse_duration
from syncd.errors import Problem

__all__ = [
    "CALENDAR_TYPES", "WEEKDAYS", "Account", "Birthdays", "Cadence", "CaldavAccount",
    "CarddavAccount", "Config", "Daemon", "Detection", "Drift", "Duration", "Followups", "Goals",
    "GoogleAccount", "Ignore", "ImapAccount", "Me",
    "NewContacts", "OutlookAccount", "Person", "Problem", "Reciprocity", "Report", "Section",
    "Store",
    "cross_checks", "default_config_path", "default_state_dir", "from_dict", "load",
    "parse_duration", "read_raw", "store_path",
]
