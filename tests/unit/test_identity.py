"""rules.identity: one comparison key per mailbox (DESIGN.md section 3, "Self")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.identity import domain_of, normalize_address


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane@Acme.Example", "jane@acme.example"),
        ("  jane@acme.example\t", "jane@acme.example"),
        ("<jane@acme.example>", "jane@acme.example"),
        ("jane+news@acme.example", "jane@acme.example"),
        ("jane+a+b@acme.example", "jane@acme.example"),
        ("j.doe@acme.example", "j.doe@acme.example"),  # dots matter outside Gmail
        ("J.Doe@gmail.com", "jdoe@gmail.com"),
        ("j.d.o.e+syncd@gmail.com", "jdoe@gmail.com"),
        ("j.doe@googlemail.com", "jdoe@gmail.com"),
        ("JDoe@GoogleMail.com", "jdoe@gmail.com"),
        ("j.doe@mail.gmail.com.example", "j.doe@mail.gmail.com.example"),
        ("+only@acme.example", "+only@acme.example"),  # no local part left: keep it whole
        ("Undisclosed-Recipients", "undisclosed-recipients"),
        ("", ""),
    ],
)
def test_normalize_address(raw: str, expected: str) -> None:
    assert normalize_address(raw) == expected


def test_the_spellings_of_one_gmail_mailbox_share_a_key() -> None:
    spellings = ["jane.doe@gmail.com", "JaneDoe@gmail.com", "jane.doe+x@googlemail.com",
                 " <Jane.Doe@GMAIL.COM> "]
    assert {normalize_address(s) for s in spellings} == {"janedoe@gmail.com"}


def test_quoted_local_part_with_at_sign_splits_on_the_last_at() -> None:
    assert normalize_address('"a@b"@Acme.Example') == '"a@b"@acme.example'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jane@Acme.Example", "acme.example"),
        ("jane@mail.acme.example", "mail.acme.example"),
        ("jane@googlemail.com", "gmail.com"),
        ("<jane@acme.example>", "acme.example"),
        ("no-at-sign", ""),
        ("", ""),
    ],
)
def test_domain_of(raw: str, expected: str) -> None:
    assert domain_of(raw) == expected


@given(st.emails())
def test_normalize_is_idempotent_and_keeps_the_domain(address: str) -> None:
    once = normalize_address(address)
    assert normalize_address(once) == once
    assert once == once.lower()
    assert domain_of(once) == domain_of(address)
    assert "+" not in once.rpartition("@")[0] or once.startswith("+")
