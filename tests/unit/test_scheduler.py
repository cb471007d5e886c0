"""The daemon's timing decisions: pure functions of state and ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncd import scheduler
from syncd.config import Daemon

NOW = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # a Friday, 16:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
SETTINGS = Daemon()


@pytest.mark.parametrize("failures", range(1, 12))
@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999])
def test_backoff_doubles_with_bounded_jitter_and_a_ceiling(failures: int, rand: float) -> None:
    initial, maximum = timedelta(seconds=30), timedelta(hours=1)
    wait = scheduler.backoff(failures, initial=initial, maximum=maximum, rand=rand)
    base = initial * 2 ** (failures - 1)
    assert min(base, maximum) <= wait <= min(base + initial, maximum)
    assert wait == min(base + initial * rand, maximum)


def test_backoff_never_sooner_than_retry_after() -> None:
    wait = scheduler.backoff(1, initial=timedelta(seconds=30), maximum=timedelta(hours=1),
                             rand=0.0, retry_after=600)
    assert wait == timedelta(minutes=10)
    beyond = scheduler.backoff(1, initial=timedelta(seconds=30), maximum=timedelta(hours=1),
                               rand=0.0, retry_after=7200)
    assert beyond == timedelta(hours=2)  # the server's word beats our ceiling


def test_each_type_polls_at_its_own_interval_and_a_success_resets_failures() -> None:
    s = scheduler.start([("mail", "imap"), ("cal", "caldav"), ("g", "gmail"),
                         ("o", "outlook")], NOW)
    assert sorted(scheduler.due(s, NOW)) == ["cal", "g", "mail", "o"]
    s = scheduler.reschedule(s, {n: ("ok", None) for n in s.accounts}, NOW,
                             settings=SETTINGS, tz=BERLIN, rand=0.5)
    assert {n: a.next_due - NOW for n, a in s.accounts.items()} == {
        "mail": timedelta(minutes=5), "cal": timedelta(minutes=5),
        "g": timedelta(minutes=3), "o": timedelta(minutes=3)}
    assert scheduler.due(s, NOW + timedelta(minutes=4)) == ["g", "o"]
    assert scheduler.wake_at(s) == NOW + timedelta(minutes=3)


def test_address_books_poll_with_their_provider() -> None:
    assert scheduler.interval(SETTINGS, "carddav") == SETTINGS.poll_caldav
    assert scheduler.interval(SETTINGS, "google_contacts") == SETTINGS.poll_gmail


def test_one_failing_account_backs_off_alone() -> None:
    s = scheduler.start([("mail", "imap"), ("down", "imap")], NOW)
    results = {"mail": ("ok", None), "down": ("backoff", None)}
    for _ in range(3):
        s = scheduler.reschedule(s, results, NOW, settings=SETTINGS, tz=BERLIN, rand=0.0)
    down, mail = s.accounts["down"], s.accounts["mail"]
    assert (down.failures, down.next_due - NOW) == (3, timedelta(minutes=2))
    assert (mail.failures, mail.next_due - NOW) == (0, timedelta(minutes=5))
    s = scheduler.reschedule(s, {"down": ("ok", None)}, NOW, settings=SETTINGS, tz=BERLIN,
                             rand=0.0)
    assert s.accounts["down"].failures == 0


def test_needs_auth_honours_retry_after_and_backs_off_too() -> None:
    s = scheduler.start([("g", "gmail")], NOW)
    s = scheduler.reschedule(s, {"g": ("backoff", 900.0)}, NOW, settings=SETTINGS, tz=BERLIN,
                             rand=0.0)
    assert s.accounts["g"].next_due == NOW + timedelta(minutes=15)
    s = scheduler.reschedule(s, {"g": ("needs_auth", None)}, NOW, settings=SETTINGS, tz=BERLIN,
                             rand=0.0)
    assert s.accounts["g"].next_due == NOW + timedelta(minutes=1)  # second failure: 2 x 30 s


def test_the_plan_is_refreshed_hourly_and_at_local_midnight() -> None:
    assert scheduler.next_plan(NOW, every=timedelta(hours=1), tz=BERLIN) == NOW + timedelta(
        hours=1)
    late = datetime(2026, 3, 6, 22, 40, tzinfo=UTC)  # 23:40 in Berlin
    midnight = scheduler.next_plan(late, every=timedelta(hours=1), tz=BERLIN)
    assert midnight == datetime(2026, 3, 6, 23, 0, tzinfo=UTC)
    assert midnight.astimezone(BERLIN).hour == 0
    # across the spring DST change midnight is still local midnight
    dst = scheduler.next_plan(datetime(2026, 3, 28, 22, 30, tzinfo=UTC),
                              every=timedelta(hours=6), tz=BERLIN)
    assert dst == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_idle_pokes_an_account_due_unless_it_is_backing_off() -> None:
    s = scheduler.start([("mail", "imap"), ("down", "imap")], NOW)
    s = scheduler.reschedule(s, {"mail": ("ok", None), "down": ("backoff", None)}, NOW,
                             settings=SETTINGS, tz=BERLIN, rand=0.0)
    later = NOW + timedelta(seconds=5)
    s = scheduler.poke(scheduler.poke(s, "mail", later), "down", later)
    assert scheduler.due(s, later) == ["mail"]
    assert scheduler.poke(s, "unknown", later) is s


def test_a_cycle_takes_along_healthy_accounts_due_within_early_never_one_backing_off() -> None:
    poll, early = NOW + timedelta(minutes=5), timedelta(seconds=60)
    plans = {  # IDLE's catch-up pulled mail 2 s after the first cycle: the polls drift apart
        "cal": scheduler.AccountPlan("cal", "caldav", poll),
        "mail": scheduler.AccountPlan("mail", "imap", poll + timedelta(seconds=2)),
        "down": scheduler.AccountPlan("down", "imap", poll + timedelta(seconds=20), failures=1)}
    s = scheduler.Schedule(plans, NOW + timedelta(hours=1))
    assert scheduler.due(s, poll) == ["cal"]
    assert scheduler.due(s, poll, early=early) == ["cal", "mail"]  # not "down": backing off
    # nothing due yet: nothing comes early either, unless the plan is due
    assert scheduler.due(s, poll - timedelta(seconds=30), early=early) == []
    planned = scheduler.Schedule(plans, poll - timedelta(seconds=30))
    assert scheduler.due(planned, poll - timedelta(seconds=30), early=early) == ["cal", "mail"]
