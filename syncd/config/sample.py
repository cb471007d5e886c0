"""``syncd init``: the commented sample config, generated from the schema in ``syncd/config.py``
so that it can never drift from what the loader accepts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import BaseModel

from syncd.config.accounts import (
    CaldavAccount,
    CarddavAccount,
    GoogleAccount,
    ImapAccount,
    OutlookAccount,
)
from syncd.config.schema import Config
from syncd.config.sections import Cadence, Person

# Values for keys that have no default, and friendlier examples for some that do.
EXAMPLES: dict[str, dict[str, Any]] = {
    "Me": {"name": "Dana Example", "addresses": ["dana@example.org"],
           "timezone": "Europe/Berlin"},
    "ImapAccount": {"name": "mail", "type": "imap", "host": "imap.example.org", "port": 993,
                    "username": "dana@example.org",
                    "password_command": ["pass", "show", "mail"]},
    "CaldavAccount": {"name": "cal", "type": "caldav", "url": "https://caldav.example.org/",
                      "username": "dana", "password_env": "CALDAV_PASSWORD"},
    "CarddavAccount": {"name": "contacts", "type": "carddav",
                       "url": "https://carddav.example.org/", "username": "dana",
                       "password_env": "CARDDAV_PASSWORD"},
    "GoogleAccount": {"name": "work-google", "type": "gmail",
                      "client_secrets": "~/.config/syncd/google-client.json"},
    "OutlookAccount": {"name": "office", "type": "outlook",
                       "client_id": "00000000-0000-0000-0000-000000000000"},
    "Followups": {"account": "cal"},
    "Goals": {"introductions_per_week": 2},
    "Person": {"name": "Jane Roe", "addresses": ["jane@acme.example", "jroe@gmail.com"],
               "tags": ["inner-circle"], "birthday": "--03-15"},
    "Cadence": {"name": "inner circle", "tags": ["inner-circle"], "every": "14d"},
}
# Optional keys shown commented out with an example value (instead of "(not set)").
COMMENTED: dict[str, dict[str, Any]] = {"Followups": {"alarm": "0m"},
                                         "ImapAccount": {"password_credential": "mail-password"},
                                         "CaldavAccount": {"password_credential": "cal-password"},
                                         "GoogleAccount": {"message_text": "preview"}}
GOOGLE_CONTACTS = {"name": "google-contacts", "type": "google_contacts",
                   "client_secrets": "~/.config/syncd/google-client.json"}
SECOND_CADENCE = {"name": "network", "min_exchanges": 2, "every": "90d"}
NOT_YET: set[str] = set()  # account models shown commented out until their connectors land


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.timedelta):
        return json.dumps(_duration(value))
    if isinstance(value, dt.time):
        return json.dumps(value.strftime("%H:%M"))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def _duration(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size and (unit != "w" or seconds % 86400 == 0):
            if unit == "w":
                return f"{seconds // 86400}d"
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _block(model: type[BaseModel], header: str, *, commented: bool = False,
           examples: dict[str, Any] | None = None, omit: frozenset[str] = frozenset()
           ) -> list[str]:
    examples = examples if examples is not None else EXAMPLES.get(model.__name__, {})
    prefix = "# " if commented else ""
    lines = [f"{prefix}{header}"]
    fields = sorted(((k, f) for k, f in model.model_fields.items() if k not in omit),
                    key=lambda kv: kv[0] not in ("name", "type"))
    for key, field in fields:
        if field.description:
            lines.append(f"# {key}: {field.description}")
        if key in examples:
            lines.append(f"{prefix}{key} = {toml_value(examples[key])}")
        elif not field.is_required():
            default = field.get_default(call_default_factory=True)
            commented_example = COMMENTED.get(model.__name__, {}).get(key)
            if default is None and commented_example is not None:
                lines.append(f"# {key} = {toml_value(commented_example)}")
            elif default is None:
                lines.append(f"# {key} = (not set)")
            else:
                lines.append(f"{prefix}{key} = {toml_value(default)}")
    return [*lines, ""]


def render() -> str:
    lines = ["# syncd configuration. Reference: README.md, section Configuration.",
             ("# Secrets never live here: use password_command, password_env or "
             "password_credential."), ""]
    for key, field in Config.model_fields.items():
        annotation = field.annotation
        if key == "accounts":
            lines += ["# Accounts: type = imap | caldav | carddav | gmail | google_calendar |",
                      "# google_contacts | outlook. Address books (carddav, google_contacts,",
                      "# outlook contacts) say who is who; they are never interactions.",
                      "# Google and Outlook accounts sign in once with `syncd auth NAME`.", ""]
            for model in (ImapAccount, CaldavAccount, CarddavAccount, GoogleAccount,
                          OutlookAccount):
                lines += _block(model, "[[accounts]]", commented=model.__name__ in NOT_YET)
                if model is GoogleAccount:
                    lines += _block(model, "[[accounts]]", examples=GOOGLE_CONTACTS,
                                    omit=frozenset(k for k in model.model_fields
                                                   if k.startswith("quota_")
                                                   or k == "message_text"))
        elif key == "people":
            lines += _block(Person, "[[people]]")
        elif key == "cadences":
            lines += ["# Cadences: the first entry that matches a person wins.", ""]
            lines += _block(Cadence, "[[cadences]]")
            lines += _block(Cadence, "[[cadences]]", examples=SECOND_CADENCE)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            lines += _block(annotation, f"[{key}]")
    return "\n".join(lines)
