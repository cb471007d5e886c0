"""A message's sender and recipients as the directory sees them, each address looked up once
(``rules.people.Directory.facts``), and what is made of them: whether the user sent it, the
people of its memberships and of its subject thread, its touches (``syncd.interactions``
builds an ``Interaction`` of each). Pure, no I/O.
"""

from __future__ import annotations

from typing import NamedTuple

from rules.asks import inbound_expects_of, outbound_ask_of
from rules.classify import in_sent_folder
from rules.people import AddressFacts, Directory
from rules.text_signals import ASK, FORWARD, QUOTES_REPLY, asked, quoted_from
from syncd.config import Config
from syncd.model import Address, Message


class Parties(NamedTuple):
    """A message's sender and recipients as the directory sees them (``Directory.facts``:
    normalised, person id, self by address, self), each looked up once: what the
    classification, the touches, the memberships and threading read of its addresses."""

    outbound: bool  # ``syncd.interactions.is_outbound``
    sender: AddressFacts | None
    to: tuple[AddressFacts, ...]
    cc: tuple[AddressFacts, ...]


def parties(m: Message, directory: Directory) -> Parties:
    facts = directory.facts
    sender = None if m.sender is None else facts(m.sender)
    to, cc = m.to, m.cc
    return _parties(Parties, (in_sent_folder(m) or (sender is not None and sender[3]), sender,
                              directory.facts_of(to) if to else (),
                              directory.facts_of(cc) if cc else ()))


_parties = tuple.__new__  # ``Parties(...)`` without its ``__new__`` in Python


def people_in(p: Parties, config: Config) -> list[str]:
    """``people_of`` (``intro_people``) of a message's ``Parties``."""
    return members_of(p, config.ignore.max_recipients)


def members_of(p: Parties, most: int) -> list[str]:
    """``people_in`` given ``ignore.max_recipients`` (``most``)."""
    recipients = p.to + p.cc
    if len(recipients) > most:
        return []
    if not p.outbound and not any(f[2] for f in recipients):
        return []  # an introduction for the user names the user
    return [f[1] for f in recipients if not f[3]]


def participants_in(p: Parties) -> frozenset[str]:
    """``participants`` of a message's ``Parties``."""
    people = [f[1] for f in (*p.to, *p.cc) if not f[3]]
    if p.sender is not None and not p.sender[3]:
        people.append(p.sender[1])
    return frozenset(people)


def members_and_participants(p: Parties, most: int, participants: bool
                             ) -> tuple[list[str], frozenset[str] | None]:
    """``members_of`` and (when ``participants``, else None) ``participants_in`` at once,
    from one pass over the recipients (what ``syncd.first_held`` holds of a message)."""
    recipients = p.to + p.cc
    people = [f[1] for f in recipients if not f[3]]
    members = people if len(recipients) <= most and (
        p.outbound or any(f[2] for f in recipients)) else []
    if not participants:
        return members, None
    if p.sender is not None and not p.sender[3]:
        return members, frozenset([*people, p.sender[1]])
    return members, frozenset(people)


# A touch of ``message_touches`` as ``touch_parts`` gives it: (person id, direction, direct,
# asks, answered, the address it came from).
TouchPart = tuple[str, str, bool, bool, bool, Address]


def touch_parts(m: Message, p: Parties, config: Config, directory: Directory
                ) -> list[TouchPart]:
    """``message_touches`` of a message and its ``Parties``, without an ``Interaction`` each."""
    return touches_of(m, p, config.ignore.max_recipients, directory)


def touches_of(m: Message, p: Parties, most: int, directory: Directory) -> list[TouchPart]:
    """``touch_parts`` given ``ignore.max_recipients`` (``most``)."""
    to, cc = p.to, p.cc
    count = len(to) + len(cc)
    if count > most or not count:
        return []
    signals = m.signals
    if p.outbound:
        recipients = to + cc
        someone = False  # but the user among them
        for f in recipients:
            if not f[3]:
                someone = True
                break
        delegate = (m.sender is not None and bool(m.sender.email) and p.sender is not None
                    and not p.sender[3])
        asks = outbound_ask_of(m, someone, delegate)[0]
        answered = signals is not None and QUOTES_REPLY in signals and FORWARD not in signals
        addresses = m.to + m.cc
        if count == 1:  # most mail: one recipient, touched once
            f = recipients[0]
            if f[3]:
                return []
            direct = False
            if asks:  # greeted by name, else in To
                named = asked(signals) if signals else None
                direct = f[0] in named if named else bool(to)
            return [(f[1], "out", direct, False, answered, addresses[0])]
        touched: dict[str, TouchPart] = {}
        if not asks:  # nobody is asked directly
            for a, f in zip(addresses, recipients, strict=True):
                if not f[3]:
                    touched[f[1]] = (f[1], "out", False, False, answered, a)
            return list(touched.values())
        greeted = (asked(signals) if signals else None) or {f[0] for f in to}
        for a, f in zip(addresses, recipients, strict=True):
            if f[3]:
                continue
            pid = f[1]
            before = touched.get(pid)
            direct = f[0] in greeted or (before is not None and before[2])
            touched[pid] = (pid, "out", direct, False, answered, a)
        return list(touched.values())
    sender = p.sender
    if m.sender is None or sender is None or sender[3]:
        return []
    to_others = others = 0
    for f in to:
        if not f[3]:
            to_others += 1
    for f in cc:
        if not f[3]:
            others += 1
    direct = inbound_expects_of(m, directory.is_self_address, to_others < len(to),
                                to_others + others, to_others)[0]
    worded = direct and signals is not None and ASK in signals
    answers_me = bool(signals) and any(directory.is_self(a) for a in quoted_from(signals))
    return [(sender[1], "in", direct, worded, answers_me, m.sender)]
