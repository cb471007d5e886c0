"""sd_notify over ``$NOTIFY_SOCKET``, no libsystemd (after nobodd's ``systemd.py``).

``Notifier.from_env()`` takes the socket address out of the environment, so child processes
(password commands) do not inherit it. Every method is a no-op outside systemd. Addresses that
start with ``@`` are Linux abstract-namespace sockets.
"""

from __future__ import annotations

import os
import socket
from collections.abc import MutableMapping


def message(**fields: str | int) -> bytes:
    """``READY=1\\nSTATUS=...``: one ``KEY=value`` line per field, newlines in values flattened."""
    lines = []
    for key, value in fields.items():
        text = str(value).replace("\n", " ")
        lines.append(f"{key.upper()}={text}")
    return "\n".join(lines).encode()


def socket_address(raw: str) -> str | bytes:
    """The address to send to: a path, or ``\\0name`` for an abstract socket (``@name``)."""
    if raw.startswith("@"):
        return b"\0" + raw[1:].encode()
    return raw


class Notifier:
    def __init__(self, address: str | None = None, watchdog_usec: int | None = None) -> None:
        self.address = address
        self.watchdog_usec = watchdog_usec

    @classmethod
    def from_env(cls, environ: MutableMapping[str, str] | None = None) -> Notifier:
        env = os.environ if environ is None else environ
        address = env.pop("NOTIFY_SOCKET", None) or None
        usec, pid = env.pop("WATCHDOG_USEC", None), env.pop("WATCHDOG_PID", None)
        watchdog = int(usec) if usec and usec.isdigit() and int(usec) > 0 else None
        if pid and pid.isdigit() and int(pid) != os.getpid():
            watchdog = None  # meant for another process
        return cls(address, watchdog)

    @property
    def watchdog_period(self) -> float | None:
        """Seconds between pings to stay well inside ``WatchdogSec`` (half of it)."""
        return None if self.watchdog_usec is None else self.watchdog_usec / 2_000_000

    def notify(self, **fields: str | int) -> bool:
        """Send one message; False outside systemd or when the socket is gone (never raises)."""
        if not self.address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.setblocking(False)  # a listener that does not read never stalls the daemon
                sock.sendto(message(**fields), socket_address(self.address))
        except OSError:
            return False
        return True

    def ready(self, status: str = "ready") -> None:
        self.notify(ready=1, status=status)

    def reloading(self) -> None:
        self.notify(reloading=1, status="reloading the config")

    def stopping(self) -> None:
        self.notify(stopping=1, status="stopping")

    def status(self, text: str) -> None:
        self.notify(status=text)

    def watchdog(self) -> None:
        """A keep-alive ping, sent only when systemd asked for them (``WatchdogSec``)."""
        if self.watchdog_usec is not None:
            self.notify(watchdog=1)
