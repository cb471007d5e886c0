"""Outlook contacts (Graph ``contact`` resources) to ``Contact``: pure, no client.

Kept: ``displayName`` (else given name and surname), every ``emailAddresses[].address``,
``categories`` as tags, and ``birthday``: Graph sends a DateTimeOffset near noon
(``1980-03-15T11:59:00Z``) whose date part is the birthday; year 1604 is Outlook's and Apple's
"year unknown". A row without an id is unusable: ``ProtocolError`` (quarantined).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from syncd.errors import ProtocolError
from syncd.model import Contact

CONTACT_SELECT = "displayName,givenName,surname,emailAddresses,birthday,categories"
SCOPE = "contacts"
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_contact(row: Mapping[str, Any], *, account: str) -> Contact:
    graph_id = row.get("id")
    if not isinstance(graph_id, str) or not graph_id:
        raise ProtocolError("a contact without id")
    try:
        name = str(row.get("displayName") or "").strip() or " ".join(
            str(row.get(k) or "").strip() for k in ("givenName", "surname")).strip()
        addresses = tuple(dict.fromkeys(
            str(e.get("address")).strip() for e in row.get("emailAddresses") or []
            if "@" in str(e.get("address") or "")))
        tags = tuple(dict.fromkeys(str(c).strip() for c in row.get("categories") or []
                                   if str(c).strip()))
    except (AttributeError, TypeError) as exc:
        raise ProtocolError(f"unreadable contact {graph_id}: {exc}") from None
    return Contact(source=account, native_id=graph_id, name=name, addresses=addresses,
                   tags=tags, birthday=_birthday(row.get("birthday")), scope=SCOPE)


def _birthday(value: object) -> tuple[int, int, int | None] | None:
    match = _DATE.match(str(value or ""))
    if match is None:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return month, day, None if year == 1604 else year
