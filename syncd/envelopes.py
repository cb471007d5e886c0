"""What a pass over many messages reads of each message's addresses, worked out once per
envelope: its sender, To, Cc and labels as ``syncd.store.codec`` shares them (one record per
repeated value, so the mail of one correspondent with the user shares a few envelopes).

An ``Envelope`` holds the message's ``Parties`` and what is made of them: the addresses it
names (``syncd.store.named``), those it was sent to (``written_to``), its memberships, its
people for threading, and its touches (``interactions.touch_parts``) by what else they read of
the message: its text flags, whether it replies (In-Reply-To) and what its subject says
(``rules.asks.subject_reads``). Every value is what the functions it comes from give; the
memo only saves asking again.

Envelopes are found by the identity of the four records. Each entry holds the records it was
made from, so none of them is freed, and no other record gets its identity, while the entry
lives. Emptied when it holds ``KEPT``; one memo per pass (``Envelopes``), none kept after.
"""

from __future__ import annotations

from typing import NamedTuple

from rules.asks import subject_reads
from rules.people import Directory
from syncd.config import Config
from syncd.interactions import ASKS
from syncd.model import Message
from syncd.parties import Parties, participants_in, parties, people_in, touch_parts

KEPT = 8192
PERSON = "\x00"  # before each person id in a held ``people`` column (``syncd.first_held``)


class Envelope(NamedTuple):
    parties: Parties
    named: tuple[str, ...]  # normalised sender, To and Cc, the user's left out, no ""
    addressed: frozenset[str]  # normalised To and Cc: ``written_to`` of personal mail of theirs
    members: tuple[str, ...]  # the people of its memberships: ``people_in``, the sender first
    #                           when it is not the user's
    participants: frozenset[str]  # ``participants_in``
    people: str  # the participants, each after ``\x00``
    touches: dict[tuple[object, ...], list[Held]]  # ``touch_parts`` as held, by ``touch_key``


# A touch of ``touch_parts`` as ``syncd.first_held`` holds it: (person id, direction, direct
# code (``interactions.direct_code``), address, display name, answered).
Held = tuple[str, str, int, str, str, int]


def touch_key(m: Message) -> tuple[object, ...]:
    """What ``touch_parts`` reads of a message beside its envelope."""
    return m.signals, m.in_reply_to is not None, subject_reads(m.subject)


class Envelopes:
    """One pass's envelopes, under one config and directory."""

    def __init__(self, config: Config, directory: Directory) -> None:
        self._config, self._directory = config, directory
        self._found: dict[tuple[int, int, int, int], tuple[object, ...]] = {}

    def of(self, m: Message) -> Envelope:
        sender, to, cc, labels = m.sender, m.to, m.cc, m.labels
        key = (id(sender), id(to), id(cc), id(labels))
        found = self._found.get(key)
        if found is not None:
            return found[0]  # type: ignore[return-value]
        if len(self._found) >= KEPT:
            self._found.clear()
        envelope = self._make(m)
        self._found[key] = (envelope, sender, to, cc, labels)  # the records, kept alive
        return envelope

    def touches(self, m: Message, envelope: Envelope) -> list[Held]:
        """``touch_parts`` of ``m``, whose envelope is ``envelope``, as held."""
        key = touch_key(m)
        found = envelope.touches.get(key)
        if found is None:
            found = envelope.touches[key] = [
                (pid, direction, ASKS if direct and asks else int(direct), a.email, a.name,
                 int(answered))
                for pid, direction, direct, asks, answered, a in touch_parts(
                    m, envelope.parties, self._config, self._directory)]
        return found

    def _make(self, m: Message) -> Envelope:
        p = parties(m, self._directory)
        addressed = [f[0] for f in (*p.to, *p.cc)]
        named = {*addressed, p.sender[0]} if p.sender is not None else set(addressed)
        members = people_in(p, self._config)
        if not p.outbound:
            members.insert(0, "" if p.sender is None else p.sender[1])
        participants = participants_in(p)
        return Envelope(p, tuple(a for a in named - self._directory.self_addresses if a),
                        frozenset(addressed), tuple(members), participants,
                        "".join(PERSON + pid for pid in participants), {})
