"""How a cycle report and a ledger are shown: rich tables for people, JSON for scripts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from rich.console import Console
from rich.text import Text

from rules.identity import normalize_address
from rules.plan import Action, Cancel, Create, Record, Update
from syncd.commands import views
from syncd.commands.tables import Cell, Column, fitted
from syncd.commands.times import iso, local, sort_key
from syncd.engine import CycleReport
from syncd.errors import SyncdError
from syncd.interactions import LOGGED, Interaction, logged_via
from syncd.pipeline import Snapshot
from syncd.render import count


def describe(action: Action, name: Callable[[str], str], tz: tzinfo) -> dict[str, Any]:
    """One planned change, JSON-ready: ``person`` is the person's name (``name`` of their id),
    ``start`` ISO 8601 in ``tz``."""
    if isinstance(action, Create | Update):
        f = action.followup
        return {"action": "create" if isinstance(action, Create) else "update", "key": f.key,
                "kind": f.kind, "person": f.person_name, "start": iso(f.start, tz),
                "title": f.title}
    w = action.written
    who = "you" if w.kind == "weekly_plan" else name(w.person_id)
    if isinstance(action, Cancel):
        return {"action": "cancel", "key": w.key, "kind": w.kind, "person": who,
                "start": iso(w.start, tz), "title": ""}
    assert isinstance(action, Record)
    return {"action": "record", "key": w.key, "kind": w.kind, "person": who,
            "start": iso(w.start, tz), "title": action.why}


def plan_rows(report: CycleReport, tz: tzinfo) -> list[dict[str, Any]]:
    """The planned changes, the soonest first."""
    name = report.snapshot.directory.name if report.snapshot is not None else str
    rows = [describe(a, name, tz) for a in report.actions]
    rows.sort(key=lambda r: (sort_key(r["start"]), r["key"]))
    return rows


def report_json(report: CycleReport, dry_run: bool, tz: tzinfo) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "accounts": [{"name": a.name, "type": a.type, "state": a.state, "items": a.items,
                      "quarantined": a.quarantined, "error": a.error} for a in report.accounts],
        "plan": plan_rows(report, tz),
        "applied": len(report.applied),
        "calendar": {"state": report.sink_state, "error": report.sink_error},
        "refused": None if report.refused is None else str(report.refused),
        "contacts": 0 if report.snapshot is None else len(report.snapshot.ledgers),
        "exit_code": report.exit_code,
    }


ACCOUNT_COLUMNS = (Column("account"), Column("state"), Column("new items", justify="right"),
                   Column("quarantined", drop=2, justify="right"), Column("type", drop=3),
                   Column("error", drop=1, flex=True))
PLAN_COLUMNS = (Column("action"), Column("when"), Column("who"), Column("kind", drop=2),
                Column("title", drop=1, flex=True))


def show_report(out: Console, err: Console, report: CycleReport, *, dry_run: bool, tz: tzinfo,
                calendar: str) -> None:
    """The accounts, the plan (times in ``tz``) and what happened to the follow-up calendar
    (``calendar``: the ``followups.account``, "" when none is set)."""
    cells: list[list[Cell]] = [
        [a.name, a.state, str(a.items), str(a.quarantined), a.type, Text(a.error or "")]
        for a in report.accounts]
    out.print(fitted(out.width, ACCOUNT_COLUMNS, cells))
    if report.actions:
        plan = [[r["action"], local(r["start"], tz), Text(r["person"]), r["kind"],
                 Text(r["title"])] for r in plan_rows(report, tz)]
        out.print(fitted(out.width, PLAN_COLUMNS, plan, title="dry run: calendar untouched"
                         if dry_run else "calendar changes"))
    out.print(calendar_line(report, calendar), markup=False)
    contacts = 0 if report.snapshot is None else len(report.snapshot.ledgers)
    out.print(f"{count(contacts, 'contact')}; "
              f"{count(len(report.applied), 'calendar change')} applied", markup=False)
    if report.sink_error and report.sink_error not in {a.error for a in report.accounts}:
        err.print(f"syncd: follow-up calendar: {report.sink_error}", markup=False)
    elif report.sink_error:  # the same failure as an account's, in the table above
        err.print("syncd: follow-up calendar: nothing written (the failure above)",
                  markup=False)
    if report.refused is not None:
        err.print(f"syncd: {report.refused}", markup=False)


def calendar_line(report: CycleReport, calendar: str) -> str:
    """What became of the follow-up calendar, in one line that does not claim what is unknown."""
    if not calendar:
        return "calendar: no follow-ups written (no followups.account in the config)"
    if report.sink_error:
        return f"calendar: {calendar!r} could not be read; nothing planned or changed"
    if report.refused is not None:
        return f"calendar: {calendar!r} left as it is (the plan was refused)"
    if report.actions:
        return f"calendar: {count(len(report.actions), 'change')} planned in {calendar!r}"
    return f"calendar: {calendar!r} is up to date, nothing to change"


def find_person(snapshot: Snapshot, query: str) -> str:
    norm = normalize_address(query)
    if norm in snapshot.ledgers:
        return norm
    pid = snapshot.directory.person_id(query)
    if pid in snapshot.ledgers:
        return pid
    wanted = query.casefold()
    matches = [p for p in snapshot.ledgers
               if wanted in snapshot.directory.name(p).casefold()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise SyncdError(f"{query!r} matches {len(matches)} people: "
                         f"{', '.join(sorted(matches)[:5])}; give an address")
    raise SyncdError(f"no contact matches {query!r}; see `syncd contacts`")


def ledger_json(snapshot: Snapshot, placed: Mapping[str, datetime], query: str, tz: tzinfo
                ) -> dict[str, Any]:
    pid = find_person(snapshot, query)
    ledger = snapshot.ledgers[pid]
    data = views.contact(snapshot, ledger, placed, tz)
    data["strength_parts"] = views.strength_parts(snapshot, pid)
    data["interactions"] = [_interaction(i, tz)
                            for i in sorted(ledger.history, key=lambda i: (i.at, i.ref))]
    return data


def _interaction(i: Interaction, tz: tzinfo) -> dict[str, Any]:
    row: dict[str, Any] = {"at": iso(i.at, tz), "direction": i.direction, "ref": i.ref,
                           "subject": i.subject, "thread": i.thread, "direct": i.direct}
    if i.direction == LOGGED:  # `syncd touch`: its id, channel and the user's note
        number, via = logged_via(i.ref)
        row.update(subject=None, touch=number, via=via, note=i.subject or "", answered=i.direct)
    return row


LABELS = {"last_touch": "last touch", "messages_in": "mail from them",
          "messages_out": "mail from you", "meetings": "meetings",
          "initiated_by_me": "you started", "initiated_by_them": "they started",
          "replies_by_me": "your replies", "replies_by_them": "their replies",
          "open_asks": "open asks", "owed_replies": "replies you owe",
          "given": "given", "received": "received", "balance": "balance",
          "logged": "logged touches", "cadence": "cadence", "next_follow_up": "next follow-up"}
HOW = {"in": "from them", "out": "from you", "meeting": "meeting", "intro": "introduction"}
INTERACTION_COLUMNS = (Column("when"), Column("how"), Column("subject or meeting", flex=True),
                       Column("Message-ID", drop=1))


def _cells(i: dict[str, Any], tz: tzinfo) -> list[Cell]:
    """One interaction's row; subjects and notes are data, never markup ("[list] ...")."""
    if "touch" in i:
        return [local(i["at"], tz), f"logged {i['via']}", Text(i["note"]),
                f"touch {i['touch']}" + (", answered" if i["answered"] else "")]
    return [local(i["at"], tz), HOW.get(i["direction"], i["direction"]),
            Text(i["subject"] or ("(untitled meeting)" if i["direction"] == "meeting" else "")),
            "" if i["direction"] == "meeting" else Text(i["ref"])]


def show_ledger(out: Console, data: dict[str, Any], tz: tzinfo) -> None:
    """The ledger with labels, times in ``tz``; meetings by title and time, mail by subject,
    logged touches with their note."""
    out.print(Text.assemble((data["name"], "bold"), " ", ", ".join(data["addresses"])))
    for field, label in LABELS.items():
        value = data[field]
        shown = (local(value, tz) if field in ("last_touch", "next_follow_up")
                 else f"{value:+d}" if field == "balance" else "-" if value is None else value)
        out.print(f"  {label:16} {shown}", markup=False)
    out.print(fitted(out.width, INTERACTION_COLUMNS,
                     [_cells(i, tz) for i in data["interactions"]]))
    show_strength(out, data.get("strength_parts"))


def show_strength(out: Console, parts: dict[str, Any] | None) -> None:
    """The strength score, each of its components, and the rhythm (``ledger`` and ``why``)."""
    if parts is None:
        return
    out.print(f"  {'strength':18} {parts['score']} of 100", markup=False)
    for line in parts["explain"]:
        out.print(f"    {line}", markup=False)
    usual = parts["rhythm"]
    text = ("not learned yet (too few touch days in the last two years, or one burst)"
            if usual is None else
            f"every {usual['days']} days (median of {usual['gaps']} gaps since {usual['since']})")
    out.print(f"  {'rhythm':18} {text}", markup=False)
