"""What a pass remembers per envelope (``syncd.envelopes``) and per address
(``Directory.facts``) is what the functions it stands for give each message: its parties, the
addresses it names, those it was sent to, its memberships, its people for threading and its
touches, on messages that share their records (as ``syncd.store.codec`` shares them) and
differ in what else the touches read (text flags, In-Reply-To, subject)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.identity import normalize_address
from rules.text_signals import ASK, FORWARD, QUOTES_REPLY, RESENDS, RSVP
from syncd.envelopes import PERSON, Envelopes, touch_key
from syncd.first_held import people_of
from syncd.interactions import direct_code, intro_people, is_outbound, message_touches
from syncd.model import Address, Message
from syncd.parties import parties
from syncd.pipeline import directory_for
from tests.unit.test_incremental import ME, PEOPLE, T0, _config

# Shared records: messages drawn from these share them as the codec's do.
HOME = Address("dana.home@elsewhere.example", "Dana")  # the user by display name only
SENDERS = [ME, HOME, None, *PEOPLE]
LISTS = [(), (ME,), (ME, PEOPLE[0]), (PEOPLE[1],), (PEOPLE[0], PEOPLE[0]), tuple(PEOPLE),
         (HOME, PEOPLE[2]), (PEOPLE[3], PEOPLE[4])]
LABELS = [(), ("\\Sent",), ("\\Inbox",)]
SIGNALS = [None, (), (ASK,), (QUOTES_REPLY,), (QUOTES_REPLY, FORWARD), (RESENDS,),
           (ASK, RSVP), (ASK, "asked:ann@acme.example"), ("quoted:dana@example.org",)]
SUBJECTS = [None, "", "Lunch", "Re: Lunch", "Fwd: Lunch", "Thanks!", "Intro: Ann <> Bo"]


@st.composite
def messages(draw: st.DrawFn) -> list[Message]:
    """Messages of a few envelopes (sender, To, Cc, labels), each message one of them."""
    envelopes = draw(st.lists(st.tuples(
        st.sampled_from(SENDERS), st.sampled_from(LISTS), st.sampled_from(LISTS),
        st.sampled_from(LABELS)), min_size=1, max_size=3))
    out = []
    for n in range(draw(st.integers(1, 40))):
        sender, to, cc, labels = draw(st.sampled_from(envelopes))
        out.append(Message(
            "mail", f"INBOX/1/{n}", f"m{n}@x.example", T0 + timedelta(hours=n), sender, to,
            cc, subject=draw(st.sampled_from(SUBJECTS)),
            in_reply_to=draw(st.sampled_from([None, "p@x.example"])), labels=labels,
            signals=draw(st.sampled_from(SIGNALS))))
    return out


@settings(max_examples=200, deadline=None)
@given(messages(), st.integers(1, 6))
def test_an_envelope_is_what_its_functions_give(mail: list[Message], most: int) -> None:
    config = _config({"ignore": {"max_recipients": most}})
    directory = directory_for(config)
    directory.self_name = frozenset({"dana", "example"})  # HOME's name is not the user's
    envelopes = Envelopes(config, directory)
    people_of_, sender_of = intro_people(config, directory)
    for m in mail:
        envelope = envelopes.of(m)
        assert envelope.parties == parties(m, directory)
        assert envelope.parties.outbound == is_outbound(m, directory)
        addresses = [normalize_address(a.email) for a in (*m.to, *m.cc)]
        sender = [normalize_address(m.sender.email)] if m.sender is not None else []
        assert set(envelope.named) == {a for a in {*addresses, *sender}
                                       if a not in directory.self_addresses}
        assert envelope.addressed == set(addresses)
        assert list(envelope.members) == (
            people_of_(m) if is_outbound(m, directory) else [sender_of(m), *people_of_(m)])
        assert people_of(envelope.people) == envelope.participants
        touches = [(i.person, i.direction, direct_code(i), a.email, a.name, int(i.answered))
                   for i, a in message_touches(m, "", config, directory)]
        assert envelopes.touches(m, envelope) == touches
        assert envelopes.touches(m, envelope) == touches  # remembered: the same
        assert touch_key(m) in envelope.touches


def test_an_envelope_is_found_by_its_records() -> None:
    config = _config()
    directory = directory_for(config)
    envelopes = Envelopes(config, directory)
    to = (PEOPLE[0],)
    a = Message("mail", "1", "a@x", T0, ME, to, labels=("\\Sent",))
    b = Message("mail", "2", "b@x", T0, ME, to, labels=a.labels, subject="other")
    c = Message("mail", "3", "c@x", T0, ME, (PEOPLE[0],), labels=("\\Sent",))
    assert envelopes.of(a) is envelopes.of(b)  # the same records: one envelope
    assert envelopes.of(c) == envelopes.of(a)  # equal records, found again: the same values
    assert PERSON + PEOPLE[0].email in envelopes.of(a).people
