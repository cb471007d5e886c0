"""Small network facts shared by the config checks and the connectors (pure)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine (localhost, 127.0.0.0/8, ::1)? Plaintext goes nowhere else."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_of(url: str) -> str:
    """The host name of ``url`` (no port, no user info, no IPv6 brackets)."""
    return urlsplit(url).hostname or ""
