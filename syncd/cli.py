"""The command line (DESIGN.md section 6): the one place that prints.

Exit codes: 0 ok; 78 configuration error; 75 an account failed transiently; 77 an account needs
re-authorisation; 1 anything else, with one clear line on stderr (a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncd import __version__, clock, config_sample
from syncd import config as config_mod
from syncd.config import Config
from syncd.errors import ConfigError, Problem, SyncdError
from syncd.files import write_private
from syncd.store import Store

if TYPE_CHECKING:
    from rich.console import Console


@cache
def out() -> Console:
    """Standard output's console, made on first use: `syncd run` never draws, and rich costs
    memory. A real Console (not a proxy): rich's live displays enter it as a context manager."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@cache
def err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except SyncdError as exc:
        if args.debug:
            raise
        err().print(f"syncd: {exc}", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err().print("syncd: interrupted; everything committed so far is kept", markup=False)
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="syncd",
        description="Follow-up reminders in your own calendar, from your mail and meetings.",
        epilog="Exit codes: 0 ok, 75 an account failed transiently, 77 an account needs "
               "re-authorisation, 78 configuration error, 1 anything else.")
    p.add_argument("--config", type=Path, help="config file (default: $SYNCD_CONFIG or "
                   "$XDG_CONFIG_HOME/syncd/config.toml)")
    p.add_argument("--debug", action="store_true", help="verbose logs and tracebacks")
    p.add_argument("--version", action="version", version=f"syncd {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("init", help="write a commented sample config")
    c.add_argument("--force", action="store_true", help="overwrite an existing file")
    c.add_argument("--stdout", action="store_true", help="print the sample instead")
    c.set_defaults(run=cmd_init)

    c = sub.add_parser("check-config", help="validate the config (exit 78 on problems)")
    c.set_defaults(run=cmd_check_config)

    c = sub.add_parser("auth", help="authorise an OAuth account (Google, Outlook)")
    c.add_argument("name", metavar="NAME", help="the account's name in the config")
    c.add_argument("--headless", action="store_true",
                   help="no browser here: print the URL and finish the flow by hand")
    c.set_defaults(run=cmd_auth)

    c = sub.add_parser("sync", help="one full cycle: pull, ledger, follow-ups")
    c.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    c.add_argument("--account", metavar="NAME", help="pull only this account")
    c.add_argument("--force", action="store_true", help="override the mass-cancel guard")
    c.add_argument("--json", action="store_true", help="machine-readable report")
    c.set_defaults(run=cmd_sync)

    c = sub.add_parser("run", help="the daemon: keep syncing until stopped (systemd: Type=notify)")
    c.set_defaults(run=cmd_run)

    c = sub.add_parser("install", help="write the systemd user unit, enable and start it")
    c.add_argument("--dry-run", action="store_true", help="show what would be done, do nothing")
    c.add_argument("--timer", action="store_true",
                   help="a oneshot service + 10-minute timer instead of the daemon")
    c.set_defaults(run=cmd_install)

    for name, fn, text in (("status", cmd_status, "accounts and their state"),
                           ("contacts", cmd_contacts, "every person with their ledger"),
                           ("due", cmd_due, "planned follow-ups and their state")):
        c = sub.add_parser(name, help=text)
        c.add_argument("--json", action="store_true", help="machine-readable output")
        c.set_defaults(run=fn)

    c = sub.add_parser("ledger", help="one person's ledger and the interactions behind it")
    c.add_argument("person", help="an address or a name")
    c.add_argument("--json", action="store_true")
    c.set_defaults(run=cmd_ledger)

    c = sub.add_parser("classify", help="verdict and reasons for message files, Maildirs, mboxes")
    c.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help=".eml file, mbox, Maildir or folder of message files (recursive)")
    c.add_argument("--json", action="store_true", help="JSON Lines: path, message_id, personal, "
                   "verdict, reasons")
    c.set_defaults(run=cmd_classify)

    c = sub.add_parser("why", help="why a stored message or a person counts, or does not")
    c.add_argument("query", metavar="ADDRESS|MESSAGE-ID", help="an address, a name from "
                   "`syncd contacts`, or a Message-ID (with or without <>)")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(run=cmd_why)

    c = sub.add_parser("demo", help="the whole pipeline on local servers, nothing to configure")
    c.add_argument("--keep", type=Path, metavar="DIR", help="keep the demo files in DIR")
    c.add_argument("--json", action="store_true", help="print contacts and events as JSON")
    c.set_defaults(run=cmd_demo)
    return p


# -- config ------------------------------------------------------------------------------------

def _config_path(args: argparse.Namespace) -> Path:
    return Path(args.config).expanduser() if args.config else config_mod.default_config_path()


def load_config(args: argparse.Namespace) -> Config:
    return config_mod.load(_config_path(args))


def cmd_init(args: argparse.Namespace) -> int:
    text = config_sample.render()
    if args.stdout:
        out().print(text, markup=False, end="")
        return 0
    path = _config_path(args)
    if path.exists() and not args.force:
        raise SyncdError(f"{path} exists; use `syncd init --force` to overwrite it, or "
                         "`syncd init --stdout` to see the sample")
    write_private(path, text)
    err().print(f"wrote {path}; edit it, then run `syncd check-config`", markup=False)
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    path = _config_path(args)
    try:
        config = config_mod.load(path)
    except ConfigError as exc:
        err().print(f"syncd: {path}: {exc}", markup=False)
        return exc.exit_code
    out().print(f"{path}: ok ({len(config.accounts)} account(s))", markup=False)
    return 0


def cmd_auth(args: argparse.Namespace) -> int:
    from syncd.auth import run_auth

    return run_auth(load_config(args), args.name, err(), headless=args.headless)


# -- sync --------------------------------------------------------------------------------------

def cmd_sync(args: argparse.Namespace) -> int:
    from connectors.registry import build_sink, build_sources
    from syncd.engine import run_cycle
    from syncd.progress import bar_observer
    from syncd.report import report_json, show_report

    config = load_config(args)
    if args.account and args.account not in {a.name for a in config.accounts}:
        raise ConfigError([Problem("", f"no account named {args.account!r}",
                                   "see `syncd status` for the names")])
    sources = build_sources(config, clock.now, args.account)
    types = {a.name: a.type for a in config.accounts}
    sink = build_sink(config)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store, \
            bar_observer(err(), enabled=not args.json) as observer:
        try:
            report = run_cycle(config, store, sources, sink, clock.now(), dry_run=args.dry_run,
                               force=args.force, observer=observer, types=types)
        finally:
            if sink is not None:
                sink.close()
    if args.json:
        out().print(json.dumps(report_json(report, args.dry_run), indent=2), markup=False)
    else:
        show_report(out(), err(), report, dry_run=args.dry_run)
    return report.exit_code


def cmd_run(args: argparse.Namespace) -> int:
    from syncd.daemon import serve, setup_logging

    setup_logging(args.debug)
    return serve(_config_path(args))


def cmd_install(args: argparse.Namespace) -> int:
    from syncd.install import install

    for line in install(timer=args.timer, config=args.config, dry_run=args.dry_run):
        out().print(line, markup=False)
    return 0


# -- read-only views ---------------------------------------------------------------------------

def _offline(args: argparse.Namespace, *, history_of: str | None = None
             ) -> tuple[Config, Any, dict[str, Any], dict[str, Any]]:
    """The shared read-only view; with ``history_of``, that person's full history loaded."""
    from syncd.incremental import histories
    from syncd.offline import offline_view
    from syncd.report import find_person

    config = load_config(args)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        snapshot, placed, written = offline_view(config, store, clock.now())
        if history_of is not None:
            pid = find_person(snapshot, history_of)
            snapshot.ledgers[pid].history = histories(store, [pid]).get(pid, [])
    return config, snapshot, placed, written


def cmd_contacts(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    from syncd import views

    _config, snapshot, placed, _written = _offline(args)
    rows = views.contacts(snapshot, placed)
    if args.json:
        out().print(json.dumps(rows, indent=2), markup=False)
        return 0
    table = Table("name", "address", "last touch", "in", "out", "mtg", "given", "recv", "bal",
                  "next follow-up")
    for column in table.columns[2:]:
        column.no_wrap = True
    for r in rows:
        table.add_row(Text(r["name"]), r["addresses"][0] if r["addresses"] else r["id"],
                      (r["last_touch"] or "")[:10], str(r["messages_in"]), str(r["messages_out"]),
                      str(r["meetings"]), str(r["given"]), str(r["received"]),
                      f"{r['balance']:+d}", (r["next_follow_up"] or "")[:16])
    out().print(table)
    return 0


def cmd_due(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    from syncd import views

    _config, snapshot, placed, written = _offline(args)
    rows = views.due(snapshot, placed, written)
    if args.json:
        out().print(json.dumps(rows, indent=2), markup=False)
        return 0
    table = Table("when", "kind", "person", "state", "why")
    for r in rows:
        table.add_row((r["start"] or "")[:16], r["kind"], Text(r["person"]), r["state"],
                      Text(r["reason"]))
    out().print(table)
    return 0


def cmd_ledger(args: argparse.Namespace) -> int:
    from syncd.report import ledger_json, show_ledger

    _config, snapshot, placed, _written = _offline(args, history_of=args.person)
    data = ledger_json(snapshot, placed, args.person)
    if args.json:
        out().print(json.dumps(data, indent=2), markup=False)
    else:
        show_ledger(out(), data)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    config = load_config(args)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        statuses = store.statuses()
        rows = []
        for account in config.accounts:
            s = statuses.get(account.name, {})
            rows.append({"name": account.name, "type": account.type,
                         "state": s.get("state", "never synced"),
                         "last_success": s.get("last_success"), "last_error": s.get("last_error"),
                         "next_run": s.get("next_run"), "items": store.items_of(account.name)})
    if args.json:
        out().print(json.dumps(rows, indent=2), markup=False)
        return 0
    table = Table("account", "type", "state", "last success", "next run", "items", "last error")
    for r in rows:
        table.add_row(r["name"], r["type"], r["state"], r["last_success"] or "-",
                      r["next_run"] or "-", str(r["items"]), Text(r["last_error"] or ""))
    out().print(table)
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from syncd.classify_cmd import Result, classify_paths, load_context, summary, table

    context = load_context(_config_path(args), explicit=args.config is not None)
    rows: list[Result] = []
    failed = 0
    for row in classify_paths(args.paths, context):
        if "error" in row:
            failed += 1
            err().print(f"syncd: classify: {row['path']}: {row['error']}", markup=False,
                      soft_wrap=True)
        elif args.json:
            out().print(json.dumps(row, ensure_ascii=False), markup=False, emoji=False)
        else:
            rows.append(row)
    if not args.json:
        out().print(table(rows))
        out().print(summary(rows, failed), markup=False)
    return 1 if failed else 0


def cmd_why(args: argparse.Namespace) -> int:
    from syncd.why import explain_stored, show_why

    config = load_config(args)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        data = explain_stored(config, store, args.query, clock.now())
    if args.json:
        out().print(json.dumps(data, indent=2, ensure_ascii=False), markup=False, emoji=False)
    else:
        show_why(out(), data)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from syncd.demo import run_demo

    return run_demo(out(), err(), keep=args.keep, as_json=args.json)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
