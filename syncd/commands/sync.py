"""Syncing: `syncd sync` (one cycle, the plan printed) and `syncd run` (the daemon)."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from syncd import clock
from syncd import config as config_mod
from syncd.commands.common import config_path, err, out
from syncd.errors import ConfigError, Problem
from syncd.store import Store

if TYPE_CHECKING:
    from syncd.config import Config
    from syncd.engine import CycleReport


def cmd_sync(args: argparse.Namespace) -> int:
    return sync(config_path(args), as_json=args.json, dry_run=args.dry_run,
                account=args.account, force=args.force)


def sync(path: Path, *, as_json: bool = False, dry_run: bool = False, account: str | None = None,
         force: bool = False) -> int:
    """One cycle with the config at ``path``, its report printed; the exit code."""
    config, report = run_sync(path, dry_run=dry_run, account=account, force=force,
                              bars=not as_json)
    show_sync(config, report, as_json=as_json, dry_run=dry_run)
    return report.exit_code


def run_sync(path: Path, *, dry_run: bool = False, account: str | None = None,
             force: bool = False, bars: bool = True) -> tuple[Config, CycleReport]:
    """One cycle with the config at ``path`` (progress bars on a terminal when ``bars``)."""
    from connectors.registry import build_sink, build_sources
    from syncd.commands.progress import bar_observer
    from syncd.engine import run_cycle

    config = config_mod.load(path)
    if account and account not in {a.name for a in config.accounts}:
        raise ConfigError([Problem("", f"no account named {account!r}",
                                   "see `syncd status` for the names")])
    sources = build_sources(config, clock.now, account)
    types = {a.name: a.type for a in config.accounts}
    sink = build_sink(config)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store, \
            bar_observer(err(), enabled=bars) as observer, _said_once():
        try:
            report = run_cycle(config, store, sources, sink, clock.now(), dry_run=dry_run,
                               force=force, observer=observer, types=types)
        finally:
            if sink is not None:
                sink.close()
    return config, report


def show_sync(config: Config, report: CycleReport, *, as_json: bool, dry_run: bool) -> None:
    from syncd.commands.report import report_json, show_report
    from syncd.commands.times import zone

    if as_json:
        out().print(json.dumps(report_json(report, dry_run, zone(config)), indent=2),
                    markup=False, emoji=False)
    else:
        show_report(out(), err(), report, dry_run=dry_run, tz=zone(config),
                    calendar=config.followups.account)


@contextmanager
def _said_once() -> Iterator[None]:
    """The report shows each account's failure: the engine's log line about it would say it
    again (unless --debug asks for everything)."""
    engine_log = logging.getLogger("syncd.engine")
    if engine_log.getEffectiveLevel() <= logging.DEBUG:
        yield
        return

    def unreported(record: logging.LogRecord) -> bool:
        return not getattr(record, "reported", False)

    engine_log.addFilter(unreported)
    try:
        yield
    finally:
        engine_log.removeFilter(unreported)


def cmd_run(args: argparse.Namespace) -> int:
    from syncd.daemon import serve
    from syncd.process import setup_logging

    setup_logging(args.debug)
    return serve(config_path(args))
