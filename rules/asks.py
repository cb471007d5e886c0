"""Does a message ask something (the user's) or expect an answer (theirs)? Pure, per message
(DESIGN.md section 3: Open ask, Owed reply, Text signals).

Each answer is a named rule and its reason (``syncd why MESSAGE-ID`` shows them). The thread
decides the rest (``syncd.ledger.marks``): an ask is open, and a message owed an answer, only
while nothing later was written on its thread, by anyone.

With text signals (``Message.signals``, from ``rules.text_signals``) the author's own words
decide; without them (``message_text = "none"``, or a scope that does not allow it) the headers
do: a reply, a forward, thanks or congratulations in the subject ask nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from rules.text_signals import (
    ASK,
    AUTOMATED,
    BROADCAST,
    CALL_ONLY,
    FORWARD,
    QUOTES_OWN,
    QUOTES_REPLY,
    RESENDS,
    RSVP,
    SHORT_QUESTION,
    THANKS,
    asked,
    quoted_from,
)
from rules.threads import normalize_subject
from syncd.model import Address, Message

# An inbound message to more people than this (the user aside) is an announcement.
ANNOUNCEMENT_RECIPIENTS = 5
# This many others in To besides the user, with nobody greeted by name: a question to a group.
GROUP_TO = 2

_COUNT = r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
_REPLY = re.compile(r"^\s*(?:re|aw|sv|vs|antw|odp|r)" + _COUNT, re.IGNORECASE)
_FORWARD = re.compile(r"^\s*(?:fw|fwd|wg|tr|rv|enc|vb)" + _COUNT, re.IGNORECASE)
_THANKS_WORDS = r"\b(?:thanks|thank you|thx|congrat\w*|kudos|welcome aboard|well done)\b"
_THANKS = re.compile(_THANKS_WORDS, re.IGNORECASE)
# ``_THANKS`` for case-folded text (``normalize_subject``), where it finds the same: no folded
# character but the pattern's own letters is one of them ignoring case (the Kelvin sign and
# the long s fold to "k" and "s"); without ``IGNORECASE``, and turned down at a character no
# word of it starts with, it costs about half.
_THANKS_FOLDED = re.compile(r"(?=[tckw])" + _THANKS_WORDS)

Rule = tuple[bool, str, str]  # (yes, rule name, reason)


def is_reply(m: Message) -> bool:
    return m.in_reply_to is not None or subject_reads(m.subject)[0]


def is_forward(m: Message) -> bool:
    return subject_reads(m.subject)[1]


@lru_cache(maxsize=1024)  # asked up to three times of a message, one after the other
def subject_reads(subject: str | None) -> tuple[bool, bool, bool]:
    """(a reply's "Re:", a forward's "Fwd:", thanks or congratulations) of a subject."""
    found = _REPLY_OR_FORWARD.match(subject or "")
    return (found is not None and found.group(1) is not None,
            found is not None and found.group(1) is None,
            bool(_THANKS_FOLDED.search(normalize_subject(subject))))


# ``_REPLY`` and ``_FORWARD`` in one match, the reply's word as its group: no subject matches
# both (their words part at the first letter, "r" against "rv" and "vs" against "vb" at the
# second, which ``_COUNT`` cannot take), so the group says which one matched.
_REPLY_OR_FORWARD = re.compile(
    r"^\s*(?:(re|aw|sv|vs|antw|odp|r)|fw|fwd|wg|tr|rv|enc|vb)" + _COUNT, re.IGNORECASE)


UNREAD_FORWARD: Rule = (False, "forward", ("a forward (Fwd:) whose quoted part was not found "
                                          "in its text: judged from the headers, an FYI"))


BROADCAST_RULE: Rule = (False, "announcement", ("its text addresses everyone (\"all "
                                                "employees\", \"Dear colleagues\"): an "
                                                "announcement"))


def _quote_unread(m: Message, quote_flags: frozenset[str]) -> bool:
    """A Fwd: whose text was read but none of ``quote_flags`` found its quoted part."""
    return m.signals is not None and is_forward(m) and not quote_flags.intersection(m.signals)


_OUT_QUOTES = frozenset({FORWARD, QUOTES_REPLY, RESENDS, QUOTES_OWN})  # ``outbound_ask_of``
_IN_QUOTES = frozenset({FORWARD, QUOTES_REPLY, QUOTES_OWN})  # ``inbound_expects_of``


def outbound_ask(m: Message, is_self: Callable[[Address], bool]) -> Rule:
    """Does the user's message ask something of its recipients?"""
    return outbound_ask_of(m, any(not is_self(a) for a in (*m.to, *m.cc)),
                           m.sender is not None and bool(m.sender.email)
                           and not is_self(m.sender))


def outbound_ask_of(m: Message, others: bool, delegate: bool) -> Rule:
    """``outbound_ask`` given what it asks of the addresses: someone but the user among the
    recipients (``others``), a sender with an address that is not the user's (``delegate``)."""
    if not others:
        return False, "no_recipients", "addressed to nobody but you (a note or a draft)"
    if delegate:
        return False, "delegate", ("sent from your mailbox by someone else (an assistant, from "
                                   "their own address): their ask, answered to them")
    if m.signals is not None:
        if _quote_unread(m, _OUT_QUOTES):
            return UNREAD_FORWARD
        if BROADCAST in m.signals:
            return BROADCAST_RULE
        if RESENDS in m.signals:
            return True, "resends_your_ask", ("it forwards or quotes your own earlier message "
                                              "that asked something: you asked again")
        if FORWARD in m.signals:
            return False, "forward_nothing_added", "a forward with nothing added: an FYI"
        if ASK in m.signals and CALL_ONLY in m.signals:
            return False, "call_only", (
                "all it asks is a call (\"give me a call\"): its answer is the call, which no "
                "mail shows")
        if ASK in m.signals:
            return True, "text_asks", "its text asks something (a question, a request, a date)"
        if THANKS in m.signals:
            return False, "thanks", "thanks or congratulations; nothing asked"
        return False, "text_asks_nothing", "its text asks nothing (no question or request)"
    if m.in_reply_to is not None:  # ``is_reply``
        return YOUR_REPLY
    reply, forward, thanks = subject_reads(m.subject)
    if reply:
        return YOUR_REPLY
    if forward:
        return False, "forward", "a forward (Fwd:), judged from the headers alone: an FYI"
    if thanks:
        return False, "thanks", "thanks or congratulations in the subject; nothing asked"
    return True, "new_message", "a new message of yours (headers only: no text signals)"


YOUR_REPLY: Rule = (False, "your_reply", ("a reply of yours (Re: or In-Reply-To): the other "
                                          "side spoke last, you were answering"))


def inbound_expects(m: Message, is_self: Callable[[Address], bool]) -> Rule:
    """Does their message expect an answer from the user?"""
    to_others = sum(1 for a in m.to if not is_self(a))
    return inbound_expects_of(m, is_self, to_others < len(m.to),
                              to_others + sum(1 for a in m.cc if not is_self(a)), to_others)


def inbound_expects_of(m: Message, is_self: Callable[[Address], bool], in_to: bool,
                       others: int, to_others: int) -> Rule:
    """``inbound_expects`` given what it asks of the addresses: the user in To (``in_to``),
    how many recipients are not the user (``others``), of them in To (``to_others``);
    ``is_self`` for the people its words greet by name."""
    signals = m.signals
    named = None if signals is None else asked(signals)
    if named is not None and not any(is_self(Address(a)) for a in named):
        return False, "asks_someone_else", "its words ask someone else by name, not you"
    if named is None and not in_to:
        return False, "copied", "you were only copied (Cc or Bcc)"
    if others > ANNOUNCEMENT_RECIPIENTS:
        return False, "announcement", (f"sent to {others} people besides you "
                                       f"(more than {ANNOUNCEMENT_RECIPIENTS}: an announcement)")
    if named is None and to_others >= GROUP_TO and not (
            signals is not None and RSVP in signals):  # each invited answers for themselves
        return False, "group_question", (
            "a question to several people at once (you and others in To, nobody greeted by "
            "name): anyone may answer")
    if signals is not None:
        if AUTOMATED in signals:
            return False, "automated", "its text says a program sent it (do not reply)"
        if BROADCAST in signals:
            return BROADCAST_RULE
        if _quote_unread(m, _IN_QUOTES):
            return UNREAD_FORWARD
        if FORWARD in signals:
            return False, "forward_nothing_added", "a forward with nothing added: an FYI"
        if ASK in signals and SHORT_QUESTION in signals and any(
                is_self(Address(a)) for a in quoted_from(signals)):
            return False, "short_question", (
                "a short question back on your own message (\"why?\", \"was it?\"), no "
                "request: a turn in a conversation by mail, not an answer you owe")
        if ASK in signals:
            return True, "text_asks", "its text asks you something (a question, a request)"
        if THANKS in signals:
            return False, "thanks", "thanks or congratulations; nothing asked"
        return False, "text_asks_nothing", "its text asks nothing (an FYI, a note)"
    _, forward, thanks = subject_reads(m.subject)
    if forward:
        return False, "forward", "a forward (Fwd:), judged from the headers alone: an FYI"
    if thanks:
        return False, "thanks", "thanks or congratulations in the subject; nothing asked"
    return True, "direct_message", "a message to you (headers only: no text signals)"
