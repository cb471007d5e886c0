"""Did they answer the user where syncd could not see it? Pure, per message.

A message of the user's to someone that quotes their own words (the ``quoted:`` text flag holds
their address: "RE: DIRECT DEPOSIT CONFIRMATION" above HR's confirmation) shows that they wrote
to the user. When the message it answers is not among the synced mail (no In-Reply-To, or one
that names nothing stored: their answer went to a folder syncd does not read, or was deleted),
it came in before the user's message, and an ask of the user's to them made before that is
answered (``rules.reciprocity.nudge``), though nothing arrived on the ask's thread. A reply to
their stored message (by In-Reply-To or References, or failing those by its subject: one of
theirs on it stored) shows nothing new: the stored message itself counts, with its own date; a
forward, or a message without a subject, shows nothing either.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rules.asks import is_forward
from rules.text_signals import FORWARD, quoted_from
from rules.threads import normalize_subject
from syncd.model import Message


def quotes_them(m: Message, stored: Callable[[str], bool],
                wrote_on: Callable[[str, str, datetime], bool]) -> frozenset[str]:
    """The addresses (normalised) whose own words ``m``, a message of the user's that is no
    forward, quotes from a message syncd never stored; empty otherwise. ``stored(message_id)``:
    is that message among the synced mail? ``wrote_on(address, subject, before)``: did that
    address write a stored message with this normalised subject before ``before``? (Mail
    without In-Reply-To or References, Enron's or an old client's, is told by its subject.)"""
    if m.signals is None or FORWARD in m.signals or is_forward(m):
        return frozenset()
    subject = normalize_subject(m.subject)
    if not subject or any(stored(ref) for ref in (m.in_reply_to, *m.references) if ref):
        return frozenset()
    return frozenset(a for a in quoted_from(m.signals) if not wrote_on(a, subject, m.date))
