"""vCard 3 and 4 (RFC 2426, RFC 6350) to ``Contact``, parsed with ``vobject``; pure, no I/O.

Kept: the name (FN, else N), every EMAIL, CATEGORIES as tags, BDAY as (month, day, year or
None): ``--0315`` and ``--03-15`` are year-less birthdays, ``19800315`` and ``1980-03-15``
(with or without a time) full dates. A group card (``KIND:group``) is not a person: None. A
card vobject cannot read, or that is not a VCARD, raises ``ProtocolError`` (quarantined).
"""

from __future__ import annotations

import re
from typing import Any

import vobject

from syncd.errors import ProtocolError
from syncd.model import Contact

_BDAY = re.compile(r"(?:(\d{4})|--)-?(\d{2})-?(\d{2})(?:T.*)?")


def contact_from_vcard(text: str, *, source: str, native_id: str, scope: str = ""
                       ) -> Contact | None:
    try:
        card: Any = vobject.readOne(text)
    except Exception as exc:  # noqa: BLE001 - vobject raises ParseError and many others
        raise ProtocolError(f"unreadable vCard: {_short(exc)}") from None
    if getattr(card, "name", "").upper() != "VCARD":
        raise ProtocolError("not a vCard")
    lines = card.contents
    if any(str(k.value).strip().lower() == "group" for k in lines.get("kind", [])):
        return None
    addresses = tuple(dict.fromkeys(
        str(e.value).strip().removeprefix("mailto:") for e in lines.get("email", [])
        if "@" in str(e.value)))
    tags: list[str] = []
    for line in lines.get("categories", []):
        values = line.value if isinstance(line.value, list) else str(line.value).split(",")
        tags += [str(v).strip() for v in values if str(v).strip()]
    birthday = None
    for line in lines.get("bday", []):
        birthday = parse_birthday(str(line.value))
        if birthday is not None:
            break
    return Contact(source=source, native_id=native_id, name=_name(lines),
                   addresses=addresses, tags=tuple(dict.fromkeys(tags)), birthday=birthday,
                   scope=scope)


def parse_birthday(value: str) -> tuple[int, int, int | None] | None:
    """``--0315`` -> (3, 15, None); ``1980-03-15`` -> (3, 15, 1980); anything else None."""
    match = _BDAY.fullmatch(value.strip())
    if match is None:
        return None
    year = int(match[1]) if match[1] else None
    month, day = int(match[2]), int(match[3])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return month, day, None if year == 1604 else year  # 1604: Apple's "year unknown"


def _name(lines: dict[str, Any]) -> str:
    for line in lines.get("fn", []):
        if str(line.value).strip():
            return str(line.value).strip()
    for line in lines.get("n", []):
        n = line.value
        parts = [getattr(n, "prefix", ""), getattr(n, "given", ""),
                 getattr(n, "additional", ""), getattr(n, "family", "")]
        text = " ".join(" ".join(p) if isinstance(p, list) else str(p) for p in parts)
        if text.strip():
            return " ".join(text.split())
    return ""


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
