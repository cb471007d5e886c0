"""One cycle: pull, store, derive, plan, apply. The one place that orders I/O.

``syncd sync`` runs one cycle; the daemon runs the very same ``run_cycle`` in a loop. One failing
account never stops the others; the plan is data, applied one action at a time with each write
recorded at once, so a crash between two writes loses nothing and doubles nothing. Before
planning, the calendar's snapshot settles the writes whose answer was lost (recorded as
uncertain) and adopts the events of ours that no record accounts for (``rules/reconcile.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from connectors.base import CalendarSink, Source
from rules.placement import place
from rules.plan import LIVE, Action, Cancel, Create, Record, Update, plan
from rules.reconcile import adopt, merged, settle, split_key
from syncd.auth import reauth
from syncd.config import Config
from syncd.errors import (
    AuthError,
    ConnectorError,
    CursorExpired,
    PlanRefused,
    ProtocolError,
    TransientError,
)
from syncd.model import Remote, Uncertain, Written
from syncd.pipeline import Snapshot, compute_from_store
from syncd.render import render
from syncd.store import Store

log = logging.getLogger("syncd.engine")
# Marks a log record whose news the CycleReport also carries: `syncd sync` shows the report and
# drops these (one failure, said once); the daemon's journal keeps them.
REPORTED = {"reported": True}


class Observer:
    """Progress hooks (the CLI draws bars with them; the daemon pings the watchdog)."""

    def page(self, account: str, items: int) -> None:
        """A page from ``account`` was stored."""

    def applied(self, action: Action) -> None:
        """A calendar action was applied and recorded."""

    def deriving(self, stage: str, done: int, total: int | None) -> None:
        """The derivation got on (``syncd.incremental.Progress``): a first derivation of a
        big mailbox takes minutes on a small machine."""

    def should_stop(self) -> bool:
        """Asked between pages and between actions: True ends the cycle there (all committed)."""
        return False


@dataclass
class AccountResult:
    name: str
    type: str
    state: str = "ok"  # ok / backoff / needs_auth / error
    items: int = 0
    quarantined: int = 0
    error: str | None = None
    retry_after: float | None = None


@dataclass
class CycleReport:
    accounts: list[AccountResult] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    applied: list[Action] = field(default_factory=list)
    placed: dict[str, datetime] = field(default_factory=dict)
    snapshot: Snapshot | None = None
    refused: PlanRefused | None = None
    sink_error: str | None = None
    sink_state: str = "ok"

    @property
    def exit_code(self) -> int:
        states = {a.state for a in self.accounts} | {self.sink_state}
        if "needs_auth" in states:
            return 77
        if "backoff" in states:
            return 75
        if "error" in states or self.refused is not None:
            return 1
        return 0


def run_cycle(config: Config, store: Store, sources: Mapping[str, Source],
              sink: CalendarSink | None, now: datetime, *, dry_run: bool = False,
              force: bool = False, observer: Observer | None = None,
              types: Mapping[str, str] | None = None) -> CycleReport:
    observer = observer or Observer()
    report = CycleReport()
    for name, source in sources.items():
        if observer.should_stop():
            source.close()
            continue
        result = AccountResult(name, (types or {}).get(name, ""))
        report.accounts.append(result)
        _pull_account(store, source, result, observer)
        store.set_status(name, result.state, error=result.error)
    if observer.should_stop():
        return report
    snapshot = compute_from_store(config, store, now, observer.deriving)
    snapshot.candidates.update(reauth.candidates(config, store.statuses(), now))
    report.snapshot = snapshot
    if sink is None:
        report.placed = placement(config, snapshot, {}, {}, now)
        return report
    try:
        remote = sink.snapshot()
    except ConnectorError as exc:
        report.sink_error, report.sink_state = str(exc), _state_of(exc)
        log.warning("follow-up calendar unavailable: %s", exc, extra=REPORTED)
        return report
    tz = ZoneInfo(config.me.timezone)
    settled = settle(store.uncertain(), store.written(), remote)
    if not dry_run:
        store.settle(settled, sink=sink.name)
    written = merged(store.written(), settled)
    adopted = adopt(remote, written, snapshot.candidates, now, tz)
    report.placed = placement(config, snapshot, merged(written, adopted.values()), remote, now)
    try:
        report.actions = plan(
            snapshot.candidates, report.placed, written, remote, now,
            horizon=config.followups.horizon, tz=tz, force=force, adopted=adopted,
            render=lambda c, start, key: render(config, snapshot.directory, snapshot.ledgers,
                                                c, start, key))
    except PlanRefused as exc:
        report.refused = exc
        return report
    if not dry_run:
        _apply(store, sink, report, observer)
    return report


def _pull_account(store: Store, source: Source, result: AccountResult,
                  observer: Observer) -> None:
    try:
        try:
            _ingest(store, source, result, observer)
        except CursorExpired as exc:
            said = str(exc) if exc.account else f"{source.name}: {exc}"  # (named once)
            log.warning("%s; resyncing from scratch (upsert, then sweep)", said)
            store.forget_cursor(source.name)
            _ingest(store, source, result, observer)  # one bounded resync per cycle
    except AuthError as exc:
        result.state, result.error = "needs_auth", str(exc)
    except TransientError as exc:
        result.state, result.error, result.retry_after = "backoff", str(exc), exc.retry_after
    except ConnectorError as exc:
        result.state, result.error = "error", str(exc)
    finally:
        source.close()
    if result.error:
        log.warning("%s", result.error, extra=REPORTED)


def _ingest(store: Store, source: Source, result: AccountResult, observer: Observer) -> None:
    for page in source.pull(store.cursor(source.name)):
        store.ingest(source.name, page)
        result.items += len(page.items)
        result.quarantined += len(page.quarantined)
        observer.page(source.name, len(page.items))
        if observer.should_stop():
            return  # this page and its cursor are committed; the next run resumes after it


def _state_of(exc: ConnectorError) -> str:
    if isinstance(exc, AuthError):
        return "needs_auth"
    if isinstance(exc, TransientError):
        return "backoff"
    return "error"


def placement(config: Config, snapshot: Snapshot, written: Mapping[str, Written],
               remote: Mapping[str, Remote], now: datetime) -> dict[str, datetime]:
    """Place every wanted follow-up; standing events (same anchor, day not past) keep theirs.
    Re-authorisation notices are all-day events today and take no slot."""
    tz = ZoneInfo(config.me.timezone)
    today = now.astimezone(tz).date()
    notices = {k: reauth.all_day_start(now, tz) for k, c in snapshot.candidates.items()
               if c.kind == reauth.KIND}
    pinned: dict[str, datetime] = {}
    for base, record in written.items():
        cand = snapshot.candidates.get(base)
        there = remote.get(record.key)
        if (record.state in LIVE and cand is not None and there is not None
                and base not in notices
                and cand.anchor == record.anchor and there.start.astimezone(tz).date() >= today):
            pinned[base] = there.start
    f = config.followups
    placed = place([c for c in snapshot.candidates.values() if c.base_key not in notices],
                   pinned, now, at=f.time, duration=f.duration, working_days=f.working_days,
                   max_per_day=f.max_per_day, tz=tz)
    return placed | notices


def _apply(store: Store, sink: CalendarSink, report: CycleReport, observer: Observer) -> None:
    for action in report.actions:
        if observer.should_stop():
            return
        try:
            written = _apply_one(sink, action)
        except ConnectorError as exc:
            # The request may have reached the calendar: the next snapshot settles it.
            if (doubt := _uncertain(action)) is not None:
                store.record_uncertain(doubt, sink=sink.name)
            if isinstance(exc, ProtocolError):
                log.warning("skipped one calendar change: %s", exc)
                continue
            report.sink_error, report.sink_state = str(exc), _state_of(exc)
            log.warning("stopped writing follow-ups: %s", exc, extra=REPORTED)
            return
        store.record_write(written, sink=sink.name)
        report.applied.append(action)
        observer.applied(action)


def _state(written: Written) -> str:
    """A sink may find the user deleted the event it was asked to write (Google keeps the id
    reserved): that is a dismissal, recorded as such; anything else is live."""
    return "dismissed" if written.state == "dismissed" else "live"


def _uncertain(action: Action) -> Uncertain | None:
    """What a calendar write would have recorded, had its answer come back."""
    if isinstance(action, Create):
        f = action.followup
        return Uncertain("create", Written(
            key=f.key, base_key=f.base_key, remote_id="", etag=None, start=f.start.astimezone(UTC),
            anchor=f.anchor, kind=f.kind, person_id=f.person_id,
            generation=split_key(f.key)[1]))
    if isinstance(action, Update):
        f, before = action.followup, action.written
        return Uncertain("update", replace(before, start=f.start.astimezone(UTC),
                                           anchor=f.anchor, state="live"))
    if isinstance(action, Cancel):
        return Uncertain("cancel", action.written)
    return None  # a record only: nothing was sent


def _apply_one(sink: CalendarSink, action: Action) -> Written:
    if isinstance(action, Create):
        base = action.followup.base_key
        generation = int(action.followup.key[len(base) + 1:] or 0)
        done = sink.create(action.followup)
        return replace(done, state=_state(done), generation=generation)
    if isinstance(action, Update):
        done = sink.update(action.followup, action.written)
        return replace(done, state=_state(done), generation=action.written.generation)
    if isinstance(action, Cancel):
        sink.cancel(action.written)
        return replace(action.written, state="cancelled")
    assert isinstance(action, Record)
    return action.written
