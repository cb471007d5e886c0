"""rules.resumed: which messages of the user's start a new conversation, and with whom."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rules.identity import normalize_address
from rules.resumed import FEW, starts_with
from syncd.later_mail import newest
from syncd.model import Address
from tests.factories import ME, NOW, mail

ANN, BOB = "Ann@Partner.example", "bob@partner.example"


def is_self(a: Address) -> bool:
    return normalize_address(a.email) == ME


def test_a_new_message_to_a_few_starts_a_conversation_with_those_in_to() -> None:
    m = mail(ME, [ANN], cc=[BOB, ME], days_ago=1, subject="Links for your father")
    assert starts_with(m, is_self) == {"ann@partner.example"}  # Bob only copied
    assert starts_with(replace(m, subject=None, signals=()), is_self) == {"ann@partner.example"}


def test_replies_forwards_and_memos_to_many_start_nothing() -> None:
    base = mail(ME, [ANN], days_ago=1, subject="Links")
    assert starts_with(replace(base, subject="RE: Links"), is_self) == frozenset()
    assert starts_with(replace(base, in_reply_to="x@y"), is_self) == frozenset()
    assert starts_with(replace(base, references=("x@y",)), is_self) == frozenset()
    assert starts_with(replace(base, subject="Fwd: Links"), is_self) == frozenset()
    assert starts_with(replace(base, signals=("forward",)), is_self) == frozenset()
    many = [f"p{n}@x.example" for n in range(FEW)]
    assert starts_with(replace(base, to=tuple(Address(a) for a in [ANN, *many])),
                       is_self) == frozenset()
    assert starts_with(replace(base, to=(Address(ME),)), is_self) == frozenset()  # a note


def test_newest_is_the_newest_fresh_message_after_each_persons_time() -> None:
    early = mail(ME, [ANN], days_ago=9, subject="Early")
    later = mail(ME, [ANN], days_ago=2, subject="Later")
    latest_reply = mail(ME, [ANN], days_ago=1, subject="Re: Later", reply_to="x@y")
    to_bob = mail(ME, [BOB], days_ago=3, subject="Bob's")
    since = {"ann": NOW - timedelta(days=5), "bob": NOW - timedelta(days=2)}

    def person(address: str) -> str:
        return address.split("@")[0]

    sent = [("ann", early), ("ann", later), ("ann", latest_reply), ("bob", to_bob)]
    assert newest(sent, since, person, lambda m: starts_with(m, is_self)) == {"ann": later.date}


def test_quotes_them_only_from_mail_never_stored() -> None:
    from rules.quoted_answer import quotes_them

    def nothing(*_args: object) -> bool:
        return False

    m = replace(mail(ME, [ANN], days_ago=1, subject="RE: Confirmation"),
                signals=("quotes_reply", "quoted:ann@partner.example"))
    assert quotes_them(m, nothing, nothing) == {"ann@partner.example"}
    parent = replace(m, in_reply_to="p@x")
    assert quotes_them(parent, lambda mid: mid == "p@x", nothing) == frozenset()  # stored
    assert quotes_them(parent, nothing, nothing) == {"ann@partner.example"}
    chained = replace(m, references=("old@x", "p@x"))
    assert quotes_them(chained, lambda mid: mid == "p@x", nothing) == frozenset()
    # no threading headers (Enron, old clients): a stored message of theirs on the subject
    assert quotes_them(m, nothing, lambda a, subject, _before: (
        a == "ann@partner.example" and subject == "confirmation")) == frozenset()
    assert quotes_them(replace(m, signals=None), nothing, nothing) == frozenset()
    assert quotes_them(replace(m, signals=("forward", "quotes_reply",
                                           "quoted:ann@partner.example")),
                       nothing, nothing) == frozenset()
    assert quotes_them(replace(m, subject="Fwd: Budget"), nothing, nothing) == frozenset()
    assert quotes_them(replace(m, subject="RE:"), nothing, nothing) == frozenset()
