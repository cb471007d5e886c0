"""`syncd demo`: the whole pipeline on real local servers, nothing to configure.

Starts an IMAP server (Dovecot when installed, else the pure-Python pymap) and Radicale on
loopback, fills them with the generated sample mailbox and calendar, writes a config file, runs
`syncd sync` twice (the second run changes nothing), and shows the contacts and the follow-up
events as they stand in the CalDAV calendar.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from connectors._ics import remote_from_ics
from syncd import clock
from syncd.commands import common, sample_mailbox
from syncd.commands.tables import Cell, Column, fitted
from syncd.commands.times import iso, local, sort_key
from syncd.errors import SyncdError

PASSWORD_ENV = "SYNCD_DEMO_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
PASSWORD = "demo-password-not-secret"  # noqa: S105 - throwaway local servers
FOLLOWUPS = "Follow-ups"
TIMEZONE = "Europe/Berlin"


def demo_config(imap_port: int, caldav_url: str, state: Path, *, imap_user: str = "dana",
                caldav_user: str = "dana", imap_env: str = PASSWORD_ENV,
                caldav_env: str = PASSWORD_ENV) -> str:
    """The demo's config file; the tests run the same one against their own servers."""
    return f"""# Written by `syncd demo`.
[me]
name = "Dana Example"
addresses = ["dana@example.org"]
timezone = "{TIMEZONE}"

[store]
path = "{state / 'syncd.sqlite3'}"

[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{imap_user}"
password_env = "{imap_env}"
timeout = 20

[[accounts]]
name = "cal"
type = "caldav"
url = "{caldav_url}"
username = "{caldav_user}"
password_env = "{caldav_env}"

[followups]
account = "cal"
calendar = "{FOLLOWUPS}"
horizon = "30d"

[[people]]
name = "Jane Roe"
addresses = ["jane@acme.example"]
tags = ["inner-circle"]

[[cadences]]
name = "inner circle"
tags = ["inner-circle"]
every = "14d"

[[cadences]]
name = "network"
min_exchanges = 2
every = "90d"
"""


@contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        if (keep / "config.toml").exists():
            raise SyncdError(
                f"{keep} already holds a demo, and a demo cannot be continued: its servers and "
                "mailbox are gone. Its store still answers `syncd --config "
                f"{keep / 'config.toml'} contacts` (or due, ledger NAME, why NAME); for a new "
                "demo give another directory, or delete this one")
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    path = Path(tempfile.mkdtemp(prefix="syncd-demo-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_demo(out: Console, err: Console, *, keep: Path | None = None,
             as_json: bool = False) -> int:
    """The demo; with ``as_json`` one JSON document on ``out``: ``syncs`` (both reports),
    ``contacts``, ``events`` (the follow-ups in the CalDAV calendar) and ``kept``."""
    from syncd.commands.read import contact_rows, show_contacts
    from syncd.localservers.caldav import start_caldav_server
    from syncd.localservers.imap import start_imap_server

    now = clock.now()
    document: dict[str, Any] = {"syncs": [], "contacts": [], "events": [],
                                "kept": None if keep is None else str(keep)}
    with ExitStack() as stack:
        work = stack.enter_context(_workdir(keep))
        err.print("starting a local IMAP server and Radicale on 127.0.0.1 ...")
        imap = stack.enter_context(
            start_imap_server(work / "imap", user="dana", password=PASSWORD))
        cal = stack.enter_context(
            start_caldav_server(work / "caldav", user="dana", password=PASSWORD))
        mail, events = sample_mailbox.fill(imap, cal, now)
        err.print(f"sample mailbox: {mail} messages ({imap.kind}); calendar: {events} events")
        config = work / "config.toml"
        config.write_text(demo_config(imap.port, cal.url, work / "state"), encoding="utf-8")
        os.environ[PASSWORD_ENV] = PASSWORD
        err.print(f"\n$ syncd --config {config} sync")
        code = _sync(config, as_json, document)
        if code == 0:
            err.print("\n$ syncd sync   (again: nothing changes)")
            code = _sync(config, as_json, document)
            err.print("\n$ syncd contacts")
            if as_json:
                document["contacts"] = contact_rows(config)[1]
            else:
                show_contacts(config)
            document["events"] = _events(cal.events(FOLLOWUPS))
            if not as_json:
                out.print(_events_table(document["events"], out.width))
    if as_json:
        out.print(json.dumps(document, indent=2), markup=False, emoji=False)
    elif keep is not None:
        err.print(kept_note(keep), markup=False, soft_wrap=True)  # commands to copy: no breaks
    return code


def kept_note(keep: Path) -> str:
    """What ``--keep`` leaves, and plainly what it cannot do."""
    config = keep / "config.toml"
    return (f"\nkept in {keep}: the config, the store (state/) and the CalDAV calendar (caldav/)."
            f"\nThe servers are stopped and the IMAP mailbox is gone, so this demo cannot be "
            f"synced again; its store still answers:\n  syncd --config {config} contacts"
            f"\n  syncd --config {config} due\n  syncd --config {config} ledger 'Jane Roe'"
            f"\nand a picture of it all (needs pip install 'syncd[report]'):"
            f"\n  syncd --config {config} report --html {keep / 'report.html'}")


def _sync(config: Path, as_json: bool, document: dict[str, Any]) -> int:
    from syncd.commands.report import report_json
    from syncd.commands.sync import run_sync, show_sync
    from syncd.commands.times import zone

    settings, report = run_sync(config, bars=not as_json)
    if as_json:
        document["syncs"].append(report_json(report, False, zone(settings)))
    else:
        show_sync(settings, report, as_json=False, dry_run=False)
    return report.exit_code


def _events(events: dict[str, str]) -> list[dict[str, Any]]:
    """The follow-up events as the calendar holds them, start in the demo's time zone."""
    rows = []
    for href, ics in events.items():
        remote = remote_from_ics(ics, href, None)
        summary = next((line.split(":", 1)[1] for line in ics.splitlines()
                        if line.startswith("SUMMARY")), "")
        rows.append({"href": href, "title": summary,
                     "start": iso(remote.start if remote else None, ZoneInfo(TIMEZONE))})
    rows.sort(key=lambda r: (sort_key(r["start"]), r["href"]))
    return rows


EVENT_COLUMNS = (Column("start"), Column("title"), Column("event", drop=1))


def _events_table(rows: list[dict[str, Any]], width: int) -> Table:
    tz = ZoneInfo(TIMEZONE)
    cells: list[list[Cell]] = [
        [local(r["start"], tz), Text(r["title"] or ""), str(r["href"]).rsplit("/", 1)[-1]]
        for r in rows]
    return fitted(width, EVENT_COLUMNS, cells,
                  title=f"follow-up events in '{FOLLOWUPS}' (CalDAV, {TIMEZONE} time)")


def cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(common.out(), common.err(), keep=args.keep, as_json=args.json)
