"""The read-only views: `contacts`, `due`, `ledger`, `status`, `why` and `classify`.

They read the store alone, no network, so they work beside a running daemon."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from syncd import clock
from syncd import config as config_mod
from syncd.commands.common import config_path, err, load_config, out
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
    return show_contacts(config_path(args), as_json=args.json)


def show_contacts(path: Path, *, as_json: bool = False) -> int:
    from rich.table import Table
    from rich.text import Text

    from syncd.commands import views

    _config, snapshot, placed, _written = _offline(path)
    rows = views.contacts(snapshot, placed)
    if as_json:
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

    from syncd.commands import views

    _config, snapshot, placed, written = _offline(config_path(args))
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
    from syncd.commands.report import ledger_json, show_ledger

    _config, snapshot, placed, _written = _offline(config_path(args), history_of=args.person)
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
    from syncd.commands.why import show_why
    from syncd.commands.why_stored import explain_stored

    config = load_config(args)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        data = explain_stored(config, store, args.query, clock.now())
    if args.json:
        # straight to the file: a person with 100,000 messages is a long text for rich to lay out
        out().file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        show_why(out(), data)
    return 0
