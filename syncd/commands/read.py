"""The read-only views: `contacts`, `due`, `ledger`, `status`, `why` and `classify`.

They read the store alone, no network, so they work beside a running daemon."""

from __future__ import annotations

import argparse
import json
from datetime import tzinfo
from pathlib import Path
from typing import Any

from syncd import clock
from syncd import config as config_mod
from syncd.commands.common import config_path, err, load_config, out
from syncd.commands.times import iso, zone
from syncd.config import Config
from syncd.store import Store


def _offline(path: Path, *, history_of: str | None = None
             ) -> tuple[Config, Any, dict[str, Any], dict[str, Any]]:
    """The shared read-only view; with ``history_of``, that person's full history loaded."""
    from syncd.commands.offline import offline_view
    from syncd.commands.report import find_person
    from syncd.incremental import histories

    config = config_mod.load(path)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        snapshot, placed, written = offline_view(config, store, clock.now())
        if history_of is not None:
            pid = find_person(snapshot, history_of)
            snapshot.ledgers[pid].history = histories(store, [pid]).get(pid, [])
    return config, snapshot, placed, written


def cmd_contacts(args: argparse.Namespace) -> int:
    return show_contacts(config_path(args), as_json=args.json, sort=args.sort)


def contact_rows(path: Path, sort: str = "last-touch") -> tuple[tzinfo, list[dict[str, Any]]]:
    """``me.timezone`` and everyone's row, as `syncd contacts --json` prints them."""
    from syncd.commands import views

    config, snapshot, placed, _written = _offline(path)
    tz = zone(config)
    return tz, views.contacts(snapshot, placed, tz, sort)


def show_contacts(path: Path, *, as_json: bool = False, sort: str = "last-touch") -> int:
    from syncd.commands.listing import contacts_table

    tz, rows = contact_rows(path, sort)
    if as_json:
        out().print(json.dumps(rows, indent=2), markup=False, emoji=False)
    else:
        out().print(contacts_table(rows, tz, out().width))
    return 0


def cmd_due(args: argparse.Namespace) -> int:
    from syncd.commands import views
    from syncd.commands.listing import due_table

    config, snapshot, placed, written = _offline(config_path(args))
    tz = zone(config)
    rows = views.due(snapshot, placed, written, tz)
    if args.json:
        out().print(json.dumps(rows, indent=2), markup=False, emoji=False)
    else:
        out().print(due_table(rows, tz, out().width))
    return 0


def cmd_ledger(args: argparse.Namespace) -> int:
    from syncd.commands.report import ledger_json, show_ledger

    config, snapshot, placed, _written = _offline(config_path(args), history_of=args.person)
    tz = zone(config)
    data = ledger_json(snapshot, placed, args.person, tz)
    if args.json:
        out().print(json.dumps(data, indent=2), markup=False, emoji=False)
    else:
        show_ledger(out(), data, tz)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from syncd.commands.listing import status_table
    from syncd.commands.setup import token_text
    from syncd.config.text import text_signals

    config = load_config(args)
    tz = zone(config)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        statuses = store.statuses()
        rows = []
        for account in config.accounts:
            s = statuses.get(account.name, {})
            rows.append({"name": account.name, "type": account.type,
                         "state": s.get("state", "never synced"),
                         "last_success": iso(s.get("last_success"), tz),
                         "last_error": s.get("last_error"),
                         "next_run": iso(s.get("next_run"), tz),
                         "items": store.items_of(account.name),
                         "text_signals": text_signals(config, account.name,
                                                      token_text=token_text(account))})
    if args.json:
        out().print(json.dumps(rows, indent=2), markup=False, emoji=False)
    else:
        out().print(status_table(rows, tz, out().width))
        for r in rows:
            if r["text_signals"] is not None:
                out().print(f"{r['name']}: text signals: {r['text_signals']}", markup=False)
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from syncd.commands.classify import Result, classify_paths, load_context, summary, table

    context = load_context(config_path(args), explicit=args.config is not None)
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
    from syncd.commands import views
    from syncd.commands.why_show import show_why
    from syncd.commands.why_stored import explain_stored

    config = load_config(args)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        data = explain_stored(config, store, args.query, clock.now(), lazy=True)
        if args.json:
            # straight to the file as the rows are read, a row a line: a person with 100,000
            # messages is a long text
            views.write_json(data, out().file)
            out().file.write("\n")
        else:
            show_why(out(), data, zone(config), show_all=args.all)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from syncd.network import write

    config, snapshot, placed, _written = _offline(config_path(args))
    path = args.html.expanduser()
    write.write(path, config, snapshot, placed, clock.now())
    out().print(f"report written to {path} (open it in a browser; it loads nothing from "
                "elsewhere)", markup=False, soft_wrap=True)
    return 0
