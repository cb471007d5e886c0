"""What the calendar holds against what was recorded (pure; the engine calls it before planning).

Two gaps open between a calendar write and its record, and both are closed here from the sink's
snapshot (every event carrying our key, by key):

- **Uncertain writes.** A write whose answer never came back (a cut connection, a timeout) may
  or may not have happened. The engine records it as ``Uncertain`` (the operation and the record
  it would have made) and ``settle`` decides it from the next snapshot: a create whose event is
  there happened; an update happened when the event's ETag moved on from the one we recorded; a
  cancel happened when the event is gone, and is recorded as ``cancelled`` (``dismissed`` means
  the user deleted it).
- **Unrecorded events.** An event of ours with no record (a crash between the write and the
  record, a store rebuilt from scratch) is ``adopt``-ed: recorded as it stands (``live``), and
  the planner then keeps it when its follow-up is still wanted or cancels it when it is not; an
  event whose day has passed is history (``done``) and is never moved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from rules.candidates import Candidate
from syncd.model import Remote, Uncertain, Written

_KEY = re.compile(r"(?P<base>[0-9a-f]+?)(?:g(?P<generation>\d+))?")


def split_key(key: str) -> tuple[str, int]:
    """An event key as (base key, generation): ``<base>`` or ``<base>g<N>`` (base keys are
    lower-case hex, so the ``g`` is unambiguous). A key of another shape is its own base."""
    match = _KEY.fullmatch(key)
    if match is None:
        return key, 0
    return match["base"], int(match["generation"] or 0)


def settle(uncertain: Iterable[Uncertain], written: Mapping[str, Written],
           remote: Mapping[str, Remote]) -> list[Written]:
    """The records that uncertain writes turn into, given what the calendar holds now.

    A write that did not happen leaves no record (the recorded one stands and the planner
    decides again)."""
    settled: list[Written] = []
    for u in uncertain:
        there = remote.get(u.written.key)
        before = written.get(u.written.base_key)
        if u.op == "cancel":
            if there is None:
                settled.append(replace(before or u.written, state="cancelled"))
        elif there is not None and (u.op == "create" or _moved_on(before, there)):
            # Our start, not the one standing there: a user's move after ours reads as a move.
            settled.append(replace(u.written, remote_id=there.remote_id, etag=there.etag,
                                   state="live"))
    return settled


def _moved_on(before: Written | None, there: Remote) -> bool:
    """An update landed (or the user's edit overtook it) when the ETag is no longer ours."""
    return before is None or before.etag is None or there.etag != before.etag


def adopt(remote: Mapping[str, Remote], written: Mapping[str, Written],
          desired: Mapping[str, Candidate], now: datetime, tz: ZoneInfo) -> dict[str, Written]:
    """Records, by base key, for the events of ours that no record accounts for: a key whose
    base has no record, or only records of an older generation. The follow-up's anchor is taken
    from what the rules want now (the event is kept where it stands); an event whose day has
    passed is history (``done``, no anchor: a wanted follow-up gets a new generation)."""
    today = now.astimezone(tz).date()
    found: dict[str, Written] = {}
    for key, there in sorted(remote.items()):
        base, generation = split_key(key)
        record = written.get(base)
        if record is not None and generation <= record.generation:
            continue  # recorded (or an older generation, superseded)
        if base in found and found[base].generation >= generation:
            continue
        cand = desired.get(base)
        past = there.start.astimezone(tz).date() < today
        found[base] = Written(
            key=key, base_key=base, remote_id=there.remote_id, etag=there.etag,
            start=there.start, anchor="" if cand is None or past else cand.anchor,
            kind=cand.kind if cand is not None else "",
            person_id=cand.person if cand is not None else "",
            state="done" if past else "live", generation=generation)
    return found


def merged(written: Mapping[str, Written], newer: Iterable[Written]) -> dict[str, Written]:
    """``written`` with ``newer`` records in place of the ones of the same or an older
    generation (the newest record per base key, as the store keeps it)."""
    out = dict(written)
    for record in newer:
        known = out.get(record.base_key)
        if known is None or record.generation >= known.generation:
            out[record.base_key] = record
    return out
