"""Threads: provider thread id, else the References / In-Reply-To chain, else the normalised
subject plus a shared participant within 30 days (Enron and other real corpora carry no
References headers); a reply or forward that quotes an earlier message joins a thread
of its subject within 30 days whoever it goes to; subjectless mail ("", "RE:") threads by its
people."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from rules.text_signals import QUOTES_OWN, QUOTES_REPLY, RESENDS
from syncd.model import Message

SUBJECT_WINDOW = timedelta(days=30)
NO_SUBJECT = "\x00"  # starts the thread subject of subjectless mail, followed by its people

_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|fw|fwd|wg|tr|rv|antw|ref|réf|odp|enc|r)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*"
    r"|\[[^\]]{1,40}\]\s*)+",
    re.IGNORECASE,
)


@lru_cache(maxsize=1024)  # asked of a message more than once, one ask after the other
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
    a part of the mail threads as it would among all of it (``syncd.incremental``).

    The same steps one message at a time, for a mailbox too large to hold: ``Roots`` (every
    reference linked first, in this order) and ``SubjectThreads`` (``syncd.first_pass``)."""
    node: dict[str, int] = {}  # one number per Message-ID
    for m in messages:
        node.setdefault(m.message_id, len(node))
    ids = list(node)
    roots = Roots(len(ids))
    for m in messages:
        for ref in (*m.references, *( [m.in_reply_to] if m.in_reply_to else [])):
            if ref in node and ref != m.message_id:
                roots.link(node[ref], node[m.message_id])

    threads: dict[str, str] = {}
    keys: dict[int, str] = {}  # one key string per thread, however many messages it has
    subjects = SubjectThreads(open_by_subject)
    for m in messages:
        if m.thread_id:
            threads[m.message_id] = "t:" + m.thread_id
        elif roots.linked[n := node[m.message_id]]:
            root = roots.find(n)
            key = keys.get(root)
            threads[m.message_id] = key if key is not None else keys.setdefault(
                root, "r:" + ids[root])
        else:
            threads[m.message_id] = subjects.key(m, participants(m))
    return threads


class Roots:
    """The References / In-Reply-To links as a union-find over message numbers ``0 ..
    size - 1``: a message's reference thread is keyed by its set's root, which depends on the
    order of the links (``assign_threads``: by message in date order, each message's
    references as it lists them, then its In-Reply-To). Eight bytes and a flag a message."""

    def __init__(self, size: int) -> None:
        self._parent = array("q", range(size))
        self.linked = bytearray(size)  # 1: in some link, so threaded by its root

    def find(self, x: int) -> int:
        parent = self._parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def link(self, ref: int, message: int) -> None:
        """``message`` references ``ref``: their sets join under ``ref``'s root."""
        ra, rb = self.find(ref), self.find(message)
        if ra != rb:
            self._parent[rb] = ra
        self.linked[ref] = self.linked[message] = 1


class SubjectThreads:
    """Subject threading, one message at a time in date order: the open threads of each
    subject (``Open``; those of earlier messages not passed in, ``open_by_subject``, as
    ``assign_threads`` takes them), a thread dropped once its newest message is out of the
    window of the message at hand (as short as a subject's threads of the last
    ``SUBJECT_WINDOW``, however long the mailbox)."""

    def __init__(self, open_by_subject: Open | None = None) -> None:
        # per subject: (key, the date of its newest message, everyone in it but the user)
        self._open = {k: [(key, m.date, seen) for key, m, seen in v]
                      for k, v in (open_by_subject or {}).items()}

    def key(self, m: Message, people: frozenset[str]) -> str:
        """The thread key of ``m`` (``people``: its participants but the user)."""
        return self.key_of(thread_subject(m, people), m.message_id, m.date,
                           quotes_earlier(m), people)

    def key_of(self, subject: str, message_id: str, date: datetime, quotes: bool,
               people: frozenset[str]) -> str:
        """``key`` of a message given as what it reads: its ``thread_subject``, Message-ID,
        date, whether it ``quotes_earlier`` and its people (a first derivation keeps these,
        not the message: ``syncd.first_pass``)."""
        if not subject:
            return "m:" + message_id
        candidates = self._open[subject] = [
            c for c in self._open.get(subject, ()) if date - c[1] <= SUBJECT_WINDOW]
        for index, (key, _, seen) in enumerate(candidates):
            if people & seen or quotes:
                candidates[index] = (key, date, seen | people)
                return key
        key = "s:" + message_id
        candidates.append((key, date, people))
        return key


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
