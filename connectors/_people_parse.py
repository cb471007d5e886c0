"""Google People API ``Person`` resources to ``Contact``: pure, no client.

Kept: the display name (the primary one first), every email address, the contact groups as
tags (user groups by name, and ``starred``; "myContacts" says nothing), and the birthday
(``date`` with or without a year). A person without a ``resourceName`` cannot be stored:
``ProtocolError`` (quarantined).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.errors import ProtocolError
from syncd.model import Contact

SKIPPED_GROUPS = frozenset({"contactGroups/myContacts", "contactGroups/all"})


def group_names(groups: list[dict[str, Any]]) -> dict[str, str]:
    """contactGroups.list answers -> resource name -> tag."""
    names: dict[str, str] = {}
    for group in groups:
        resource = str(group.get("resourceName") or "")
        if not resource or resource in SKIPPED_GROUPS:
            continue
        if group.get("groupType") == "SYSTEM_CONTACT_GROUP":
            if resource == "contactGroups/starred":
                names[resource] = "starred"
            continue
        name = str(group.get("formattedName") or group.get("name") or "").strip()
        if name:
            names[resource] = name
    return names


def parse_person(person: Mapping[str, Any], *, account: str, groups: Mapping[str, str]
                 ) -> Contact:
    resource = person.get("resourceName")
    if not isinstance(resource, str) or not resource:
        raise ProtocolError("a person without resourceName")
    try:
        names = sorted(person.get("names") or [], key=_not_primary)
        name = next((str(n.get("displayName") or "").strip() for n in names
                     if str(n.get("displayName") or "").strip()), "")
        addresses = tuple(dict.fromkeys(
            str(e.get("value")).strip() for e in sorted(person.get("emailAddresses") or [],
                                                        key=_not_primary)
            if "@" in str(e.get("value") or "")))
        tags = []
        for membership in person.get("memberships") or []:
            group = (membership.get("contactGroupMembership") or {})
            resource_name = group.get("contactGroupResourceName") or (
                f"contactGroups/{group['contactGroupId']}" if group.get("contactGroupId")
                else "")
            if resource_name in groups:
                tags.append(groups[resource_name])
        birthday = None
        for entry in sorted(person.get("birthdays") or [], key=_not_primary):
            date = entry.get("date") or {}
            month, day = int(date.get("month") or 0), int(date.get("day") or 0)
            if 1 <= month <= 12 and 1 <= day <= 31:
                year = int(date["year"]) if date.get("year") else None
                birthday = (month, day, year)
                break
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise ProtocolError(f"unreadable person {resource}: {exc}") from None
    return Contact(source=account, native_id=resource, name=name, addresses=addresses,
                   tags=tuple(dict.fromkeys(tags)), birthday=birthday, scope="people/me")


def is_deleted(person: Mapping[str, Any]) -> bool:
    return bool((person.get("metadata") or {}).get("deleted"))


def _not_primary(entry: Any) -> bool:
    return not (isinstance(entry, dict) and (entry.get("metadata") or {}).get("primary"))
