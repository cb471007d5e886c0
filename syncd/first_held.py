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
from syncd.interactions import ASKS
from syncd.model import Message
from syncd.parties import Parties, members_and_participants, parties, touches_of
from syncd.store.streamed import HeldRow, Streamed

PERSON = "\x00"  # before each person id in a held ``people`` column


def may_be_personal(verdict: str, soft: str | None) -> bool:
    """Personal now, or once its sender is written to (``DerivedTables.set_personal``)."""
    return verdict == "personal" or soft == "personal"


def people_of(held: str | None) -> frozenset[str]:
    """The participants ``Holder.hold`` kept (``None``: a provider's thread, never asked)."""
    return frozenset(held.split(PERSON)[1:]) if held else frozenset()


class Holder:
    """Holds the touches, memberships and threading inputs of messages: ``add`` each, then
    ``flush``."""

    def __init__(self, streamed: Streamed, config: Config, directory: Directory) -> None:
        self._streamed, self._config, self._directory = streamed, config, directory
        self._most = config.ignore.max_recipients
        self._narrow: list[tuple[int, str | None, int, str | None]] = []
        self._touches: list[HeldRow] = []
        self._members: list[tuple[int, str, str, float]] = []

    def hold(self, numbered: Iterable[tuple[int, Message]]) -> None:
        """Hold messages (number, message); their touches as ``message_touches`` gives them,
        every person ``rules.introductions.detect`` reads as in it, what threading reads."""
        directory = self._directory
        for n, m in numbered:
            self.add(n, m, parties(m, directory), m.date.timestamp())
        self.flush()

    def add(self, n: int, m: Message, p: Parties, ts: float) -> None:
        """``hold`` of message number ``n``, given its ``parties`` and its time stamp, kept
        until ``flush``: rows of atomic values only, not the message (so a pass keeps few
        objects for the garbage collector to walk)."""
        ref, subject, most = m.message_id, m.subject, self._most
        touches, members = self._touches, self._members
        for pid, direction, direct, asks, answered, a in touches_of(m, p, most,
                                                                    self._directory):
            touches.append((n, ts, ref, pid, direction, subject,
                            ASKS if direct and asks else int(direct), a.email, a.name,
                            int(answered)))
        if not p.outbound:
            members.append((n, ref, "" if p.sender is None else p.sender[1], ts))
        thread_id = m.thread_id
        people, found = members_and_participants(p, most, not thread_id)
        if people:
            members.extend([(n, ref, pid, ts) for pid in people])
        held = None if found is None else PERSON + PERSON.join(found) if found else ""
        self._narrow.append((n, thread_id, 0 if m.signals is None else int(quotes_earlier(m)),
                             held))

    def flush(self) -> None:
        """Write what ``add`` kept."""
        self._streamed.hold(self._narrow, self._touches, self._members)
        self._narrow, self._touches, self._members = [], [], []
