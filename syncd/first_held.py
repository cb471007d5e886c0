"""What a first derivation keeps of each message while it is in memory (``syncd.verdicts``
classifies everything, then ``syncd.first_pass`` threads the personal mail in date order): its
touches without their thread key, its memberships and what threading reads of it, held by
message number (``syncd.store.streamed``), so the threading pass reads narrow rows instead of
decoding every message again.

Which messages are personal is known only once all mail is classified (``written_to`` turns
soft verdicts), so every message that may be personal is held: its verdict or its soft verdict
is personal. Threading reads back only those that are.
"""

from __future__ import annotations

from collections.abc import Iterable

from rules.people import Directory
from rules.threads import quotes_earlier
from syncd.config import Config
from syncd.interactions import (
    ASKS,
    Parties,
    participants_in,
    parties,
    people_in,
    touch_parts,
)
from syncd.model import Message
from syncd.store.streamed import HeldRow, Streamed

_PERSON = "\x00"  # before each person id in a held ``people`` column


def may_be_personal(verdict: str, soft: str | None) -> bool:
    """Personal now, or once its sender is written to (``DerivedTables.set_personal``)."""
    return verdict == "personal" or soft == "personal"


def people_of(held: str | None) -> frozenset[str]:
    """The participants ``Holder.hold`` kept (``None``: a provider's thread, never asked)."""
    return frozenset(held.split(_PERSON)[1:]) if held else frozenset()


class Holder:
    """Holds the touches, memberships and threading inputs of messages."""

    def __init__(self, streamed: Streamed, config: Config, directory: Directory) -> None:
        self._streamed, self._config, self._directory = streamed, config, directory

    def hold(self, numbered: Iterable[tuple[int, Message]]) -> None:
        """Hold messages (number, message); their touches as ``message_touches`` gives them,
        every person ``rules.introductions.detect`` reads as in it, what threading reads."""
        directory = self._directory
        self.hold_seen((n, m, parties(m, directory), m.date.timestamp()) for n, m in numbered)

    def hold_seen(self, seen: Iterable[tuple[int, Message, Parties, float]]) -> None:
        """``hold`` of messages (number, message, its ``parties``, its time stamp)."""
        config, directory = self._config, self._directory
        narrow: list[tuple[int, str | None, int, str | None]] = []
        touches: list[HeldRow] = []
        members: list[tuple[int, str, str, float]] = []
        for n, m, p, ts in seen:
            ref, subject = m.message_id, m.subject
            touches.extend((n, ts, ref, pid, direction, subject,
                            ASKS if direct and asks else int(direct), a.email, a.name,
                            int(answered))
                           for pid, direction, direct, asks, answered, a in touch_parts(
                               m, p, config, directory))
            everyone = people_in(p, config)
            if not p.outbound:
                everyone.insert(0, "" if p.sender is None else p.sender[1])
            members.extend((n, ref, pid, ts) for pid in everyone)
            people = None if m.thread_id else "".join(
                _PERSON + pid for pid in participants_in(p))
            narrow.append((n, m.thread_id, int(quotes_earlier(m)), people))
        self._streamed.hold(narrow, touches, members)
