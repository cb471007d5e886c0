"""vCard 3 and 4 to ``Contact`` (``connectors/_vcard.py``): names, every address, categories,
birthdays with and without a year; broken cards raise ``ProtocolError`` (quarantined)."""

from __future__ import annotations

import pytest

from connectors._vcard import contact_from_vcard, parse_birthday
from syncd.errors import ProtocolError


def card(*lines: str, version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", "UID:x", *lines, "END:VCARD", ""])



def test_several_email_lines_and_categories() -> None:
    c = contact_from_vcard(card("FN:Jane Roe", "EMAIL;TYPE=work:jane@acme.example",
                                "EMAIL;TYPE=home:jroe@gmail.com", "EMAIL:jane@acme.example",
                                "CATEGORIES:inner-circle,friends"),
                           source="book", native_id="/b/x.vcf", scope="/b/")
    assert c is not None
    assert (c.name, c.addresses, c.tags) == (
        "Jane Roe", ("jane@acme.example", "jroe@gmail.com"), ("inner-circle", "friends"))
    assert (c.source, c.native_id, c.scope, c.birthday) == ("book", "/b/x.vcf", "/b/", None)


def test_no_fn_falls_back_to_n_then_to_nothing() -> None:
    named = contact_from_vcard(card("N:Roe;Jane;;Dr.;", "EMAIL:j@x.example"), source="b",
                               native_id="1")
    assert named is not None and named.name == "Dr. Jane Roe"
    bare = contact_from_vcard(card("EMAIL:j@x.example"), source="b", native_id="1")
    assert bare is not None and bare.name == ""


@pytest.mark.parametrize(("version", "value", "expected"), [
    ("3.0", "--0315", (3, 15, None)),
    ("4.0", "--0315", (3, 15, None)),
    ("4.0", "--03-15", (3, 15, None)),
    ("4.0", "19800315", (3, 15, 1980)),
    ("3.0", "1980-03-15", (3, 15, 1980)),
    ("3.0", "1980-03-15T00:00:00Z", (3, 15, 1980)),
    ("3.0", "1604-02-29", (2, 29, None)),  # Apple's "year unknown"
    ("4.0", "circa 1800", None),
])
def test_birthdays(version: str, value: str, expected: object) -> None:
    c = contact_from_vcard(card("FN:A", "EMAIL:a@x.example", f"BDAY:{value}", version=version),
                           source="b", native_id="1")
    assert c is not None and c.birthday == expected


def test_parse_birthday_rejects_impossible_dates() -> None:
    assert parse_birthday("--1332") is None and parse_birthday("") is None


@pytest.mark.parametrize("text", [
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN Jane without colon\r\nEND:VCARD\r\n",
    "garbage",
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
    "",
])
def test_broken_cards_raise_protocol_error(text: str) -> None:
    with pytest.raises(ProtocolError):
        contact_from_vcard(text, source="b", native_id="1")


def test_a_group_card_is_not_a_person() -> None:
    assert contact_from_vcard(card("FN:Team", "KIND:group", "MEMBER:urn:uuid:1",
                                   version="4.0"), source="b", native_id="1") is None
