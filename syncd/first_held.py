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
from syncd.envelopes import PERSON, Envelope, Envelopes
from syncd.model import Message
from syncd.store.streamed import HeldRow, Streamed


def may_be_personal(verdict: str, soft: str | None) -> bool:
    """Personal now, or once its sender is written to (``DerivedTables.set_personal``)."""
    return verdict == "personal" or soft == "personal"


def people_of(held: str | None) -> frozenset[str]:
    """The participants ``Holder.hold`` kept (``None``: a provider's thread, never asked)."""
    return frozenset(held.split(PERSON)[1:]) if held else frozenset()


class Holder:
    """Holds the touches, memberships and threading inputs of messages."""

    def __init__(self, streamed: Streamed, config: Config, directory: Directory,
                 envelopes: Envelopes | None = None) -> None:
        self._streamed = streamed
        self._envelopes = Envelopes(config, directory) if envelopes is None else envelopes

    def hold(self, numbered: Iterable[tuple[int, Message]]) -> None:
        """Hold messages (number, message); their touches as ``message_touches`` gives them,
        every person ``rules.introductions.detect`` reads as in it, what threading reads."""
        of = self._envelopes.of
        self.hold_seen((n, m, of(m), m.date.timestamp()) for n, m in numbered)

    def hold_seen(self, seen: Iterable[tuple[int, Message, Envelope, float]]) -> None:
        """``hold`` of messages (number, message, its envelope, its time stamp)."""
        touches_of = self._envelopes.touches
        narrow: list[tuple[int, str | None, int, str | None]] = []
        touches: list[HeldRow] = []
        members: list[tuple[int, str, str, float]] = []
        for n, m, envelope, ts in seen:
            ref, subject = m.message_id, m.subject
            touches.extend((n, ts, ref, pid, direction, subject, direct, address, name,
                            answered)
                           for pid, direction, direct, address, name, answered in touches_of(
                               m, envelope))
            members.extend((n, ref, pid, ts) for pid in envelope.members)
            narrow.append((n, m.thread_id, int(quotes_earlier(m)),
                           None if m.thread_id else envelope.people))
        self._streamed.hold(narrow, touches, members)
