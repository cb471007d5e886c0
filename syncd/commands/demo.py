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
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from connectors._ics import remote_from_ics
from syncd import clock
from syncd.commands import common, sample_mailbox

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
    from syncd.commands.read import show_contacts
    from syncd.commands.sync import sync
    from syncd.localservers.caldav import start_caldav_server
    from syncd.localservers.imap import start_imap_server

    now = clock.now()
    with ExitStack() as stack:
        work = stack.enter_context(_workdir(keep))
        err.print("starting a local IMAP server and Radicale on 127.0.0.1 ...")
        imap = stack.enter_context(
            start_imap_server(work / "imap", user="dana", password=PASSWORD))
        cal = stack.enter_context(
            start_caldav_server(work / "caldav", user="dana", password=PASSWORD))
        mail = sample_mailbox.messages(now)
        for folder in ("INBOX", "Sent"):
            imap.append_many(folder, [(m.raw, m.date) for m in mail if m.folder == folder])
        cal.create_calendar("Work")
        for href, ics in sample_mailbox.events(now).items():
            cal.put_event("Work", href, ics)
        err.print(f"sample mailbox: {len(mail)} messages ({imap.kind}); calendar: "
                  f"{len(sample_mailbox.events(now))} events")
        config = work / "config.toml"
        config.write_text(demo_config(imap.port, cal.url, work / "state"), encoding="utf-8")
        os.environ[PASSWORD_ENV] = PASSWORD
        err.print(f"\n$ syncd --config {config} sync")
        code = sync(config, as_json=as_json)
        if code != 0:
            return code
        err.print("\n$ syncd sync   (again: nothing changes)")
        code = sync(config, as_json=as_json)
        err.print("\n$ syncd contacts")
        show_contacts(config, as_json=as_json)
        _show_events(out, cal.events(FOLLOWUPS), as_json)
        if keep is not None:
            err.print(f"\nfiles kept in {keep} (servers stopped); config: {config}")
            err.print(f"a picture of it all: syncd --config {config} report --html "
                      f"{keep / 'report.html'}   (needs pip install 'syncd[report]')",
                      markup=False, soft_wrap=True)
        return code


def _show_events(out: Console, events: dict[str, str], as_json: bool) -> None:
    rows = []
    for href, ics in sorted(events.items()):
        remote = remote_from_ics(ics, href, None)
        summary = next((line.split(":", 1)[1] for line in ics.splitlines()
                        if line.startswith("SUMMARY")), "")
        start = remote.start.astimezone(ZoneInfo(TIMEZONE)) if remote else None
        rows.append({"href": href, "title": summary,
                     "start": start.isoformat() if start else None})
    if as_json:
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    table = Table("start", "title", "event",
                  title=f"follow-up events in '{FOLLOWUPS}' (CalDAV, {TIMEZONE} time)")
    for row in sorted(rows, key=lambda r: r["start"] or ""):
        table.add_row((row["start"] or "")[:16], Text(row["title"] or ""),
                      str(row["href"]).rsplit("/", 1)[-1])
    out.print(table)


def cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(common.out(), common.err(), keep=args.keep, as_json=args.json)
