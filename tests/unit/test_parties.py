"""A message's addresses looked up once (``Directory.facts``, ``syncd.parties``) give what the
directory's own questions give, address by address: whether the user sent it, the people of
its memberships, its participants, and the touches a message's addresses and words make."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.asks import inbound_expects, outbound_ask
from rules.identity import normalize_address
from rules.text_signals import ASK, FORWARD, QUOTES_REPLY, RESENDS, RSVP, asked
from syncd.model import Address, Message
from syncd.parties import (
    members_and_participants,
    participants_in,
    parties,
    people_in,
    touch_parts,
)
from syncd.pipeline import directory_for
from tests.unit.test_incremental import ME, PEOPLE, T0, _config

HOME = Address("dana.home@elsewhere.example", "Dana Example")  # the user by display name
SENDERS = [ME, HOME, None, Address("", "Nobody"), *PEOPLE]
LISTS = [(), (ME,), (ME, PEOPLE[0]), (PEOPLE[1],), (PEOPLE[0], PEOPLE[0]), tuple(PEOPLE),
         (HOME, PEOPLE[2]), (PEOPLE[3], PEOPLE[4])]
SIGNALS = [None, (), (ASK,), (QUOTES_REPLY,), (QUOTES_REPLY, FORWARD), (RESENDS,),
           (ASK, RSVP), (ASK, "asked:ann@acme.example"), ("quoted:dana@example.org",)]


@st.composite
def messages(draw: st.DrawFn) -> Message:
    return Message(
        "mail", "INBOX/1/1", "m@x.example", T0 + timedelta(hours=1),
        draw(st.sampled_from(SENDERS)), draw(st.sampled_from(LISTS)),
        draw(st.sampled_from(LISTS)),
        subject=draw(st.sampled_from([None, "", "Lunch", "Re: Lunch", "Fwd: x", "Thanks!"])),
        in_reply_to=draw(st.sampled_from([None, "p@x.example"])),
        labels=draw(st.sampled_from([(), ("\\Sent",), ("\\Inbox",)])),
        signals=draw(st.sampled_from(SIGNALS)))


@settings(max_examples=300, deadline=None)
@given(messages(), st.integers(1, 6))
def test_parties_answer_as_the_directory_does(m: Message, most: int) -> None:
    config = _config({"me": {"addresses": [ME.email], "timezone": "UTC",
                             "name": "Dana Example"}, "ignore": {"max_recipients": most}})
    directory = directory_for(config)
    mine = directory.is_self_address
    p = parties(m, directory)
    recipients = (*m.to, *m.cc)
    outbound = "\\Sent" in m.labels or (m.sender is not None and mine(m.sender))
    assert p.outbound == outbound
    assert [f[0] for f in (*p.to, *p.cc)] == [normalize_address(a.email) for a in recipients]
    people = [] if len(recipients) > most or (not outbound and not any(
        directory.is_self(a.email) for a in recipients)) else [
        directory.person_id(a.email) for a in recipients if not mine(a)]
    assert people_in(p, config) == people
    assert members_and_participants(p, most, True) == (people, participants_in(p))
    assert members_and_participants(p, most, False) == (people, None)
    assert participants_in(p) == {directory.person_id(a.email) for a in (
        *recipients, *([m.sender] if m.sender else [])) if not mine(a)}
    touches = touch_parts(m, p, config, directory)
    if not recipients or len(recipients) > most or (not outbound and (
            m.sender is None or mine(m.sender))):
        assert touches == []
    elif outbound:
        asks = outbound_ask(m, mine)[0]
        assert [t[0] for t in touches] == list(dict.fromkeys(
            directory.person_id(a.email) for a in recipients if not mine(a)))
        assert all(t[1] == "out" and not t[3] for t in touches)
        if not asks:
            assert not any(t[2] for t in touches)
        greeted = asked(m.signals) or {normalize_address(a.email) for a in m.to}
        assert [t[2] for t in touches] == [asks and any(
            normalize_address(a.email) in greeted for a in recipients
            if not mine(a) and directory.person_id(a.email) == t[0]) for t in touches]
        assert [t[5] for t in touches] == [[  # the last of a person's addresses
            a for a in recipients if not mine(a) and directory.person_id(a.email) == t[0]][-1]
            for t in touches]
    else:
        assert touches[0][:3] == (directory.person_id(m.sender.email) if m.sender else "", "in",
                                  inbound_expects(m, mine)[0])


def test_facts_of_a_list_are_its_addresses_facts_whatever_list_had_its_identity() -> None:
    config = _config({"me": {"addresses": [ME.email], "timezone": "UTC",
                             "name": "Dana Example"}})
    directory = directory_for(config)
    for n in range(200):  # lists made and dropped: a new one may take a dropped one's id
        addresses = (*LISTS[n % len(LISTS)], Address(f"p{n}@x.example"))
        assert directory.facts_of(addresses) == tuple(map(directory.facts, addresses))
        assert directory.facts_of(addresses)[-1][0] == f"p{n}@x.example"
    directory.forget_facts()
    assert directory.facts_of((ME,)) == (directory.facts(ME),)
