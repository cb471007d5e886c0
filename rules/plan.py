"""Plan as data: what to do in the calendar, given what the rules want and what stands there.

Reconciliation (DESIGN.md section 4):

- One live event per base key. The due date moved because of a new touch: update it.
- Satisfied (no longer wanted, or now due beyond the horizon): delete it if it is still in the
  future; an event in the past stays as history and its record is closed (``done``).
- The user wins: an event the user moved is a snooze and keeps its time (until that day has
  passed); an event the user deleted is *dismissed* and comes back only with a new anchor (a new
  touch), as a new generation (``<base key>g<N>``: Google keeps deleted ids reserved).
- A follow-up syncd cancelled (no longer wanted) comes back, as a new generation, when it is
  wanted again, even for the same reason (a removed meeting un-does the touch that had moved
  it beyond the horizon); only the user's dismissal waits for a new touch.
- Events of ours that no record accounts for (``rules/reconcile.py`` adopts them) are planned
  like records: kept when wanted, cancelled when not (if still in the future).
- Mass-cancel guard: a plan that would remove or dismiss more than half of the live events (and
  at least ``GUARD_MINIMUM`` of them) raises ``PlanRefused`` unless forced. A provider that
  suddenly shows an empty calendar never wipes the records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rules.candidates import Candidate
from syncd.errors import PlanRefused
from syncd.model import FollowUp, Remote, Written

GUARD_MINIMUM = 3
LIVE = frozenset({"live", "snoozed"})
NOTICE_KINDS = frozenset({"reauth"})


@dataclass(frozen=True, slots=True)
class Create:
    followup: FollowUp


@dataclass(frozen=True, slots=True)
class Update:
    followup: FollowUp
    written: Written


@dataclass(frozen=True, slots=True)
class Cancel:
    written: Written


@dataclass(frozen=True, slots=True)
class Record:
    """A change to our records only: the calendar is left as it is."""

    written: Written
    why: str


Action = Create | Update | Cancel | Record


def event_key(base: str, generation: int) -> str:
    return base if generation == 0 else f"{base}g{generation}"


def plan(desired: Mapping[str, Candidate], placed: Mapping[str, datetime],
         written: Mapping[str, Written], remote: Mapping[str, Remote], now: datetime, *,
         horizon: timedelta, tz: ZoneInfo, render: Callable[[Candidate, datetime, str], FollowUp],
         force: bool = False, adopted: Mapping[str, Written] | None = None) -> list[Action]:
    """The actions that bring the calendar to what the rules want.

    ``adopted`` are records for events of ours that no record accounted for
    (``rules/reconcile.py``): they are planned as records (kept when wanted, cancelled when
    not) and recorded as found unless an action on them records them anyway."""
    adopted = adopted or {}
    today = now.astimezone(tz).date()
    horizon_end = now + horizon
    records = {**written, **adopted}
    actions: list[Action] = []
    live = [w for w in records.values() if w.state in LIVE]
    for base in sorted(set(desired) | set(records)):
        steps = _steps(desired.get(base), records.get(base), base in adopted, placed, remote,
                       now, today, horizon_end, tz, render)
        if base in adopted and not any(isinstance(a, (Update, Cancel, Record)) for a in steps):
            steps.insert(0, Record(adopted[base], "found in the calendar: adopted"))
        actions += steps
    _guard(actions, len(live), force)
    return actions


def _steps(cand: Candidate | None, record: Written | None, found: bool,
           placed: Mapping[str, datetime], remote: Mapping[str, Remote], now: datetime,
           today: date, horizon_end: datetime, tz: ZoneInfo,
           render: Callable[[Candidate, datetime, str], FollowUp]) -> list[Action]:
    """The actions for one base key. A ``found`` (adopted) record is not a standing event yet:
    it stays only when its follow-up is wanted within the horizon."""
    kept = record is not None and cand is not None and record.state in LIVE \
        and record.anchor == cand.anchor and not found  # standing events stay past the horizon
    wanted = cand is not None and (placed[cand.base_key] <= horizon_end or kept)
    if record is not None and record.state in LIVE:
        there = remote.get(record.key)
        if there is not None:
            return _live(cand if wanted else None, record, there, placed, now, today, tz, render)
        record = replace(record, state="dismissed")
        steps: list[Action] = [Record(record, "you deleted the event: dismissed")]
    else:
        steps = []
    if cand is None or not wanted:
        return steps
    if record is not None and record.anchor == cand.anchor and record.state != "cancelled":
        return steps  # dismissed (or done) for this very reason: wait for a new touch
    generation = 0 if record is None else record.generation + 1
    return [*steps, Create(render(cand, placed[cand.base_key],
                                  event_key(cand.base_key, generation)))]


def _live(cand: Candidate | None, record: Written, there: Remote, placed: Mapping[str, datetime],
          now: datetime, today: date, tz: ZoneInfo,
          render: Callable[[Candidate, datetime, str], FollowUp]) -> list[Action]:
    if cand is None:
        if there.start > now or _notice(record):  # a fixed account's notice goes
            return [Cancel(record)]
        return [Record(replace(record, state="done"), "satisfied; the past event stays")]
    moved = there.start != record.start and not _notice(record)  # a notice is not snoozed
    stale = there.start.astimezone(tz).date() < today  # its day has passed, still not done
    target = placed[cand.base_key]
    if cand.anchor != record.anchor or stale:
        if target == there.start and cand.anchor == record.anchor:
            return []
        return [Update(render(cand, target, record.key), record)]
    if moved:  # the user's snooze: their time wins
        if record.state != "snoozed":
            return [Record(replace(record, state="snoozed"), "you moved the event: snoozed")]
        return []
    if target != record.start:
        return [Update(render(cand, target, record.key), record)]
    return []


def _notice(written: Written) -> bool:
    """syncd's own notices (re-authorise an account): removed as soon as they are moot, even on
    their own day; never snoozed; not counted by the mass-cancel guard."""
    return written.kind in NOTICE_KINDS


def _guard(actions: list[Action], live: int, force: bool) -> None:
    removing = sum(1 for a in actions  # syncd's own re-authorisation notices do not count
                   if (isinstance(a, Cancel)
                       or (isinstance(a, Record) and a.written.state == "dismissed"))
                   and not _notice(a.written))
    if not force and removing >= GUARD_MINIMUM and removing * 2 > live:
        raise PlanRefused(removing, live)
