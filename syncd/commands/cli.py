"""The command line (DESIGN.md section 6): the parser and the one place that turns errors
into exit codes. Each command group lives in its own module (``setup``, ``sync``, ``read``,
``demo``); only ``syncd.commands`` prints.

Exit codes: 0 ok; 78 configuration error; 75 an account failed transiently; 77 an account needs
re-authorisation; 1 anything else, with one clear line on stderr (a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from syncd import __version__
from syncd.commands.common import err
from syncd.errors import SyncdError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(_handler(args.run)(args))
    except SyncdError as exc:
        if args.debug:
            raise
        err().print(f"syncd: {exc}", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err().print("syncd: interrupted; everything committed so far is kept", markup=False)
        return 130


def _handler(target: str) -> Callable[[argparse.Namespace], int]:
    """``"read:cmd_due"`` -> ``syncd.commands.read.cmd_due``, imported only when it runs, so
    `syncd run` never loads what draws tables."""
    module, name = target.split(":")
    handler: Callable[[argparse.Namespace], int] = getattr(
        importlib.import_module(f"syncd.commands.{module}"), name)
    return handler


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
    c.set_defaults(run="setup:cmd_init")

    c = sub.add_parser("check-config", help="validate the config and what it points at "
                       "(exit 78 on problems)")
    c.add_argument("--online", action="store_true", help="also try each account's login once "
                   "(exit 77: sign in again, 75: network)")
    c.set_defaults(run="setup:cmd_check_config")

    c = sub.add_parser("auth", help="authorise an OAuth account (Google, Outlook)")
    c.add_argument("name", metavar="NAME", help="the account's name in the config")
    c.add_argument("--headless", action="store_true",
                   help="no browser here: print the URL and finish the flow by hand")
    c.set_defaults(run="setup:cmd_auth")

    c = sub.add_parser("sync", help="one full cycle: pull, ledger, follow-ups")
    c.add_argument("--dry-run", action="store_true",
                   help="pull mail and meetings into the store (the ledger is updated) and "
                        "print the calendar plan, but change nothing in the calendar")
    c.add_argument("--account", metavar="NAME", help="pull only this account")
    c.add_argument("--force", action="store_true", help="override the mass-cancel guard")
    c.add_argument("--json", action="store_true", help="machine-readable report")
    c.set_defaults(run="sync:cmd_sync")

    c = sub.add_parser("run", help="the daemon: keep syncing until stopped (systemd: Type=notify)")
    c.set_defaults(run="sync:cmd_run")

    c = sub.add_parser("install", help="write the systemd user unit, enable and start it")
    c.add_argument("--dry-run", action="store_true", help="show what would be done, do nothing")
    c.add_argument("--timer", action="store_true",
                   help="a oneshot service + 10-minute timer instead of the daemon")
    c.set_defaults(run="setup:cmd_install")

    for name, fn, text in (("status", "read:cmd_status", "accounts and their state"),
                           ("contacts", "read:cmd_contacts", "every person with their ledger"),
                           ("due", "read:cmd_due", "planned follow-ups and their state")):
        c = sub.add_parser(name, help=text)
        c.add_argument("--json", action="store_true", help="machine-readable output")
        c.set_defaults(run=fn)
        if name == "contacts":
            c.add_argument("--sort", choices=("strength", "last-touch", "balance", "name"),
                           default="last-touch", help="order (default: newest last touch)")

    c = sub.add_parser("ledger", help="one person's ledger and the interactions behind it")
    c.add_argument("person", help="an address or a name")
    c.add_argument("--json", action="store_true")
    c.set_defaults(run="read:cmd_ledger")

    c = sub.add_parser("touch", help="log a call, a meeting or a message syncd cannot see; "
                       "--list, --undo ID")
    c.add_argument("person", nargs="?", metavar="PERSON", help="an address or a name (as for "
                   "`syncd ledger`); a new address starts a new person")
    c.add_argument("--at", metavar="WHEN", help="when, in me.timezone: '2026-03-15', "
                   "'2026-03-15 14:30', 'today', 'yesterday' (default: now)")
    c.add_argument("--via", choices=("call", "meeting", "message", "other"), default="other",
                   help="how (default other); a call or a meeting means they answered")
    c.add_argument("--answered", action="store_true",
                   help="they answered (ends an open ask, like their reply would)")
    c.add_argument("--note", metavar="TEXT", help="a note of your own, shown by `syncd ledger`")
    c.add_argument("--list", action="store_true", help="list the touches you logged")
    c.add_argument("--undo", type=int, metavar="ID", help="remove the logged touch ID")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(run="touch:cmd_touch")

    c = sub.add_parser("people", help="--suggest: likely same-person groups, as [[people]] "
                       "entries to paste")
    c.add_argument("--suggest", action="store_true",
                   help="list likely same-person groups with their evidence (merges nothing)")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(run="people:cmd_people")

    c = sub.add_parser("classify", help="verdict and reasons for message files, Maildirs, mboxes")
    c.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help=".eml file, mbox, Maildir or folder of message files (recursive)")
    c.add_argument("--json", action="store_true", help="JSON Lines: path, message_id, personal, "
                   "verdict, reasons")
    c.set_defaults(run="read:cmd_classify")

    c = sub.add_parser("why", help="why a stored message or a person counts, or does not")
    c.add_argument("query", metavar="ADDRESS|MESSAGE-ID", help="an address, a name from "
                   "`syncd contacts`, or a Message-ID (with or without <>)")
    c.add_argument("--json", action="store_true", help="machine-readable output (every row)")
    c.add_argument("--all", action="store_true", help="list every interaction of a long "
                   "history, not only the newest")
    c.set_defaults(run="read:cmd_why")

    c = sub.add_parser("report", help="a picture of your network: one self-contained HTML file")
    c.add_argument("--html", type=Path, metavar="FILE", required=True,
                   help="where to write the report (needs the extra: pip install "
                        "'syncd[report]')")
    c.set_defaults(run="read:cmd_report")

    c = sub.add_parser("demo", help="the whole pipeline on local servers, nothing to configure")
    c.add_argument("--keep", type=Path, metavar="DIR", help="keep the demo files in DIR")
    c.add_argument("--json", action="store_true", help="print contacts and events as JSON")
    c.set_defaults(run="demo:cmd_demo")
    return p


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
