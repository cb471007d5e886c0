"""How a cycle report and a ledger are shown: rich tables for people, JSON for scripts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rules.identity import normalize_address
from rules.plan import Action, Cancel, Create, Record, Update
from syncd.commands import views
from syncd.engine import CycleReport
from syncd.errors import SyncdError
from syncd.pipeline import Snapshot


def describe(action: Action) -> dict[str, Any]:
    if isinstance(action, Create | Update):
        f = action.followup
        return {"action": "create" if isinstance(action, Create) else "update", "key": f.key,
                "kind": f.kind, "person": f.person_name, "start": f.start.isoformat(),
                "title": f.title}
    if isinstance(action, Cancel):
        w = action.written
        return {"action": "cancel", "key": w.key, "kind": w.kind, "person": w.person_id,
                "start": w.start.isoformat(), "title": ""}
    assert isinstance(action, Record)
    w = action.written
    return {"action": "record", "key": w.key, "kind": w.kind, "person": w.person_id,
            "start": w.start.isoformat(), "title": action.why}


def report_json(report: CycleReport, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "accounts": [{"name": a.name, "type": a.type, "state": a.state, "items": a.items,
                      "quarantined": a.quarantined, "error": a.error} for a in report.accounts],
        "plan": [describe(a) for a in report.actions],
        "applied": len(report.applied),
        "calendar": {"state": report.sink_state, "error": report.sink_error},
        "refused": None if report.refused is None else str(report.refused),
        "contacts": 0 if report.snapshot is None else len(report.snapshot.ledgers),
        "exit_code": report.exit_code,
    }


def show_report(out: Console, err: Console, report: CycleReport, *, dry_run: bool) -> None:
    table = Table("account", "type", "state", "new items", "quarantined", "error")
    for a in report.accounts:
        table.add_row(a.name, a.type, a.state, str(a.items), str(a.quarantined),
                      Text(a.error or ""))
    out.print(table)
    if report.actions:
        plan = Table("action", "when", "kind", "who", "title", title="dry run: nothing written"
                     if dry_run else "calendar changes")
        for row in map(describe, report.actions):
            plan.add_row(row["action"], row["start"][:16], row["kind"], Text(row["person"]),
                         Text(row["title"]))
        out.print(plan)
    else:
        out.print("calendar: nothing to change")
    contacts = 0 if report.snapshot is None else len(report.snapshot.ledgers)
    out.print(f"{contacts} contacts; {len(report.applied)} calendar change(s) applied")
    if report.sink_error:
        err.print(f"syncd: follow-up calendar: {report.sink_error}", markup=False)
    if report.refused is not None:
        err.print(f"syncd: {report.refused}", markup=False)


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


def ledger_json(snapshot: Snapshot, placed: Mapping[str, datetime], query: str) -> dict[str, Any]:
    pid = find_person(snapshot, query)
    ledger = snapshot.ledgers[pid]
    data = views.contact(snapshot, ledger, placed)
    data["strength_parts"] = views.strength_parts(snapshot, pid)
    data["interactions"] = [
        {"at": i.at.isoformat(), "direction": i.direction, "ref": i.ref, "subject": i.subject,
         "thread": i.thread, "direct": i.direct} for i in ledger.history]
    return data


def show_ledger(out: Console, data: dict[str, Any]) -> None:
    out.print(Text.assemble((data["name"], "bold"), " ", ", ".join(data["addresses"])))
    for field in ("last_touch", "messages_in", "messages_out", "meetings", "initiated_by_me",
                  "initiated_by_them", "replies_by_me", "replies_by_them", "open_asks",
                  "owed_replies", "given", "received", "balance", "cadence", "next_follow_up"):
        out.print(f"  {field:18} {data[field]}", markup=False)
    show_strength(out, data.get("strength_parts"))
    table = Table("when", "dir", "subject", "message / meeting")
    for i in data["interactions"]:  # subjects are data, never markup ("[list] ...")
        table.add_row(i["at"][:16], i["direction"], Text(i["subject"] or ""), Text(i["ref"]))
    out.print(table)


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
