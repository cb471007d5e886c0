"""Did they answer the user where syncd could not see it? Pure, per message.

A message of the user's to someone that quotes their own words (the ``quoted:`` text flag holds
their address: "RE: DIRECT DEPOSIT CONFIRMATION" above HR's confirmation) shows that they wrote
to the user. When the message it answers is not among the synced mail (no In-Reply-To, or one
that names nothing stored: their answer went to a folder syncd does not read, or was deleted),
it came in before the user's message, and an ask of the user's to them made before that is
answered (``rules.reciprocity.nudge``), though nothing arrived on the ask's thread. A reply to
their stored message shows nothing new: the stored message itself counts, with its own date.
"""

from __future__ import annotations

from collections.abc import Callable

from rules.text_signals import FORWARD, quoted_from
from syncd.model import Message


def quotes_them(m: Message, stored: Callable[[str], bool]) -> frozenset[str]:
    """The addresses (normalised) whose own words ``m``, a message of the user's, quotes from a
    message syncd never stored; empty otherwise."""
    if m.signals is None or FORWARD in m.signals:
        return frozenset()
    if m.in_reply_to is not None and stored(m.in_reply_to):
        return frozenset()
    return quoted_from(m.signals)
