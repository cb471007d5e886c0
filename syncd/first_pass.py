"""A first derivation's threading and touches in one pass over the personal mail in date order
(``syncd.incremental.refresh`` when everything is derived afresh), with the memory of a batch
rather than of a closure: a mailbox threaded as one group (a reference chain through all of
it) holds no more than one of many small threads.

1. every reference link between two personal messages, as numbers, into ``rules.threads.Roots``
   (eight bytes and a flag a message), in the order ``assign_threads`` links them;
2. the messages in date order, a batch at a time: each thread key as ``assign_threads`` gives
   it (``Roots``, ``SubjectThreads``; written into ``facts`` at the end, in number order),
   its touches held unmarked in a temporary table and its memberships written;
3. the held touches read back a thread at a time, marked (``syncd.touch_rows.marking_held``,
   the rows ``marking`` gives: a touch's mark needs its whole thread) and written.

The results are those of ``assign_threads`` over all personal mail, which is what the
closures of a first derivation gave (threads never cross a closure).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

from rules.people import Directory
from rules.threads import Roots, SubjectThreads
from syncd.config import Config
from syncd.interactions import (
    direct_code,
    intro_people,
    is_outbound,
    message_touches,
    participants,
)
from syncd.store.derived import DerivedTables
from syncd.store.streamed import HeldTouch
from syncd.store.touches import Touch
from syncd.touch_rows import marking_held
from syncd.verdicts import BATCH


def derive_all(tables: DerivedTables, config: Config, directory: Directory, *,
               batch: int = BATCH) -> None:
    """Thread every personal message and write its touches and memberships (into tables just
    reset: nothing derived yet), ``batch`` messages at a time."""
    streamed = tables.streamed
    size = streamed.numbers()
    roots = Roots(size)
    for ref, message in streamed.links():
        roots.link(ref, message)
    left = array("q", bytes(8 * size))  # per root: its messages not threaded yet
    for n in range(size):
        if roots.linked[n]:
            left[roots.find(n)] += 1
    keys: dict[int, str] = {}  # per root met and not done, its key
    subjects = SubjectThreads()
    people_of, sender_of = intro_people(config, directory)
    for messages in streamed.personal_in_order(batch):
        threads: list[tuple[str, int]] = []
        held: list[HeldTouch] = []
        members: list[tuple[str, str, str, float]] = []
        met = {roots.find(n) for n, _ in messages if roots.linked[n]}
        keys.update((root, "r:" + mid) for root, mid in streamed.message_ids(met - keys.keys()))
        for n, m in messages:
            if roots.linked[n]:
                root = roots.find(n)
                left[root] -= 1
                key = keys[root]
                if not left[root]:
                    del keys[root]
            if m.thread_id:  # a provider's thread comes first
                key = "t:" + m.thread_id
            elif not roots.linked[n]:
                key = subjects.key(m, participants(m, directory))
            threads.append((key, n))
            ts = m.date.timestamp()
            held.extend((key, ts, i.ref, i.person, i.direction, i.subject, direct_code(i),
                         a.email, a.name, int(i.answered))
                        for i, a in message_touches(m, key, config, directory))
            everyone = people_of(m) if is_outbound(m, directory) else [sender_of(m),
                                                                       *people_of(m)]
            members.extend((m.message_id, key, pid, ts) for pid in everyone)
        streamed.set_threads(threads)
        streamed.hold(held)
        tables.touches.add_members(members)
    streamed.write_threads()
    tables.touches.rewrite((), _marked(streamed.held()))


def _marked(threads: Iterable[list[HeldTouch]]) -> Iterator[Touch]:
    """The held touches, marked a thread at a time (``marking_held``: ``marking`` of the
    same touches, without an ``Interaction`` each)."""
    for held in threads:
        yield from marking_held(held)
