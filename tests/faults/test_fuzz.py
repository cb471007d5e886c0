"""Hypothesis fuzzing of the parsers that meet foreign input, beyond what the unit tests fuzz
already (header blocks and the fast address splitter in tests/unit/test_imap_parse.py, the ICS
reader in tests/unit/test_ics.py, normalisation of valid addresses in tests/unit/test_identity.py).

Each either succeeds with a well-formed result or raises the one error the caller handles:
``ProtocolError`` for mail headers (quarantined), ``ConfigError`` for the config (shown with
its key paths). Never anything else.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors._imap_parse import parse_headers
from rules.identity import domain_of, normalize_address
from syncd.config import from_dict
from syncd.errors import ConfigError, ProtocolError

INTERNAL = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ADDRESSY = st.lists(st.sampled_from([*'ab.@<>", ;:()\\=?_+-\t\r\nÜ文', "=?utf-8?q?", "?=",
                                     "dana@example.org", "<x@y>", "undisclosed-recipients:;"]),
                    max_size=30).map("".join)
TEXT = st.one_of(ADDRESSY, st.text(max_size=60))


@settings(max_examples=400)
@given(TEXT)
def test_normalize_address_takes_anything(raw: str) -> None:
    key = normalize_address(raw)
    assert isinstance(key, str) and isinstance(domain_of(raw), str)
    assert normalize_address(key) == key  # a key is its own key


@settings(max_examples=400)
@given(st.dictionaries(st.sampled_from(["From", "To", "Cc", "Sender", "Reply-To", "Date",
                                        "Message-ID", "In-Reply-To", "References"]),
                       TEXT, max_size=9),
       st.booleans())
def test_address_lists_and_dates_parse_or_are_quarantined(fields: dict[str, str],
                                                          internal: bool) -> None:
    raw = "".join(f"{name}: {value.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n"
                  for name, value in fields.items()).encode("utf-8", "surrogateescape")
    try:
        msg = parse_headers(raw, account="a", native_id="n",
                            internaldate=INTERNAL if internal else None, labels=(), scope="")
    except ProtocolError as exc:
        assert str(exc)
        return
    assert msg.date.tzinfo is not None and msg.date.utcoffset() is not None
    assert msg.message_id and "\n" not in msg.message_id
    for address in (*msg.to, *msg.cc, *([msg.sender] if msg.sender else [])):
        assert isinstance(address.email, str) and "\n" not in address.email


DATES = st.one_of(
    st.text(max_size=40),
    st.builds(lambda d, z: d.strftime("%a, %d %b %Y %H:%M:%S ") + z,
              st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
              st.sampled_from(["+0000", "-1200", "+1400", "+9999", "GMT", "EST", "XYZ", ""])),
    st.sampled_from(["", "0", "Thu, 01 Jan 1970 00:00:00 +0000", "31 Feb 2026 10:00 +0100",
                     "Mon, 99 Dec 99999 25:61:61 +2500", "yesterday"]))


@settings(max_examples=400)
@given(DATES, st.booleans())
def test_any_date_header_gives_an_aware_date_or_the_fallback(value: str, internal: bool) -> None:
    raw = f"From: a@b.example\r\nDate: {value}\r\n".replace("\n\r", " ").encode()
    raw = raw.replace(b"\r\n", b"\x00").replace(b"\r", b" ").replace(b"\n", b" ")
    raw = raw.replace(b"\x00", b"\r\n")
    try:
        msg = parse_headers(raw, account="a", native_id="n",
                            internaldate=INTERNAL if internal else None, labels=(), scope="")
    except ProtocolError:
        assert not internal  # only without INTERNALDATE may a date be missing
        return
    assert msg.date.utcoffset() is not None


BASE: dict[str, Any] = {
    "me": {"name": "Dana", "addresses": ["dana@example.org"], "timezone": "Europe/Berlin"},
    "store": {"path": "/tmp/syncd-fuzz/db.sqlite3"},
    "accounts": [
        {"name": "mail", "type": "imap", "host": "127.0.0.1", "port": 1143, "security": "none",
         "username": "dana", "password_env": "X"},
        {"name": "cal", "type": "caldav", "url": "http://127.0.0.1:5232/", "username": "dana",
         "password_env": "Y", "calendars": ["Work"]},
    ],
    "followups": {"account": "cal", "calendar": "Follow-ups", "horizon": "30d"},
}
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["30d", "09:00", "imap", "tls", ""]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_mutated_config_loads_or_raises_config_error_only(data: st.DataObject) -> None:
    raw = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(raw)))
        parent: Any = raw
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["set", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=12))] = data.draw(VALUES)
        else:
            parent[path[-1]] = data.draw(VALUES)
        if not raw:
            break
    _loads_or_config_error(raw)


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(["me", "store", "accounts", "followups", "daemon",
                                        "rules", "x"]), VALUES, max_size=5))
def test_an_arbitrary_config_raises_config_error_only(raw: dict[str, Any]) -> None:
    _loads_or_config_error(raw)


def _loads_or_config_error(raw: dict[str, Any]) -> None:
    try:
        from_dict(raw)
    except ConfigError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
