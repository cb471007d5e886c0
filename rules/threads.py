"""Threads: provider thread id, else the References / In-Reply-To chain, else the normalised
subject plus a shared participant within 30 days (Enron and other real corpora carry no
References headers); a reply or forward that quotes an earlier message joins a thread
of its subject within 30 days whoever it goes to; subjectless mail ("", "RE:") threads by its
people."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import timedelta

from rules.text_signals import QUOTES_OWN, QUOTES_REPLY, RESENDS
from syncd.model import Message

SUBJECT_WINDOW = timedelta(days=30)
NO_SUBJECT = "\x00"  # starts the thread subject of subjectless mail, followed by its people

_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|fw|fwd|wg|tr|rv|antw|ref|réf|odp|enc|r)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*"
    r"|\[[^\]]{1,40}\]\s*)+",
    re.IGNORECASE,
)


def normalize_subject(subject: str | None) -> str:
    """``"RE: Fwd: [team] Lunch  plans"`` -> ``"lunch plans"``."""
    if not subject:
        return ""
    return " ".join(_PREFIX.sub("", subject).split()).casefold()


# Per normalised subject, the subject threads a later message may join, oldest first:
# (key, the newest message in it, everyone in it but the user).
Open = dict[str, list[tuple[str, Message, frozenset[str]]]]


def assign_threads(
    messages: Sequence[Message], participants: Callable[[Message], frozenset[str]],
    open_by_subject: Open | None = None,
) -> dict[str, str]:
    """Map each message id to a thread key. ``messages`` must be sorted by date.

    ``open_by_subject``: the subject threads of earlier messages not passed in (each subject's
    messages from some time on are, with everything they reference or are referenced by), so
    a part of the mail threads as it would among all of it (``syncd.incremental``)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    known = {m.message_id for m in messages}
    linked: set[str] = set()
    for m in messages:
        for ref in (*m.references, *( [m.in_reply_to] if m.in_reply_to else [])):
            if ref in known and ref != m.message_id:
                union(ref, m.message_id)
                linked.update((ref, m.message_id))

    threads: dict[str, str] = {}
    open_by_subject = {k: list(v) for k, v in (open_by_subject or {}).items()}
    for m in messages:
        if m.thread_id:
            threads[m.message_id] = "t:" + m.thread_id
        elif m.message_id in linked:
            threads[m.message_id] = "r:" + find(m.message_id)
        else:
            threads[m.message_id] = _by_subject(m, participants(m), open_by_subject)
    return threads


def quotes_earlier(m: Message) -> bool:
    """A message whose text quotes an earlier one (``rules.text_signals``): it belongs with the
    open thread of its subject even when it goes to other people (the user forwarding an answer
    to an assistant, approving by mail to a processing mailbox). Lotus Notes and some phones
    forward and reply without a "Re:" or "Fwd:", so the quote is the evidence, not the prefix."""
    return m.signals is not None and any(
        flag in m.signals for flag in (QUOTES_REPLY, RESENDS, QUOTES_OWN))


def thread_subject(m: Message, people: frozenset[str]) -> str:
    """The subject a message threads by: its normalised subject; for a message without one
    ("", "RE:"), its people, so a subjectless back-and-forth with the same people is one
    conversation (within ``SUBJECT_WINDOW``) rather than one thread per message."""
    subject = normalize_subject(m.subject)
    if subject or not people:
        return subject
    return NO_SUBJECT + " ".join(sorted(people))


def _by_subject(m: Message, people: frozenset[str], open_by_subject: Open) -> str:
    subject = thread_subject(m, people)
    if not subject:
        return "m:" + m.message_id
    candidates = open_by_subject.setdefault(subject, [])
    quotes = quotes_earlier(m)
    for index, (key, last, seen) in enumerate(candidates):
        if m.date - last.date <= SUBJECT_WINDOW and (people & seen or quotes):
            candidates[index] = (key, m, seen | people)
            return key
    key = "s:" + m.message_id
    candidates.append((key, m, people))
    return key
