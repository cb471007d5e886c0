"""Network failures said the way a person reads them (pure).

Client libraries wrap the socket error that tells the story several layers deep:
``requests.ConnectionError(MaxRetryError(NewConnectionError('<urllib3... object at 0x...>:
Failed to establish a new connection: [Errno 111] Connection refused')))``. Every connector
says instead ``connection to 127.0.0.1:5232 failed: Connection refused``, as the IMAP one
always did.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

CLOSED = "the server closed the connection before answering"
_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-fA-F]+>:?\s*")


def where(url: str) -> str:
    """``host:port`` of ``url`` (the scheme's default port when it names none)."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or {"https": 443, "http": 80}.get(parts.scheme)
    return f"{host}:{port}" if port else host


def failed(target: str, exc: BaseException) -> str:
    """``connection to TARGET failed: REASON``; ``target`` is a ``host:port`` or a URL."""
    place = where(target) if "/" in target else target
    return f"connection to {place} failed: {reason(exc)}"


def is_network(exc: BaseException) -> bool:
    """Does a socket-level failure hide somewhere inside ``exc``?"""
    return any(isinstance(item, OSError | http.client.HTTPException) for item in _chain(exc))


def reason(exc: BaseException) -> str:
    """The innermost cause of ``exc`` in a few words: "Connection refused", "timed out"."""
    chain = _chain(exc)
    for item in reversed(chain):
        if isinstance(item, socket.gaierror):
            return f"host name not found ({_words(item).split(':')[0]})"
        if isinstance(item, TimeoutError):
            return "timed out"
        if isinstance(item, http.client.RemoteDisconnected | http.client.IncompleteRead):
            return CLOSED
        if isinstance(item, ssl.SSLEOFError | ssl.SSLZeroReturnError):
            return CLOSED  # cut during the TLS handshake
        if isinstance(item, ssl.SSLError):
            return f"TLS failed ({item.reason or _words(item)})"
        if isinstance(item, OSError) and item.strerror:
            return item.strerror
    for item in reversed(chain):  # no socket error inside: the wrapper's own words
        text = _words(item)
        if "timed out" in text.lower():
            return "timed out"
        if "EOF" in text or "closed" in text.lower() or "aborted" in text.lower():
            return CLOSED
        if text:
            return text
    return type(exc).__name__


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps (cause, context, urllib3's ``reason``, first arg)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen) and len(seen) < 20:
        seen.append(current)
        inner = getattr(current, "reason", None)
        if not isinstance(inner, BaseException):
            first = current.args[0] if current.args else None
            inner = first if isinstance(first, BaseException) else None
        current = inner or current.__cause__ or current.__context__
    return seen


def _words(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = _REPR.sub("", text)
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    return text[:160]


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After value: a number of seconds or an HTTP date (RFC 9110
    section 10.2.3); None when absent or unreadable."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
