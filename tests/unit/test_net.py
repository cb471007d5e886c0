from __future__ import annotations

import pytest

from syncd.net import host_of, is_loopback


@pytest.mark.parametrize(("host", "expected"), [
    ("localhost", True), ("LOCALHOST", True), ("127.0.0.1", True), ("127.8.9.10", True),
    ("::1", True), ("[::1]", True), ("10.0.0.1", False), ("imap.example.org", False),
    ("", False),
])
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_host_of_drops_user_port_and_brackets() -> None:
    assert host_of("http://dana:pw@127.0.0.1:5232/dav/") == "127.0.0.1"
    assert host_of("https://[::1]:8443/") == "::1"
    assert host_of("not a url") == ""
