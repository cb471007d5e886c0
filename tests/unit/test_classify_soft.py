"""``classify_soft`` judges once what the classification stage used to ask twice: the verdict,
and the one the message gets were its sender written to. It must say exactly what two calls of
``classify_message`` say, on every path of the rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rules.classify import ClassifyContext, Verdict, classify_message, classify_soft
from syncd.model import Message
from tests.factories import ME, mail

CONTEXT = ClassifyContext.build(self_addresses=[ME], ignore_domains=["ignored.example"])
CASES = {
    "a person": mail("ann@acme.example", ME, days_ago=1),
    "a role sender": mail("info@smallshop.example", ME, days_ago=1),
    "a no-reply sender": mail("no-reply@smallshop.example", ME, days_ago=1),
    "a list": mail("bo@acme.example", ME, days_ago=1, headers=(("list-id", "<l.example>"),)),
    "bulk with unsubscribe": mail("news@shop.example", ME, days_ago=1,
                                  headers=(("list-unsubscribe", "<mailto:x@shop.example>"),)),
    "an auto-reply": mail("cy@acme.example", ME, days_ago=1, subject="Out of office: back Monday"),
    "ignored": mail("dee@ignored.example", ME, days_ago=1),
    "a display name of a shop": mail("orders@shop.example", ME, days_ago=1, name="Shop Team"),
    "only copied": mail("eve@acme.example", "other@acme.example", cc=[ME], days_ago=1),
    "the user's own": mail(ME, "ann@acme.example", days_ago=1),
    "no sender": replace(mail("x@acme.example", ME, days_ago=1), sender=None),
}


def _twice(m: Message, context: ClassifyContext) -> tuple[Verdict, Verdict | None]:
    verdict = classify_message(m, context)
    sender = m.sender.email.lower() if m.sender is not None else ""
    other = classify_message(m, replace(context, written_to=frozenset({sender})))
    return verdict, (None if other.verdict == verdict.verdict else other)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("written", [False, True])
def test_one_judgement_says_what_two_say(case: str, written: bool) -> None:
    m = CASES[case]
    context = CONTEXT
    if written and m.sender is not None:
        context = replace(CONTEXT, written_to=frozenset({m.sender.email}))
    assert classify_soft(m, context) == _twice(m, context)


def test_a_soft_verdict_has_its_written_to_twin() -> None:
    verdict, other = classify_soft(CASES["a role sender"], CONTEXT)
    assert not verdict.personal and verdict.verdict == "role_sender"
    assert other is not None and other.personal
