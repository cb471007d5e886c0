"""Addresses compared the way DESIGN.md section 3 says: one spelling per mailbox.

``normalize_address`` maps the many spellings of one mailbox to one key: lower case, surrounding
space and angle brackets removed, a ``+tag`` dropped from the local part, and for Gmail (where
``j.doe@gmail.com`` and ``jdoe@googlemail.com`` reach the same inbox) dots dropped from the local
part and ``googlemail.com`` spelled ``gmail.com``. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from functools import lru_cache

_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
# brackets and whitespace in any order at either end ("<a@b> ", "a@b<\t<"): one pass strips all,
# so a key is its own key
_EDGES = ("<>\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
          "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")  # str.isspace()


@lru_cache(maxsize=65536)  # a mailbox repeats the same few thousand addresses
def normalize_address(address: str) -> str:
    """The comparison key of ``address``: ``" J.Doe+news@GoogleMail.com "`` -> ``"jdoe@gmail.com"``.

    A string without ``@`` is returned lower-cased and stripped, unchanged otherwise.
    """
    text = address.lower().strip(_EDGES)
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    local = local.split("+", 1)[0] or local
    if domain in _GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def domain_of(address: str) -> str:
    """The domain of ``address``, lower case (``""`` when there is no ``@``)."""
    text = address.lower().strip(_EDGES)
    _, at, domain = text.rpartition("@")
    if not at:
        return ""
    return "gmail.com" if domain == "googlemail.com" else domain


_NAME_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|[\"'<>]")


def name_tokens(display: str) -> frozenset[str]:
    """The words of a display name, case-folded, without comments or quotes:
    ``"Drew Fossum (E-mail)"`` and ``"Fossum, Drew"`` -> ``{"drew", "fossum"}``."""
    return frozenset(re.findall(r"[^\W\d_]+", _NAME_NOISE.sub(" ", display).casefold()))


def same_name(display: str, own: frozenset[str]) -> bool:
    """Is ``display`` the user's own name (``own``: ``name_tokens(me.name)``, two words or
    more, so a first name alone never makes a stranger self)?"""
    return len(own) >= 2 and bool(display) and name_tokens(display) == own
