"""Has the user written to someone afresh since their message? Pure, per message.

A message of the user's that is no reply and no forward, to a few people, starts a new
conversation with those in its To: whatever they had written before is picked up (a call they
asked for made, the matter moved on), so a reply owed to them from before wants no reminder
(``rules.reciprocity.owed_waived``). A reply on another thread ("thank you" for something
else), a forward, or a message to many does not pick anything up.
"""

from __future__ import annotations

from collections.abc import Callable

from rules.asks import is_forward, is_reply
from rules.identity import normalize_address
from rules.text_signals import FORWARD
from syncd.model import Address, Message

# At most this many recipients besides the user: more is an announcement, not a conversation.
FEW = 3


def starts_with(m: Message, is_self: Callable[[Address], bool]) -> frozenset[str]:
    """The addresses (normalised) in To of ``m``, a message of the user's, when it starts a
    new conversation with them; empty otherwise."""
    if is_reply(m) or is_forward(m) or m.references or (
            m.signals is not None and FORWARD in m.signals):
        return frozenset()
    others = [a for a in (*m.to, *m.cc) if not is_self(a)]
    if not others or len(others) > FEW:
        return frozenset()
    return frozenset(normalize_address(a.email) for a in m.to if not is_self(a))
