"""The closure of a change: the messages that must be threaded again with it.

``closure`` follows references (either way) and shared normalised subjects (``facts``) from the
changed messages, and so on, until nothing more is linked: threads never cross a closure, so
its thread keys come out as a derivation over all mail would give them (``syncd.incremental``).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Iterable

from syncd.store.sql import chunks, column, marks


def closure(db: sqlite3.Connection, start: Iterable[str], *, forward: bool,
            runs: Runs | None = None) -> tuple[set[str], dict[str, float]]:
    """``start`` and every message linked to it by a reference, either way, or by a shared
    normalised subject, and so on; with ``forward``, by a subject only to the messages dated
    from the earliest such one on (the earlier ones keep their threads: what they leave open
    for the later ones is ``DerivedTables.subject_threads``). Returns the messages and, per
    subject, the time from which all its messages are in.

    ``runs`` (everything pending, nothing derived yet; not with ``forward``; a first
    derivation itself no longer goes by closures: ``syncd.first_pass``): by a subject only to
    the messages of its *runs* that hold a linked message, a run being the subject's messages
    with no two consecutive ones more than ``runs.gap`` seconds apart. No subject thread
    crosses a longer silence (``rules.threads``: a thread is joined only within
    ``SUBJECT_WINDOW`` of its newest message), so such a closure holds one run of "Re: lunch"
    instead of every "Re: lunch" of all its years."""
    found = set(start)
    frontier = set(found)
    since: dict[str, float] = {}
    if forward:
        runs = None
    if runs is not None:
        runs.new_closure()
    while frontier:
        wanted: dict[str, float] = {}
        stamps: dict[str, list[tuple[str, float]]] = {}
        for chunk in chunks(frontier, db):
            if runs is not None:
                for subject, message_id, ts in db.execute(
                        "SELECT subject_key, message_id, ts FROM facts WHERE "  # noqa: S608
                        f"subject_key != '' AND message_id IN ({marks(chunk)})", chunk):
                    stamps.setdefault(subject, []).append((message_id, ts))
                continue
            for subject, ts in db.execute(
                    "SELECT subject_key, min(ts) FROM facts WHERE subject_key != '' AND "  # noqa: S608
                    f"message_id IN ({marks(chunk)}) GROUP BY subject_key", chunk):
                floor = ts if forward else float("-inf")
                if floor < min(since.get(subject, float("inf")),
                               wanted.get(subject, float("inf"))):
                    wanted[subject] = floor
        since.update(wanted)
        linked: set[str] = set()
        if runs is not None:
            for subject, found_here in stamps.items():
                since[subject] = float("-inf")  # nothing before a run is open to it
                linked.update(runs.messages(db, subject, found_here))
        for subject, floor in wanted.items():
            linked.update(row[0] for row in db.execute(
                "SELECT message_id FROM facts WHERE subject_key != '' AND subject_key = ? "
                "AND ts >= ?", (subject, floor)))
        linked |= column(db, "SELECT r.ref FROM refs r JOIN facts f ON "
                             "f.message_id = r.ref WHERE r.message_id IN ({})", frontier)
        linked |= column(db, "SELECT message_id FROM refs WHERE ref IN ({})", frontier)
        frontier = linked - found
        found |= frontier
    return found, since


# Where the runs of one subject start: its first message, and each message more than the gap
# after the one before it.
_STARTS = """
SELECT ts FROM (
    SELECT ts, ts - lag(ts) OVER (ORDER BY ts) AS step FROM facts
    WHERE subject_key != '' AND subject_key = ?)
WHERE step IS NULL OR step > ?
"""


class Runs:
    """A subject's runs (``closure``), each subject's start times read once per derivation
    (a float per run, not a row per message: a long mailbox's subjects are read once, not at
    every closure that meets them)."""

    def __init__(self, gap: float) -> None:
        self.gap = gap
        self._starts: dict[str, list[float]] = {}
        self._taken: dict[str, set[int]] = {}

    def messages(self, db: sqlite3.Connection, subject: str,
                 linked: list[tuple[str, float]]) -> list[str]:
        """The messages of ``subject``'s runs that hold one of the ``linked`` messages (id,
        time) and were not taken before in this closure (``new_closure`` forgets)."""
        starts = self._starts.get(subject)
        if starts is None:
            starts = self._starts[subject] = [
                row[0] for row in db.execute(_STARTS, (subject, self.gap))]
        taken = self._taken.setdefault(subject, set())
        out: list[str] = []
        for _, ts in linked:
            run = bisect_right(starts, ts) - 1  # the stored times themselves: exact
            if run in taken:
                continue
            taken.add(run)
            if run + 1 < len(starts):
                rows = db.execute("SELECT message_id FROM facts WHERE subject_key != '' AND "
                                  "subject_key = ? AND ts >= ? AND ts < ?",
                                  (subject, starts[run], starts[run + 1]))
            else:
                rows = db.execute("SELECT message_id FROM facts WHERE subject_key != '' AND "
                                  "subject_key = ? AND ts >= ?", (subject, starts[run]))
            out.extend(row[0] for row in rows)
        return out

    def new_closure(self) -> None:
        self._taken.clear()
