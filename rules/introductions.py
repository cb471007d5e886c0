"""Introductions: a new thread whose To/Cc holds two or more people who have never shared a
thread, with an introduction subject (DESIGN.md section 3).

Sent by the user, it is an introduction *given* to each person introduced. Sent by X to the user
and Y (someone the user has never shared a thread with), it is an introduction *received* from X.
Pure: messages in, (message, credited person) pairs out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from syncd.model import Message

INTRO_SUBJECT = re.compile(
    r"\b(?:intro|intros|introduction|introductions|introducing|meet|connecting|connect|"
    r"vorstellung|kennenlernen|mise en relation|présentation|presentación|presentazione)\b"
    r"|<\s*-?\s*>|\S\s+/\s+\S|\S\s+x\s+\S.*\bintro",
    re.IGNORECASE,
)
_REPLY = re.compile(r"\s*(re|aw|sv|fwd?|wg)\s*:", re.IGNORECASE)
# ``INTRO_SUBJECT`` for an ASCII subject in lower case, which it matches exactly when it
# matches the subject (no ASCII character is the same as another letter of the pattern but
# in case), about half the work; and its words alone, which are all it can match when the
# subject holds no "<", "/" or "intro": most subjects are then turned down at the first
# character that cannot start a word of it, a third of the work.
_INTRO_LOWER = re.compile(INTRO_SUBJECT.pattern)
_INTRO_WORDS = re.compile(
    r"(?=[imcvkp])\b(?:intro|intros|introduction|introductions|introducing|meet|connecting|"
    r"connect|vorstellung|kennenlernen|mise en relation|présentation|presentación|"
    r"presentazione)\b")


def is_intro_subject(subject: str | None) -> bool:
    """``"Intro: Jane <> Omar"``, ``"Jane / Omar"``, ``"Connecting you two"``; not replies."""
    if not subject or _REPLY.match(subject):
        return False
    if not subject.isascii():
        return INTRO_SUBJECT.search(subject) is not None
    text = subject.lower()
    if "<" in text or "/" in text or "intro" in text:
        return _INTRO_LOWER.search(text) is not None
    return _INTRO_WORDS.search(text) is not None


@dataclass(frozen=True, slots=True)
class Introduction:
    message: Message
    by: str  # "self" or the introducer's person id
    people: tuple[str, ...]  # who was introduced (person ids, without the user)


def detect(messages: Sequence[Message], threads: dict[str, str], *, outbound: Callable[[Message],
           bool], people_of: Callable[[Message], list[str]], sender_of: Callable[[Message], str]
           ) -> list[Introduction]:
    """``messages`` sorted by date (personal mail only); ``people_of`` the non-self person ids
    in To/Cc; ``sender_of`` the sender's person id."""
    threads_of: dict[str, set[str]] = {}
    seen: set[str] = set()
    found: list[Introduction] = []
    for m in messages:
        thread = threads[m.message_id]
        recipients = people_of(m)
        if thread not in seen and is_intro_subject(m.subject):
            intro = judge(m, recipients, threads_of, outbound(m), sender_of)
            if intro is not None:
                found.append(intro)
        seen.add(thread)
        everyone = [*recipients] if outbound(m) else [sender_of(m), *recipients]
        for pid in everyone:
            threads_of.setdefault(pid, set()).add(thread)
    return found


def judge(m: Message, recipients: list[str], threads_of: dict[str, set[str]], mine: bool,
           sender_of: Callable[[Message], str]) -> Introduction | None:
    """Is ``m`` (opening its thread, with an introduction subject) an introduction, given the
    threads each person was in before it (``threads_of``)?"""
    if mine:
        targets = tuple(dict.fromkeys(recipients))
        strangers = any(not (threads_of.get(a, set()) & threads_of.get(b, set()))
                        for a, b in itertools.combinations(targets, 2))
        return Introduction(m, "self", targets) if len(targets) >= 2 and strangers else None
    by = sender_of(m)
    new = tuple(p for p in dict.fromkeys(recipients) if p != by and not threads_of.get(p))
    return Introduction(m, by, new) if new else None
