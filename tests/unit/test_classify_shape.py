"""A first derivation judges each message *shape* once (``rules.classify.shape``,
``syncd.verdicts.make_fact``): two messages of one shape must get the same verdicts, on every
path of the rules, and the facts made through the memory must be the facts made without it.

Messages are drawn from a small alphabet of senders, names, recipients, headers, labels and
subjects that reach every rule (self, sent folder, ignore, allow, role and machine senders,
list and bulk headers, the envelope with and without the user addressed, Gmail categories,
ESP headers, automatic-reply subjects), so shapes collide often."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rules.classify import ClassifyContext, classify_message, classify_soft, shape
from rules.people import Directory
from syncd import config as config_mod
from syncd import verdicts
from syncd.interactions import classify_context, is_outbound
from syncd.model import Address, Message

ME = "dana@example.org"
_EMAILS = st.sampled_from([ME, "Dana@Example.org", "ann@acme.example", "info@shop.example",
                           "noreply@shop.example", "bo@ignored.example", "cy@allowed.example",
                           "12345678@news.example", "shop.com@lists.example",
                           "dexample@example.org"])
_ADDRESS = st.builds(Address, _EMAILS, st.sampled_from(["", "Dana Example", "Ann", "Shop Team",
                                                        "The Weekly Newsletter"]))
_HEADER = st.sampled_from([
    ("list-id", "<l.example>"), ("precedence", "bulk"), ("auto-submitted", "auto-replied"),
    ("return-path", "<bounce-123@mail.shop.example>"), ("return-path", "<ann@acme.example>"),
    ("feedback-id", "1:2:3"), ("list-unsubscribe", "<mailto:x@shop.example>"),
    ("content-type", "text/calendar")])
_MESSAGES = st.builds(
    Message, account=st.just("a"), native_id=st.just("1"),
    message_id=st.sampled_from(["m1@x", "m2@x"]),
    date=st.just(datetime(2026, 1, 1, tzinfo=UTC)), sender=st.none() | _ADDRESS,
    to=st.lists(_ADDRESS, max_size=2).map(tuple), cc=st.lists(_ADDRESS, max_size=2).map(tuple),
    subject=st.none() | st.sampled_from(["", "Lunch", "Re: Lunch", "Out of office: back Monday",
                                         "Invitation: sync @ Mon"]),
    headers=st.lists(_HEADER, max_size=2).map(tuple),
    labels=st.lists(st.sampled_from(["\\Sent", "SENT", "\\Inbox", "CATEGORY_PROMOTIONS",
                                     "inference:other"]), max_size=2).map(tuple))
_CONFIG = config_mod.from_dict({"me": {"addresses": [ME], "name": "Dana Example"},
                                "ignore": {"domains": ["ignored.example"],
                                           "allow": ["cy@allowed.example"]}})
_DIRECTORY = Directory.build([ME], [], self_name="Dana Example")
_CONTEXT_LIST = [
    classify_context(_CONFIG, _DIRECTORY.self_addresses),
    replace(classify_context(_CONFIG, _DIRECTORY.self_addresses),
            written_to=frozenset({"info@shop.example", "ann@acme.example"})),
    ClassifyContext()]
_CONTEXTS = st.sampled_from(_CONTEXT_LIST)


@settings(max_examples=400)
@given(_MESSAGES, _MESSAGES, _CONTEXTS)
def test_one_shape_one_verdict(a: Message, b: Message, context: ClassifyContext) -> None:
    _same_verdicts(a, b, context)


def _same_verdicts(a: Message, b: Message, context: ClassifyContext) -> None:
    out_a, out_b = is_outbound(a, _DIRECTORY), is_outbound(b, _DIRECTORY)
    if shape(a, out_a) == shape(b, out_b):
        assert out_a == out_b
        assert classify_message(a, context) == classify_message(b, context)
        assert classify_soft(a, context) == classify_soft(b, context)


_BOUNCED = Message("a", "1", "m1@x", datetime(2026, 1, 1, tzinfo=UTC), Address("ann@acme.example"),
                   (Address(ME),), headers=(("return-path", "<bounce-123@mail.shop.example>"),))


@settings(max_examples=400)
@example(_BOUNCED, (Address("bo@acme.example"),), (), None, _CONTEXT_LIST[0])
@given(_MESSAGES, st.lists(_ADDRESS, max_size=2).map(tuple),
       st.lists(_ADDRESS, max_size=2).map(tuple),
       st.none() | st.sampled_from(["", "Lunch", "Re: Lunch", "Out of office: back Monday"]),
       _CONTEXTS)
def test_what_the_shape_leaves_out_changes_nothing(a: Message, to: tuple[Address, ...],
                                                   cc: tuple[Address, ...], subject: str | None,
                                                   context: ClassifyContext) -> None:
    """The same message with other recipients or another subject, where the shape says they
    do not count."""
    _same_verdicts(a, replace(a, to=to, cc=cc, subject=subject, message_id="m3@x"),
                               context)


@settings(max_examples=200)
@given(st.lists(_MESSAGES, min_size=1, max_size=12), _CONTEXTS)
def test_facts_through_the_memory_are_the_facts(messages: list[Message],
                                                context: ClassifyContext) -> None:
    fresh = []
    for m in messages:
        verdicts._JUDGED.forget(None, None)  # nothing remembered: judged afresh
        fresh.append(verdicts.make_fact(m, _DIRECTORY, context))
    verdicts._JUDGED.forget(None, None)
    assert [verdicts.make_fact(m, _DIRECTORY, context) for m in messages] == fresh
    verdicts._JUDGED.forget(None, None)


def test_another_context_is_judged_again() -> None:
    m = Message("a", "1", "m@x", datetime(2026, 1, 1, tzinfo=UTC),
                Address("info@shop.example"), (Address(ME),))
    plain = classify_context(_CONFIG, _DIRECTORY.self_addresses)
    ignoring = replace(plain, ignore_domains=frozenset({"shop.example"}))
    assert verdicts.make_fact(m, _DIRECTORY, plain)[2] == "role_sender"
    assert verdicts.make_fact(m, _DIRECTORY, ignoring)[2] == "ignored"
    verdicts._JUDGED.forget(None, None)


def test_the_memory_is_bounded_and_empty_after_a_pass() -> None:
    context = classify_context(_CONFIG, _DIRECTORY.self_addresses)
    for n in range(verdicts.JUDGED_KEPT + 10):
        verdicts.make_fact(Message("a", "1", f"m{n}@x", datetime(2026, 1, 1, tzinfo=UTC),
                                   Address(f"p{n}@acme.example"), (Address(ME),)),
                           _DIRECTORY, context)
        assert len(verdicts._JUDGED.found) <= verdicts.JUDGED_KEPT
    verdicts._JUDGED.forget(None, None)
