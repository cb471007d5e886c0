"""``syncd run``: a thin loop around the same ``run_cycle`` that ``syncd sync`` runs.

The main thread owns the store and runs every cycle; when to pull which account is decided by
the pure ``syncd.scheduler``. Each IMAP account gets one thread that waits in IDLE and does
nothing but flag the account and wake the loop. Signal handlers (installed here, never at
import) only set flags and write a byte to a self-pipe: SIGTERM/SIGINT end the loop after the
current page or calendar write, SIGHUP reloads the config (a broken one is logged, the old one
kept). One ``syncd run`` per store: a second one exits with a clear message.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.base import Source
from rules.identity import normalize_address
from rules.plan import Action
from syncd import clock, scheduler
from syncd import config as config_mod
from syncd.config import Config, ImapAccount, isolated
from syncd.engine import Observer, run_cycle
from syncd.errors import ConfigError, ConnectorError
from syncd.network.write import Refresher
from syncd.process import Flags, Wakeup, acquire_lock, few_arenas, release_memory, signals
from syncd.store import Store
from syncd.systemd import Notifier

log = logging.getLogger("syncd.daemon")
LOCK_NAME = "syncd.lock"
IDLE_RENEW = 540.0  # seconds: IDLE is re-issued well inside 10 minutes
MAX_SLEEP = 60.0  # wake at least this often (clock jumps, a dead watcher)
EARLY = timedelta(seconds=60)  # a cycle also pulls the healthy accounts due this soon


class _IdleWatcher:
    """One IMAP account's IDLE on its own thread: it only sets ``fired`` and pokes the loop.

    A change fires, and so does the first return after (re)connecting, which covers whatever
    arrived before IDLE was armed. A renewal without a change (every ``IDLE_RENEW`` s) does not;
    mail that arrives between two IDLE commands is the next call's change (the IMAP source
    compares INBOX with what its last quiet IDLE saw).
    """

    def __init__(self, name: str, source: Source, wakeup: Wakeup) -> None:
        self.name, self.source, self.wakeup = name, source, wakeup
        self.fired, self.stopped = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"idle-{name}", daemon=True)

    def _run(self) -> None:
        wait_for_change = getattr(self.source, "wait_for_change", None)
        if wait_for_change is None:
            return
        timeout, failures = 1.0, 0  # arm quickly: the first return triggers a catch-up pull
        while not self.stopped.is_set():
            try:
                changed = wait_for_change(timeout)
            except Exception as exc:  # noqa: BLE001 - a watcher must never die; polling goes on
                failures += 1
                log.info("%s: IDLE interrupted (%s); polling meanwhile", self.name, exc)
                self.stopped.wait(min(600.0, 5.0 * 2 ** min(failures, 8)))
                timeout = 1.0
                continue
            catch_up, failures, timeout = timeout < IDLE_RENEW, 0, IDLE_RENEW
            if (changed or catch_up) and not self.stopped.is_set():
                self.fired.set()
                self.wakeup.poke()
        self.source.close()


class _Observer(Observer):
    """Engine hooks: a watchdog ping on every stored page, write and step of the derivation
    (a first derivation of a million messages outlasts ``WatchdogSec`` on a small machine);
    the stop request."""

    def __init__(self, sd: Notifier, flags: Flags) -> None:
        self.sd, self.flags = sd, flags

    def page(self, account: str, items: int) -> None:
        self.sd.watchdog()

    def applied(self, action: Action) -> None:
        self.sd.watchdog()

    def deriving(self, stage: str, done: int, total: int | None) -> None:
        self.sd.watchdog()

    def should_stop(self) -> bool:
        return self.flags.stop


def serve(config_path: Path) -> int:
    """Run until SIGTERM; 0 on a clean stop. ConfigError (exit 78) before READY."""
    flags, wakeup = Flags(), Wakeup()
    few_arenas()
    try:
        with signals(flags, wakeup):
            config = isolated.load(config_path)  # validated in a child: no pydantic here
            store_file = config_mod.store_path(config)
            lock = acquire_lock(store_file.parent / LOCK_NAME)
            try:
                with Store.open(store_file, keep_subjects=config.store.subjects) as store:
                    return _Loop(config_path, config, store, flags, wakeup).run()
            finally:
                lock.close()
    finally:
        wakeup.close()


class _Loop:
    def __init__(self, config_path: Path, config: Config, store: Store, flags: Flags,
                 wakeup: Wakeup) -> None:
        self.config_path, self.config, self.store = config_path, config, store
        self.flags, self.wakeup = flags, wakeup
        self.sd = Notifier.from_env()
        self.observer = _Observer(self.sd, flags)
        self.watchers: list[_IdleWatcher] = []
        self.schedule = scheduler.start(((a.name, a.type) for a in config.accounts), clock.now())
        self.random = random.Random()  # noqa: S311 - jitter, not cryptography
        self.report = Refresher()  # [report] path, at most daily

    def run(self) -> int:
        self.sd.ready(f"ready: {len(self.config.accounts)} account(s)")
        log.info("started: %d account(s), store %s", len(self.config.accounts),
                 config_mod.store_path(self.config))
        self._start_watchers()
        try:
            while not self.flags.stop:
                if self.flags.reload:
                    self._reload()
                now = clock.now()
                for w in self.watchers:
                    if w.fired.is_set():
                        w.fired.clear()
                        self.schedule = scheduler.poke(self.schedule, w.name, now)
                names = scheduler.due(self.schedule, now, early=EARLY)
                if names or self.schedule.plan_due <= now:
                    self._cycle(names, now)
                self.sd.watchdog()
                if self.flags.stop or self.flags.reload:
                    continue
                pause = (scheduler.wake_at(self.schedule) - clock.now()).total_seconds()
                self.wakeup.wait(min(pause, self.sd.watchdog_period or MAX_SLEEP, MAX_SLEEP))
        finally:
            self.sd.stopping()
            self._stop_watchers()
            log.info("stopped")
        return 0

    def _cycle(self, names: list[str], now: datetime) -> None:
        from connectors.registry import FailedSource, build_sink, build_source

        self.sd.status(f"pulling {', '.join(names)}" if names else "refreshing the plan")
        sources: dict[str, Source] = {}
        for name in names:
            try:
                sources[name] = build_source(self.config, name, clock.now)
            except ConnectorError as exc:
                sources[name] = FailedSource(name, exc)
        try:
            sink = build_sink(self.config)
        except ConnectorError as exc:
            log.warning("follow-up calendar unavailable: %s", exc)
            sink = None
        types = {a.name: a.type for a in self.config.accounts}
        try:
            report = run_cycle(self.config, self.store, sources, sink, now,
                               observer=self.observer, types=types)
        finally:
            if sink is not None:
                sink.close()
            del sources, sink
        done = clock.now()
        results = {a.name: (a.state, a.retry_after) for a in report.accounts}
        self.schedule = scheduler.reschedule(
            self.schedule, results, done, settings=self.config.daemon,
            tz=ZoneInfo(self.config.me.timezone), rand=self.random.random())
        for name, (state, _) in results.items():
            plan = self.schedule.accounts[name]
            self.store.set_next_run(name, plan.next_due)
            if state != "ok":
                log.warning("%s: %s; next try in %ds", name, state,
                            (plan.next_due - done).total_seconds())
        if report.applied:
            log.info("%d follow-up change(s) written", len(report.applied))
        self.report(self.config, report.snapshot, report.placed, done)
        self.sd.status(self._summary())
        self.store.shrink()  # nothing of this cycle is kept for the next
        normalize_address.cache_clear()
        release_memory()

    def _summary(self) -> str:
        statuses = self.store.statuses()
        names = [a.name for a in self.config.accounts]
        bad = [n for n in names if statuses.get(n, {}).get("state", "ok") != "ok"]
        when = scheduler.wake_at(self.schedule).astimezone(ZoneInfo(self.config.me.timezone))
        state = f"{len(names) - len(bad)}/{len(names)} accounts ok"
        if bad:
            state += f" ({', '.join(bad)} failing)"
        return f"{state}; next run {when:%H:%M:%S}"

    def _reload(self) -> None:
        self.flags.reload = False
        self.sd.reloading()
        try:
            config = isolated.load(self.config_path)
        except ConfigError as exc:
            log.error("config reload failed; keeping the running config: %s", exc)
            self.sd.ready("config reload failed; running on the previous config")
            return
        if config_mod.store_path(config) != config_mod.store_path(self.config):
            log.warning("store.path changed: that takes effect at the next restart")
        self.config = config
        self._stop_watchers()
        self._start_watchers()
        self.schedule = scheduler.start(((a.name, a.type) for a in config.accounts), clock.now())
        log.info("config reloaded: %d account(s); every account is retried now",
                 len(config.accounts))
        self.sd.ready("config reloaded")

    def _start_watchers(self) -> None:
        from connectors.registry import build_source

        for account in self.config.accounts:
            if not isinstance(account, ImapAccount):
                continue
            try:
                source = build_source(self.config, account.name, clock.now)
            except ConnectorError as exc:
                log.info("%s: no IDLE watcher (%s); polling", account.name, exc)
                continue
            watcher = _IdleWatcher(account.name, source, self.wakeup)
            watcher.thread.start()
            self.watchers.append(watcher)

    def _stop_watchers(self) -> None:
        for watcher in self.watchers:
            watcher.stopped.set()  # daemon threads: a blocked IDLE ends with the process
        self.watchers = []
