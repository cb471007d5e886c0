"""The classification stage of the derivation (``syncd.incremental``): each stored message is
classified once, and what the later stages read of it is kept as its ``facts`` row
(``syncd.store.derived``), with the addresses it names (``syncd.store.named``): the verdict,
and for inbound mail whose soft signals would yield to ``written_to`` the verdict it gets then
(so a later message to that sender flips it without classifying again). The stage also grows
``written_to``: the recipients of the user's personal mail and the people who answered it.

A cycle classifies its few new messages and checks, batch by batch, whom they add to
``written_to`` and which earlier verdicts that flips. A first derivation (``bulk``) classifies
everything into empty tables: it reads the messages in one scan of the table, writes the facts
without the indexes, builds them once at the end and finds every answer to the user's mail in
one join; everything is re-threaded after it anyway, so there is nothing to flip. While it
has each message in memory it also holds what threading reads of those that may be personal
(``syncd.first_held``), so the threading pass decodes no message again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rules._signals import subject_found
from rules.classify import ClassifyContext, classify_message, classify_soft, shape_of
from rules.identity import normalize_address
from rules.introductions import is_intro_subject
from rules.people import Directory
from rules.threads import normalize_subject, thread_subject
from syncd.config import Config
from syncd.first_held import Holder, may_be_personal
from syncd.interactions import classify_context
from syncd.model import Message
from syncd.parties import Parties, participants_in, parties
from syncd.store import Store
from syncd.store.derived import DerivedTables, Fact

BATCH = 2000


def classify_stale(tables: DerivedTables, store: Store, config: Config, directory: Directory,
                   *, bulk: bool = False, done: Callable[[int], None] = lambda _n: None
                   ) -> None:
    """Facts for the stale messages; grow ``written_to``; mark pending what that flips.
    ``bulk``: the derived tables were just reset (a first derivation); ``done(n)`` after each
    batch of ``n`` messages."""
    context = classify_context(config, directory.self_addresses)
    if bulk:
        tables.drop_fact_indexes()
    else:
        tables.named.ensure()
    everyone: set[str] = set()
    mine = directory.self_addresses
    holder = None
    if bulk:  # what threading will read of the mail, held while it is in memory
        tables.streamed.start()
        holder = Holder(tables.streamed, config, directory)
    for messages in (store.message_batches(BATCH) if bulk else _stale(tables, store)):
        ids = [m.message_id for m in messages]
        facts: list[Fact] = []
        refs: list[tuple[str, str]] = []
        written: set[str] = set()
        senders: dict[str, str] = {}
        named: list[tuple[str, str]] = []
        first = tables.streamed.numbers() if holder is not None else 0
        for k, m in enumerate(messages):
            p = parties(m, directory)
            ts = m.date.timestamp()
            fact = _fact(m, p, ts, directory, context)
            facts.append(fact)
            ref = m.message_id
            parent, references = m.in_reply_to, m.references
            if parent and (not references or references == (parent,)):  # most replies
                refs.append((ref, parent))
            elif parent or references:
                refs.extend((ref, r) for r in dict.fromkeys(
                    (*references, parent) if parent else references))
            addressed = {f[0] for f in p.to + p.cc}
            named.extend([(ref, a) for a in (addressed | {p.sender[0]} if p.sender is not None
                                             else addressed) - mine if a])
            if fact[4] and fact[2] == "personal":
                written |= addressed
            elif not fact[4] and fact[5]:
                senders[ref] = fact[5]
            if holder is not None and may_be_personal(fact[2], fact[3]):
                holder.add(first + k, m, p, ts)
        tables.put_facts(facts, refs, fresh=bulk)
        if holder is not None:  # facts written into emptied tables are numbered in order
            if tables.streamed.numbers() != first + len(facts):
                raise RuntimeError("a first derivation's facts were not numbered in order")
            holder.flush()
        tables.named.put(named, fresh=bulk)
        done(len(messages))
        if bulk:
            everyone |= written
            continue
        # who answered the user's personal mail, whichever of the two arrived first
        written |= tables.senders_replying_to(tables.mine_among(ids))
        written |= {senders[i] for i in tables.replying_to_mine(senders)}
        added = tables.add_written_to(written - directory.self_addresses)
        tables.add_pending(tables.soft_from(added))
    _SUBJECTS.clear()  # held only through a pass: a daemon keeps nothing between cycles
    _JUDGED.forget(None, None)
    directory.forget_facts()
    if bulk:
        tables.build_fact_indexes()
        tables.named.put_held()
        everyone |= tables.senders_answering_mine()
        tables.add_written_to(everyone - directory.self_addresses)


def _stale(tables: DerivedTables, store: Store) -> Iterator[list[Message]]:
    """The stale messages, a batch at a time."""
    after = 0
    while batch := tables.stale_after(after, BATCH):
        after = batch[-1][0]
        yield store.messages_by_id(message_id for _, message_id in batch)


def make_fact(m: Message, directory: Directory, context: ClassifyContext) -> Fact:
    return _fact(m, parties(m, directory), m.date.timestamp(), directory, context)


def _fact(m: Message, p: Parties, ts: float, directory: Directory, context: ClassifyContext
          ) -> Fact:
    """``make_fact`` of a message, its ``parties`` (under ``directory``) and its time stamp."""
    outbound = p.outbound
    subject, intro, findings = _SUBJECTS.get(m.subject) or _subject_facts(m.subject)
    key = shape_of(m, outbound, findings)
    memo = _JUDGED
    if memo.directory is not directory or memo.context is not context:
        memo.forget(directory, context)
    judged = memo.found.get(key)
    if judged is None:
        if len(memo.found) >= JUDGED_KEPT:
            memo.found.clear()
        judged = memo.found[key] = _judge(m, outbound, context)
    if not subject:  # no subject to thread by: its people (what thread_subject gives then)
        subject = thread_subject(m, participants_in(p))
    return (m.message_id, ts, *judged, subject, intro)


def _judge(m: Message, outbound: bool, context: ClassifyContext
           ) -> tuple[str, str | None, int, str]:
    """(verdict, soft verdict, outbound, sender) of a fact."""
    sender = normalize_address(m.sender.email) if m.sender is not None else ""
    if outbound or not sender:
        verdict, other = classify_message(m, context), None
    else:
        verdict, other = classify_soft(m, context)
    soft = other.verdict if other is not None and not verdict.personal else None
    return verdict.verdict, soft, int(outbound), sender


class _Judged:
    """Per message shape (``rules.classify.shape``): what ``_judge`` found, under one
    directory and context (another empties it). Mail repeats its shapes (a correspondent's
    messages to the user, the user's to them, a list's posts); emptied when it holds
    ``JUDGED_KEPT``, and after each classification pass."""

    __slots__ = ("context", "directory", "found")

    def __init__(self) -> None:
        self.forget(None, None)

    def forget(self, directory: Directory | None, context: ClassifyContext | None) -> None:
        self.directory, self.context = directory, context
        self.found: dict[tuple[object, ...], tuple[str, str | None, int, str]] = {}


_JUDGED = _Judged()
JUDGED_KEPT = 32_768


# Per subject: (normalised, introduction or not, what the classifier finds in it). Subjects
# repeat (a thread's, a list's); the dict is emptied when it holds SUBJECTS_KEPT, and after
# each classification pass.
_SUBJECTS: dict[str | None, tuple[str, int, tuple[object, ...]]] = {}
SUBJECTS_KEPT = 8192


def _subject_facts(subject: str | None) -> tuple[str, int, tuple[object, ...]]:
    """A subject's normalised form (``rules.threads.normalize_subject``, what ``thread_subject``
    gives when it is not empty), whether it reads as an introduction and what it says to the
    classifier (``rules._signals.subject_found``: part of a message's ``shape``), remembered
    per subject: a first derivation asks once per message, and subjects repeat."""
    found = _SUBJECTS.get(subject)
    if found is None:
        if len(_SUBJECTS) >= SUBJECTS_KEPT:
            _SUBJECTS.clear()
        found = _SUBJECTS[subject] = (normalize_subject(subject), int(is_intro_subject(subject)),
                                      subject_found(subject) if subject else ())
    return found
