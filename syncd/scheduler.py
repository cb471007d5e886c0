"""When the daemon pulls each account and refreshes the plan: pure functions of state and ``now``.

Each account is pulled every ``[daemon] poll_<type>`` (IMAP IDLE pushes sooner, see
``syncd/daemon.py``). A failure (network, server, authorisation) backs off that account alone,
exponentially with jitter as tenacity's ``wait_exponential_jitter`` does (``initial * 2**(n-1)``
plus up to ``initial`` of jitter, at most ``maximum``), and never sooner than the provider's
``Retry-After``. The plan is refreshed at least every ``plan_every`` and at each local midnight,
so due dates roll forward when no mail arrives. A cycle takes along the healthy accounts due
within a minute, so accounts whose polls drifted a few seconds apart share one cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.config import Daemon

FAILED = frozenset({"backoff", "needs_auth", "error"})


@dataclass(frozen=True, slots=True)
class AccountPlan:
    name: str
    type: str
    next_due: datetime
    failures: int = 0  # consecutive failed pulls


@dataclass(frozen=True, slots=True)
class Schedule:
    accounts: Mapping[str, AccountPlan]
    plan_due: datetime


def interval(settings: Daemon, account_type: str) -> timedelta:
    """How often an account of this type is pulled when all is well."""
    if account_type in ("gmail", "google_calendar", "google_contacts"):
        return settings.poll_gmail
    if account_type == "outlook":
        return settings.poll_outlook
    if account_type in ("caldav", "carddav"):
        return settings.poll_caldav
    return settings.poll_imap


def start(accounts: Iterable[tuple[str, str]], now: datetime) -> Schedule:
    """Everything due at once: the first cycle pulls every account and plans."""
    return Schedule({name: AccountPlan(name, kind, now) for name, kind in accounts}, now)


def due(schedule: Schedule, now: datetime, *, early: timedelta = timedelta(0)) -> list[str]:
    """The accounts to pull at ``now``. When anything is due (an account or the plan), healthy
    accounts due within ``early`` come along: one cycle instead of two a few seconds apart. An
    account backing off never comes early."""
    names = [a.name for a in schedule.accounts.values() if a.next_due <= now]
    if not names and schedule.plan_due > now:
        return []
    return [a.name for a in schedule.accounts.values()
            if a.next_due <= now or (not a.failures and a.next_due <= now + early)]


def backoff(failures: int, *, initial: timedelta, maximum: timedelta, rand: float,
            retry_after: float | None = None) -> timedelta:
    """The wait after the ``failures``-th failure in a row; ``rand`` is uniform in [0, 1)."""
    exponent = min(max(failures, 1) - 1, 32)
    wait = min(initial * (1 << exponent) + initial * rand, maximum)
    if retry_after is not None and retry_after > 0:
        wait = max(wait, timedelta(seconds=retry_after))
    return wait


def after_pull(plan: AccountPlan, state: str, now: datetime, *, settings: Daemon, rand: float,
               retry_after: float | None = None) -> AccountPlan:
    """The account's next run after a pull that ended in ``state`` (ok / backoff / ...)."""
    if state not in FAILED:
        return replace(plan, next_due=now + interval(settings, plan.type), failures=0)
    failures = plan.failures + 1
    wait = backoff(failures, initial=settings.backoff_initial, maximum=settings.backoff_max,
                   rand=rand, retry_after=retry_after)
    return replace(plan, next_due=now + wait, failures=failures)


def next_plan(now: datetime, *, every: timedelta, tz: ZoneInfo) -> datetime:
    """The next plan refresh: ``every`` from now, or the next local midnight if sooner."""
    local = now.astimezone(tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    return min(now + every, midnight.astimezone(now.tzinfo))


def wake_at(schedule: Schedule) -> datetime:
    """When the loop has something to do next."""
    return min([schedule.plan_due, *(a.next_due for a in schedule.accounts.values())])


def poke(schedule: Schedule, name: str, now: datetime) -> Schedule:
    """Make ``name`` due now (IDLE saw new mail), unless it is backing off."""
    plan = schedule.accounts.get(name)
    if plan is None or plan.failures or plan.next_due <= now:
        return schedule
    return replace(schedule, accounts={**schedule.accounts, name: replace(plan, next_due=now)})


def reschedule(schedule: Schedule, results: Mapping[str, tuple[str, float | None]],
               now: datetime, *, settings: Daemon, tz: ZoneInfo, rand: float) -> Schedule:
    """After a cycle: each pulled account by its result; the plan was just refreshed."""
    accounts = dict(schedule.accounts)
    for name, (state, retry_after) in results.items():
        if name in accounts:
            accounts[name] = after_pull(accounts[name], state, now, settings=settings, rand=rand,
                                        retry_after=retry_after)
    return Schedule(accounts, next_plan(now, every=settings.plan_every, tz=tz))
