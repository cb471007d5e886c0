"""Whom an ask greets by name (rules.addressed, through rules.text_signals.judge)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.addressed import (
    _NICKNAMES,
    _SENTENCES,
    GROUP,
    _greeter,
    _greets,
    _handles,
    named_asks,
    resolve,
)
from rules.text_signals import asked, asks, judge
from syncd.model import Address

JIM = Address("jimmie.williams@corp.example", "Williams, Jimmie")
VICKI = Address("vicki.sharp@corp.example", "Vicki Sharp")
DAN = Address("daniel.brown@corp.example", "")
MKM = Address("mkmiller@corp.example", "Mary Kay Miller")
PEOPLE = (JIM, VICKI, DAN, MKM)


@pytest.mark.parametrize(("words", "names"), [
    ("Jimmie, agree; we are ok there.\nVicki please add some texture if required.", {"vicki"}),
    ("Kalen/Dan, please provide guidance and let me know. Scott, we are in a bind.",
     {"kalen", "dan"}),
    ("Don could you send me a copy of those materials thanks", {"don"}),
    ("Guys, can you come explain some of this to me?", {GROUP}),
    ("Can you send the numbers? Vicki, thanks for yours.", None),  # the ask greets nobody
    ("Thanks, that helps.", None),  # no ask at all
    # a dash turning to someone mid-sentence
    ("Guys, here is the info. It needs work quickly - Ben and Dave can you lead this?",
     {"ben", "dave"}),
    # a name followed by a statement about it is not a greeting; "Oz" greets Ozzie
    ("Oz, David is interested in the business, do you need his skill set?", {"oz"}),
    ("Tim will send it tomorrow. Can you confirm?", None),
    ("John are you in tomorrow?", {"john"}),
])
def test_the_names_an_ask_is_addressed_to(words: str, names: set[str] | None) -> None:
    assert named_asks(words, asks) == names


def test_names_resolve_by_first_name_address_nickname_or_initials() -> None:
    assert resolve({"vicki"}, PEOPLE) == {"vicki.sharp@corp.example"}
    assert resolve({"jimmie", "dan"}, PEOPLE) == {"jimmie.williams@corp.example",
                                                 "daniel.brown@corp.example"}
    assert resolve({"mkm"}, PEOPLE) == {"mkmiller@corp.example"}
    assert resolve({"scott"}, PEOPLE) is None  # greets nobody on the message: headers decide
    assert resolve({GROUP}, PEOPLE) is None
    assert resolve({"dave", "bob"}, (Address("david.parquet@corp.example", "David Parquet"),
                                      Address("r.virgo@corp.example", "Robert Virgo"), JIM)
                   ) == {"david.parquet@corp.example", "r.virgo@corp.example"}
    assert resolve({"oz"}, (Address("ozzie.pagan@corp.example", "Ozzie Pagan"), DAN)) == {
        "ozzie.pagan@corp.example"}  # a two-letter short name greets its owner


def test_judge_keeps_the_greeted_addresses_as_a_flag_without_any_text() -> None:
    flags = judge("Jimmie, agree.\n\nVicki please add some texture if required.\nDave",
                  Address("dave@corp.example", "Dave"), PEOPLE)
    assert asked(flags) == {"vicki.sharp@corp.example"}
    assert all("texture" not in f for f in flags)
    assert asked(judge("Please add some texture.", None, PEOPLE)) is None


# How rules.addressed cut sentences before its pattern opened with the white space they share.
SENTENCES_AS_WRITTEN = re.compile(
    r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*[A-Z][a-z]+\s*[,:])"
    r"|\s+-{1,2}\s+(?=[A-Z][a-z]+(?:\s*(?:/|&|\band\b|,)\s*[A-Z][a-z]+)*"
    r"\s*(?:,|\s+(?:please|pls|can|could|would|will)\b))")
PIECES = [" ", "  ", "\n", "\n\n", " \n ", "\t", ".", "!", "?", ",", ":", "-", "--", " - ", "/",
          "&", "and", "Ben", "Dave", "ben", "X", "please", "can", "you", "ok"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_sentences_cut_as_the_pattern_was_written(words: str) -> None:
    assert _SENTENCES.split(words) == SENTENCES_AS_WRITTEN.split(words)


def greets_as_written(name: str, handles: frozenset[str]) -> bool:
    """How rules.addressed matched one name against one recipient's handles before it read the
    names once per message (``_greeter``, ``_greets``)."""
    return name in handles or (len(name) >= 2 and any(
        h.startswith(name) for h in handles if len(h) > len(name))) or any(
        full in handles for full in _NICKNAMES.get(name, ()))


NAMES = st.sampled_from(["d", "da", "dan", "dani", "daniel", "danielle", "dave", "david", "bob",
                         "robert", "rob", "mkm", "m", "mary", "ka", "kay", "oz", "ozzie", "vicki",
                         "victoria", "x", "ed", "edward", "brown", "db"])
PEOPLE_NAMES = st.sampled_from(["", "Daniel Brown", "Brown, Daniel", "David Parquet", "Robert",
                                "Mary Kay Miller", "Kay", "Ozzie", "Victoria Sharp", "D", "Ed"])
LOCALS = st.sampled_from(["daniel.brown", "dbrown", "d", "r.virgo", "mkmiller", "kay_m", "oz",
                          "victoria", "ed", "x-y"])


@settings(max_examples=300, deadline=None)
@given(st.sets(NAMES, max_size=4), st.lists(st.tuples(LOCALS, PEOPLE_NAMES), max_size=4))
def test_greetings_read_once_as_each_name_against_each_recipient(
        names: set[str], people: list[tuple[str, str]]) -> None:
    recipients = [Address(f"{local}@corp.example", name) for local, name in people]
    greets = _greeter(names)
    for a in recipients:
        expected = any(greets_as_written(n, _handles(a)) for n in names)
        assert greets(a) == expected
        assert any(_greets(n, _handles(a)) for n in names) == expected
