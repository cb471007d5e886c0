"""`syncd touch`: log a touch that left no trace in mail or calendar (a call, a chat at a
conference, a message on another channel), list them, undo one.

A logged touch is the user's own data (``syncd.store.logged``): it survives every resync and
rebuild. It counts as a touch (cadences restart from it, a new-contact sequence advances, an
owed reply or a thank-you is done); it ends an open ask only when they answered: ``--via call``
and ``--via meeting`` are conversations, so they did; ``--via message`` or ``other`` say so with
``--answered``.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd import clock
from syncd import config as config_mod
from syncd.commands.common import load_config, out
from syncd.config import Config
from syncd.errors import SyncdError
from syncd.model import CONVERSATIONS, LoggedTouch
from syncd.store import Store

WHEN_HINT = ("use an ISO date or time in me.timezone ('2026-03-15', '2026-03-15 14:30'), "
             "'today' or 'yesterday'")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """``--at``: an ISO date (noon that day, or now if that is later than now), an ISO date and
    time (in ``tz`` unless it names its offset), ``now``, ``today`` or ``yesterday``."""
    word = text.strip().lower()
    local = now.astimezone(tz)
    if word in ("now", "today"):
        return now
    if word == "yesterday":
        return _noon(local.date() - timedelta(days=1), tz)
    try:
        if _DATE.match(word):
            when = min(_noon(datetime.fromisoformat(word).date(), tz), now)
            if when.astimezone(tz).date() != datetime.fromisoformat(word).date():
                raise SyncdError(f"--at {text} is in the future; log a touch once it has "
                                 "happened")
            return when
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SyncdError(f"--at {text!r} is not a date or time; {WHEN_HINT}") from None
    when = when.replace(tzinfo=tz) if when.tzinfo is None else when
    if when > now:
        raise SyncdError(f"--at {text} is in the future; log a touch once it has happened")
    return when


def _noon(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(12), tzinfo=tz)


def resolve(config: Config, store: Store, query: str, now: datetime) -> tuple[str, str]:
    """(person id, name) for ``query`` as `syncd ledger` finds people (an address or a name),
    the ``[[people]]`` entries too; an address nobody has yet starts a new person."""
    from syncd.commands.offline import offline_view
    from syncd.commands.report import find_person

    snapshot, _placed, _written = offline_view(config, store, now)
    directory = snapshot.directory
    try:
        pid = find_person(snapshot, query)
    except SyncdError as exc:
        if "@" in query and directory.is_self(query):
            raise SyncdError(f"{query} is one of your own addresses (me.addresses); name "
                             "the person you were in touch with") from None
        if "@" in query:
            pid = directory.person_id(query)
        else:
            wanted = query.strip().casefold()
            named = [p for p in directory.configured() if directory.name(p).casefold() == wanted]
            if len(named) != 1:
                raise SyncdError(f"{exc}; to log a touch with someone new, give their address "
                                 "(syncd touch jane@example.org)") from None
            pid = named[0]
    return pid, directory.name(pid)


def row(touch: LoggedTouch, name: str, tz: ZoneInfo) -> dict[str, Any]:
    return {"id": touch.id, "person": name, "person_id": touch.person,
            "at": touch.at.astimezone(tz).isoformat(), "via": touch.via,
            "answered": touch.answered, "note": touch.note}


def cmd_touch(args: argparse.Namespace) -> int:
    config = load_config(args)
    tz = ZoneInfo(config.me.timezone)
    now = clock.now()
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        if args.list:
            return _list(config, store, tz, as_json=args.json)
        if args.undo is not None:
            gone = store.logged.remove(args.undo)
            if gone is None:
                raise SyncdError(f"no logged touch {args.undo}; see `syncd touch --list`")
            _say(args, {"undone": row(gone, gone.person, tz)},
                 f"undone: touch {gone.id} with {gone.person} on "
                 f"{gone.at.astimezone(tz):%Y-%m-%d}")
            return 0
        if not args.person:
            raise SyncdError("name the person: syncd touch ADDRESS-OR-NAME (or --list, --undo ID)")
        pid, name = resolve(config, store, args.person, now)
        at = parse_when(args.at, now, tz) if args.at else now
        touch = store.logged.add(pid, at, via=args.via, note=args.note or "",
                                 answered=args.answered or args.via in CONVERSATIONS)
    answered = "they answered" if touch.answered else "not counted as their answer"
    _say(args, row(touch, name, tz),
         f"logged touch {touch.id}: {args.via} with {name} <{pid}> on "
         f"{touch.at.astimezone(tz):%Y-%m-%d %H:%M} ({answered}); undo: syncd touch --undo "
         f"{touch.id}")
    return 0


def _say(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if args.json:
        out().print(json.dumps(data, indent=2, ensure_ascii=False), markup=False, emoji=False)
    else:
        out().print(text, markup=False, soft_wrap=True)


def _list(config: Config, store: Store, tz: ZoneInfo, *, as_json: bool) -> int:
    from rich.table import Table
    from rich.text import Text

    from syncd.pipeline import directory_for

    directory = directory_for(config, (), store.own_senders())
    for person, address, name, times in store.derived.touches.seen():
        directory.note(person, address, name, times)
    rows = [row(t, directory.name(directory.person_id(t.person)), tz)
            for t in store.logged.all()]
    if as_json:
        out().print(json.dumps(rows, indent=2, ensure_ascii=False), markup=False, emoji=False)
        return 0
    table = Table("id", "when", "person", "via", "answered", "note")
    for r in rows:
        table.add_row(str(r["id"]), r["at"][:16], Text(r["person"]), r["via"],
                      "yes" if r["answered"] else "no", Text(r["note"]))
    out().print(table)
    return 0
