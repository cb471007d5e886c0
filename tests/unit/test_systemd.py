"""sd_notify over a real datagram socket, as systemd's manager would receive it."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.systemd import Notifier, message, socket_address


def test_message_format_is_key_value_lines() -> None:
    assert message(ready=1, status="ready: 2 account(s)") == b"READY=1\nSTATUS=ready: 2 account(s)"
    assert message(status="two\nlines") == b"STATUS=two lines"  # one field stays one line
    assert socket_address("@syncd") == b"\0syncd"
    assert socket_address("/run/user/1000/systemd/notify") == "/run/user/1000/systemd/notify"


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    name = f"syncd-unit-{secrets.token_hex(6)}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(5)
    yield sock, "@" + name
    sock.close()


def test_from_env_takes_the_socket_so_children_do_not_inherit_it(
        listener: tuple[socket.socket, str]) -> None:
    sock, address = listener
    env = {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID":
           str(os.getpid()), "HOME": "/home/x"}
    sd = Notifier.from_env(env)
    assert env == {"HOME": "/home/x"}
    assert sd.watchdog_period == 15.0
    sd.ready("ready: 1 account(s)")
    sd.watchdog()
    sd.status("pulling mail")
    sd.stopping()
    got = [sock.recv(4096) for _ in range(4)]
    assert got == [b"READY=1\nSTATUS=ready: 1 account(s)", b"WATCHDOG=1",
                   b"STATUS=pulling mail", b"STOPPING=1\nSTATUS=stopping"]


def test_a_path_socket_works_too(tmp_path: Path) -> None:
    path = tmp_path / "n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(5)
        assert Notifier(str(path)).notify(status="x")
        assert sock.recv(100) == b"STATUS=x"


def test_outside_systemd_everything_is_a_no_op() -> None:
    sd = Notifier.from_env({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"})
    assert sd.watchdog_period is None  # the watchdog was meant for another process
    assert sd.notify(ready=1) is False
    sd.ready()
    sd.watchdog()
    sd.stopping()


def test_a_vanished_listener_never_raises(tmp_path: Path) -> None:
    assert Notifier(str(tmp_path / "gone")).notify(ready=1) is False
