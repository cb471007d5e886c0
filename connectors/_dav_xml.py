"""Reading a WebDAV multistatus answer (RFC 4918): one place for CalDAV and CardDAV.

``members`` walks the DAV:response elements of a parsed answer (an lxml tree, as the ``caldav``
library's responses carry it); the callers pick the properties they asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

D = "DAV:"


def members(tree: Any) -> Iterator[tuple[str, int, Any]]:
    """(href, status, the 200 prop or None) of each DAV:response of a multistatus."""
    if tree is None:
        return
    for response in tree.iter(f"{{{D}}}response"):
        href = (response.findtext(f"{{{D}}}href") or "").strip()
        status = status_of(response.findtext(f"{{{D}}}status"))
        prop = None
        for propstat in response.findall(f"{{{D}}}propstat"):
            if status_of(propstat.findtext(f"{{{D}}}status")) == 200:
                prop = propstat.find(f"{{{D}}}prop")
                status = status or 200
        yield href, status or 404, prop


def status_of(line: str | None) -> int:
    """The code of an ``HTTP/1.1 200 OK`` status line; 0 when there is none."""
    parts = (line or "").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def text(prop: Any, ns: str, name: str) -> str | None:
    """The stripped text of property ``{ns}name`` in ``prop``; None when empty or absent."""
    value = prop.findtext(f"{{{ns}}}{name}")
    return value.strip() if value and value.strip() else None
