"""A first derivation's threading and touches in one pass over the personal mail in date order
(``syncd.incremental.refresh`` when everything is derived afresh), with the memory of a batch
rather than of a closure: a mailbox threaded as one group (a reference chain through all of
it) holds no more than one of many small threads.

0. while classifying (``syncd.verdicts``), each message that may be personal has its touches
   (without their thread key), its memberships and what threading reads of it held by number
   (``syncd.first_held``);
1. every reference link between two personal messages, as numbers, into ``rules.threads.Roots``
   (eight bytes and a flag a message), in the order ``assign_threads`` links them;
2. the held personal messages in date order, as narrow rows, a batch at a time: each thread key
   as ``assign_threads`` gives it (``Roots``, ``SubjectThreads``), kept and written into
   ``facts`` at the end, in number order;
3. the held touches read back with their thread keys a thread at a time, marked
   (``syncd.touch_rows.marking_held``, the rows ``marking`` gives: a touch's mark needs its
   whole thread) and written; the held memberships written with their thread keys.

The results are those of ``assign_threads`` over all personal mail, which is what the
closures of a first derivation gave (threads never cross a closure).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator

from rules.people import Directory
from rules.threads import Roots, SubjectThreads
from syncd.config import Config
from syncd.first_held import Holder, people_of
from syncd.store.codec import dt
from syncd.store.derived import DerivedTables
from syncd.store.streamed import HeldTouch
from syncd.store.touches import Touch
from syncd.touch_rows import marking_held
from syncd.verdicts import BATCH


def derive_all(tables: DerivedTables, config: Config, directory: Directory, *,
               batch: int = BATCH, held: bool = False,
               done: Callable[[int], None] = lambda _n: None) -> None:
    """Thread every personal message and write its touches and memberships (into tables just
    reset: nothing derived yet), ``batch`` messages at a time. ``held``: the classification
    held every message that may be personal (step 0); otherwise they are held here first.
    ``done(n)`` after each batch of ``n`` messages threaded."""
    streamed = tables.streamed
    if not held:
        streamed.start()
        holder = Holder(streamed, config, directory)
        for messages in streamed.personal(batch):
            holder.hold(messages)
    size = streamed.numbers()
    roots = Roots(size)
    for ref, message in streamed.links():
        roots.link(ref, message)
    left = array("q", bytes(8 * size))  # per root: its messages not threaded yet
    linked, find = roots.linked, roots.find
    for n in range(size):
        if linked[n]:
            left[find(n)] += 1
    keys: dict[int, str] = {}  # per root met and not done, its key
    subjects = SubjectThreads()
    for rows in streamed.narrow_in_order(batch):
        threads: list[tuple[str, int]] = []
        met = set()
        found: list[int] = []  # each row's root (-1: not linked)
        for row in rows:  # a root in the batch gives its key; only the others are looked up
            if linked[n := row[0]]:
                if (root := find(n)) == n:
                    keys[n] = "r:" + row[1]
                met.add(root)
                found.append(root)
            else:
                found.append(-1)
        keys.update((root, "r:" + mid) for root, mid in streamed.message_ids(met - keys.keys()))
        for (n, message_id, ts, subject, thread_id, quotes, people), root in zip(
                rows, found, strict=True):
            if root >= 0:
                left[root] -= 1
                key = keys[root]
                if not left[root]:
                    del keys[root]
            if thread_id:  # a provider's thread comes first
                key = "t:" + thread_id
            elif root < 0:
                key = subjects.key_of(subject, message_id, dt(ts), bool(quotes),
                                      people_of(people))
            threads.append((key, n))
        streamed.set_threads(threads)
        done(len(rows))
    streamed.write_threads()
    tables.touches.rewrite((), _marked(streamed.held()))
    streamed.write_members()


def _marked(threads: Iterable[list[HeldTouch]]) -> Iterator[Touch]:
    """The held touches, marked a thread at a time (``marking_held``: ``marking`` of the
    same touches, without an ``Interaction`` each)."""
    for held in threads:
        yield from marking_held(held)
