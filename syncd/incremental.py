"""Keep the derived tables (``syncd.store.derived``) in step with the store, re-deriving only
what new mail can change, with the same pure functions the full derivation uses
(``syncd.interactions``, ``rules.threads``, ``rules.introductions``, ``syncd.ledger``).

A cycle's ``refresh``:

1. classifies the messages stored or relabelled since the last cycle, once each
   (``syncd.verdicts``), and grows ``written_to``, marking the messages that flips;
2. marks the messages whose date ``now`` has passed;
3. re-threads the *closure* of what changed: every message sharing a normalised subject or a
   reference with it, and so on. Threads never cross a closure, so its thread keys come out as
   a derivation over all mail would give them; the touches of its messages (each marked with
   its place in its thread, ``syncd.ledger.marks``) and their memberships are replaced;
4. re-derives the meeting touches (few, and ``now`` decides which meetings happened) and the
   touches the user logged (``syncd touch``; their own table is never reset).

The work lists (``stale``, ``pending``) live in the store and closures are re-threaded one at a
time; a first derivation (everything, after a reset) goes instead in one pass over the personal
mail in date order (``syncd.first_pass``), holding a batch rather than a closure. The whole
refresh is one transaction, so a crash leaves the tables as the last cycle left them.

The ledgers themselves are not stored: ``syncd.store.ledgers`` recomputes them from the touches
every cycle.

When the rules or the config they read change (``fingerprint``), everything is re-derived once.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path

from rules.introductions import judge
from rules.people import Directory
from rules.threads import SUBJECT_WINDOW, Open, assign_threads
from syncd.config import Config
from syncd.first_pass import derive_all
from syncd.interactions import (
    LOGGED,
    Interaction,
    intro_people,
    intro_touches,
    is_outbound,
    logged_touches,
    meeting_touches,
    message_touches,
    participants,
)
from syncd.model import Address, Message
from syncd.store import Store
from syncd.store.derived import DerivedTables
from syncd.store.touches import Touch
from syncd.touch_rows import interaction, marking
from syncd.verdicts import BATCH, classify_stale

_ROOT = Path(__file__).resolve().parent.parent
# The code whose output the derived tables hold: a change to any of it re-derives everything.
_SOURCES = ("rules/classify.py", "rules/_signals.py", "rules/threads.py", "rules/asks.py",
            "rules/text_signals.py", "rules/addressed.py", "rules/quoted.py",
            "rules/introductions.py", "rules/identity.py", "rules/people.py",
            "syncd/interactions.py", "syncd/ledger.py", "syncd/incremental.py",
            "syncd/verdicts.py", "syncd/store/named.py", "syncd/store/closure.py",
            "syncd/store/derived.py", "syncd/store/touches.py", "syncd/first_pass.py",
            "syncd/touch_rows.py", "syncd/store/streamed.py", "syncd/first_held.py")


@cache
def _code_digest() -> bytes:
    """The rule code and data this process runs, read once: a daemon still running after an
    upgrade keeps deriving with the code it loaded, and says so."""
    digest = hashlib.sha256()
    paths = [_ROOT / s for s in _SOURCES] + sorted((_ROOT / "rules" / "data").glob("*.txt"))
    for path in paths:  # an install without sources (bytecode only) hashes the version instead
        code = path.read_bytes() if path.is_file() else version("syncd").encode()
        digest.update(path.name.encode() + b"\0" + code + b"\0")
    return digest.digest()


def fingerprint(config: Config, directory: Directory) -> str:
    """What the derived tables were made with: the rule code and data, the user's addresses,
    who is who (the addresses ``[[people]]`` and the address books merge into each person)
    and ``[ignore]``. Names, tags, birthdays, cadences and the rest of the config are read
    afresh every cycle."""
    digest = hashlib.sha256(_code_digest())
    digest.update(json.dumps({
        "self": sorted(directory.self_addresses),
        "self_name": sorted(directory.self_name),
        "people": directory.identity(),
        "ignore": asdict(config.ignore),
    }, sort_keys=True, default=str).encode())
    return digest.hexdigest()


# A subject's runs (``syncd.store.closure.Runs``) end at a silence longer than the subject
# window (a second more, against rounding of the stored times): no subject thread is joined
# across it.
_GAP = SUBJECT_WINDOW.total_seconds() + 1


# What a refresh tells as it goes (``syncd.engine.Observer.deriving``: the progress bar of
# ``syncd sync``, the daemon's watchdog pings through a long first derivation): the stage
# ("classifying", "threading", "indexing"), how many of its messages are done and how many
# there are (``None``: not known ahead).
Progress = Callable[[str, int, int | None], None]


def quiet(_stage: str, _done: int, _total: int | None) -> None:
    """A ``Progress`` that tells nobody."""


class _Counted:
    """A stage's running count, told to ``progress`` as it grows."""

    def __init__(self, progress: Progress, stage: str, total: int | None) -> None:
        self.progress, self.stage, self.total, self.done = progress, stage, total, 0
        progress(stage, 0, total)

    def __call__(self, n: int) -> None:
        self.done += n
        self.progress(self.stage, self.done, self.total)


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What a refresh did: messages classified, messages re-threaded, everything or not."""

    classified: int
    rederived: int
    full: bool


def refresh(config: Config, directory: Directory, store: Store, now: datetime,
            progress: Progress = quiet) -> Refreshed:
    """Bring the derived tables up to date with the store at ``now``, telling ``progress``
    how far it is."""
    tables = store.derived
    with tables.transaction():
        wanted = fingerprint(config, directory)
        full = tables.meta("fingerprint") != wanted
        if full:
            tables.drop_read_indexes()
            tables.reset()
            tables.set_meta("fingerprint", wanted)
        classify_stale(tables, store, config, directory, bulk=full,
                       done=_Counted(progress, "classifying", tables.stale_count()))
        classified = tables.stale_to_pending(keep=not full)  # (full: one pass, no pending)
        now_ts = now.timestamp()
        last = float(tables.meta("now") or "-inf")
        if not full:  # after a reset every message is pending already
            tables.pending_dated_between(min(last, now_ts), max(last, now_ts))
        tables.set_meta("now", repr(now_ts))
        tables.set_personal(now_ts, every=full)  # after a reset: every message
        rederived = 0
        if full:  # everything in one pass in date order (``syncd.first_pass``)
            rederived = classified
            derive_all(tables, config, directory, held=True,  # held by classify_stale
                       done=_Counted(progress, "threading", None))
            progress("indexing", 0, None)
            tables.build_read_indexes()
        # A few changes (a cycle's new mail) re-thread forward in time from each; a large
        # backfill goes group by group, each group whole.
        forward = len(tables.next_pending(BATCH + 1)) <= BATCH
        threaded = _Counted(progress, "threading", None) if not forward else None
        while seeds := tables.next_pending(BATCH):
            region, since = tables.closure(seeds, forward=forward)
            tables.done_pending(region)  # one transaction: the order within it is free
            size = len(region)
            rederived += size
            _rederive(tables, store, config, directory, region, since)
            if threaded is not None:
                threaded(size)
        _meetings(tables, store, config, directory, now)
    return Refreshed(classified, rederived, full)


def _rederive(tables: DerivedTables, store: Store, config: Config, directory: Directory,
              region: set[str], since: dict[str, float]) -> None:
    """Thread the personal messages of ``region`` and replace their touches and memberships.
    ``since``: per subject, from when all its messages are in ``region`` (the subject threads
    of the earlier ones are passed to the threading as they stand). Empties ``region`` once
    read (a large closure: its ids are not held beside the messages)."""
    old = tables.touches.message_rows(region)  # written over at the end, where they differ
    before = {row[5] for row in old}  # the threads they are in now
    personal = tables.personal_among(region)
    region.clear()
    messages = store.messages_by_id(personal, headers=False)
    del personal
    threads = assign_threads(messages, lambda m: participants(m, directory),
                             _open_threads(tables, store, directory, since))
    tables.set_threads(threads)
    people_of, sender_of = intro_people(config, directory)
    touched: list[tuple[Interaction, Address]] = []
    members: list[tuple[str, str, str, float]] = []
    messages.reverse()
    while messages:  # a large closure: each message goes once its touches and members are out
        m = messages.pop()
        thread, ts = threads[m.message_id], m.date.timestamp()
        touched.extend(message_touches(m, thread, config, directory))
        everyone = people_of(m) if is_outbound(m, directory) else [sender_of(m), *people_of(m)]
        members.extend((m.message_id, thread, pid, ts) for pid in everyone)
        if len(members) >= BATCH:
            tables.touches.add_members(members)
            members.clear()
    tables.touches.add_members(members)
    # A thread's earlier messages may lie outside the region (``since``): every touch in a
    # thread the region joined or left is marked again with the whole thread.
    region_rows = len(old)
    old.extend(tables.touches.thread_rows((set(threads.values()) | before) - {""},
                                          {row[0] for row in old}))
    del threads
    touched.extend((interaction(t[1:]), Address(t[8], t[9])) for t in old[region_rows:])
    # written as they come (a large closure holds no row list), only the rows that changed
    tables.touches.rewrite(old, marking(touched))


def _open_threads(tables: DerivedTables, store: Store, directory: Directory,
                  since: dict[str, float]) -> Open:
    """The subject threads that messages before ``since`` left open, as ``assign_threads``
    would hold them when it reaches that time: per key, its newest message and its people."""
    window = SUBJECT_WINDOW.total_seconds()
    out: Open = {}
    for subject, before in since.items():
        if before == float("-inf"):
            continue
        rows = tables.subject_threads(subject, before, window)
        if not rows:
            continue
        loaded = {m.message_id: m for m in store.messages_by_id(
            (mid for _, mid in rows), headers=False)}
        keys: dict[str, tuple[Message, frozenset[str]]] = {}
        for key, mid in rows:  # oldest first: keys in the order their threads began
            m = loaded[mid]
            _, seen = keys.get(key, (m, frozenset()))
            keys[key] = (m, seen | participants(m, directory))
        out[subject] = [(key, last, seen) for key, (last, seen) in keys.items()]
    return out


def _marked(touched: list[tuple[Interaction, Address]]) -> list[Touch]:
    """Touch rows, each with its ``Mark`` among the person's messages in its thread."""
    return list(marking(touched))


def _meetings(tables: DerivedTables, store: Store, config: Config, directory: Directory,
              now: datetime) -> None:
    """The meeting touches and the logged ones: few, and ``now`` decides which count."""
    for direction, touched in (
            ("meeting", meeting_touches(list(store.meetings()), config, directory, now)),
            (LOGGED, logged_touches(store.logged.all(), directory, now))):
        new = _marked(touched)
        if sorted(new) != sorted(tables.touches.touches_via(direction)):
            tables.touches.replace_touches_via(direction, new)


def histories(store: Store, people: Iterable[str]) -> dict[str, list[Interaction]]:
    out: dict[str, list[Interaction]] = defaultdict(list)
    for t in store.derived.touches.touches_of(people):
        out[t[2]].append(interaction(t))
    return out


def interactions_together(store: Store, people: Iterable[str]) -> list[Interaction]:
    """The interactions in the threads and meetings with 2 to 20 people that one of ``people``
    was in (what ``rules.weekly.together`` reads)."""
    return [interaction(t) for t in store.derived.touches.touches_together(people)]


def introductions(config: Config, directory: Directory, store: Store
                  ) -> tuple[list[Interaction], list[Interaction]]:
    """(given, received), judged from the stored memberships as ``rules.introductions.detect``
    judges them in one pass."""
    tables = store.derived
    people_of, sender_of = intro_people(config, directory)
    given: list[Interaction] = []
    received: list[Interaction] = []
    for m in store.messages_by_id(tables.first_intros()):
        recipients, mine = people_of(m), is_outbound(m, directory)
        # the user's: who shared a thread with whom before; theirs: only whether each
        # recipient was in any thread before, which one thread each tells
        threads_of = tables.touches.threads_before(
            [*recipients, sender_of(m)] if mine else recipients, m.date.timestamp(),
            m.message_id, one=not mine)
        intro = judge(m, recipients, threads_of, mine, sender_of)
        if intro is not None:
            found = intro_touches(intro, tables.thread_of(m.message_id))
            (given if intro.by == "self" else received).extend(found)
    return given, received
