"""``syncd why`` for people: the dicts of ``syncd.commands.why`` as lines and tables, times in
``me.timezone``; a long list (a person with hundreds of thousands of interactions) as its
newest rows and how many there are."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import tzinfo
from itertools import islice
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from syncd.commands.report import show_strength
from syncd.commands.tables import Column, fitted
from syncd.commands.times import local
from syncd.commands.why_history import NEWEST, StoredHistory
from syncd.render import count

WHY_COLUMNS = (Column("when"), Column("what", drop=2), Column("subject", flex=True),
               Column("why", flex=True))


def show_why(out: Console, data: Mapping[str, Any], tz: tzinfo, *, show_all: bool = False
             ) -> None:
    """``syncd why`` without ``--json``: the same facts, one line each, tables for lists; times
    in ``tz`` (``me.timezone``). A long fact wraps under its value, not under its label. A list
    longer than ``NEWEST`` rows shows its newest ones and how many there are, unless
    ``show_all``."""
    facts = Table.grid(padding=(0, 1))
    facts.add_column(no_wrap=True, min_width=14)
    facts.add_column()

    def line(label: str, value: object) -> None:
        facts.add_row(f"  {label}", Text(str(value)))  # Text: data, never markup or emoji

    if data["kind"] == "message":
        out.print(f"[bold]message[/bold] <{escape(data['message_id'])}>")
        line("date", local(data["date"], tz))
        line("from", data["from"] or "-")
        line("to / cc", ", ".join(data["to"] + data["cc"]) or "-")
        line("subject", data["subject"] if data["subject"] is not None else "-")
        line("verdict", f"{data['verdict']}: {data['rule']}")
        for reason in data["reasons"][1:]:
            line("", f"also: {reason}")
        line("direction", data["direction"])
        line("thread", f"{data['thread'] or '-'}: {data['thread_rule']}")
        touched = [f"{t['name']} <{t['person']}> ({t['direction']}"
                   f"{'' if t['direct'] else ', copied'})" for t in data["touched"]]
        line("touched", "; ".join(touched) if touched else f"nobody: {data['touched_nobody']}")
        rule = data["follow_up_rule"]
        signals = rule["text_signals"]
        line(rule["question"], f"{'yes' if rule['answer'] else 'no'} ({rule['rule']}): "
             f"{rule['reason']}; text signals: "
             + ("not read" if signals is None else ", ".join(signals) or "none"))
        out.print(facts)
        return
    out.print(f"[bold]{escape(data['name'])}[/bold] {escape(', '.join(data['addresses']))}")
    ledger = data["ledger"]
    if ledger is not None:
        line("ledger", f"last touch {local(ledger['last_touch'], tz, date_only=True)}, in "
             f"{ledger['messages_in']}, out {ledger['messages_out']}, "
             f"{count(ledger['meetings'], 'meeting')}; given {ledger['given']}, "
             f"received {ledger['received']}, balance {ledger['balance']:+d}")
    cadence = data["cadence"]
    line("cadence", (f"{cadence['rule']!r}, every {cadence['every_days']} days: "
                     if cadence["rule"] else "none: ") + cadence["why"])
    if data["strength"] is not None:
        show_strength(out, data["strength"])
    line("drift", data["drift"])
    if data.get("owed_reply"):
        line("no owed reply", data["owed_reply"])
    if data.get("nudge"):
        line("no nudge", data["nudge"])
    for f in data["follow_ups"]:
        placed = f" (in the calendar {local(f['placed'], tz)})" if f["placed"] else ""
        line("follow-up", f"{f['kind']} due {f['due'][:10]}{placed}: {f['reason']}")
    out.print(facts)
    for title, rows in (("counts", data["counted"]), ("does not count", data["not_counted"])):
        total = len(rows)
        if not total:
            out.print(f"{title}: nothing", markup=False)
        elif show_all or total <= NEWEST:
            for n, chunk in enumerate(_chunks(iter(rows), ALL_CHUNK)):
                # a table per chunk: a long history is printed as it is read
                out.print(_table(out, chunk, tz, f"{title} ({total:,})" if n == 0 else None))
        else:
            newest = rows.newest(NEWEST) if isinstance(rows, StoredHistory) else rows[-NEWEST:]
            out.print(_table(out, newest, tz, f"{title} ({total:,}; the newest {NEWEST} below: "
                                              "--all lists every one, --json writes them all)"))


ALL_CHUNK = 1000  # rows per table with --all


def _table(out: Console, rows: Sequence[Mapping[str, Any]], tz: tzinfo, title: str | None
           ) -> Table:
    cells = [[local(row["at"], tz), row.get("direction", row["kind"]),
              Text(row["subject"] or ""), Text(row["why"])] for row in rows]
    return fitted(out.width, WHY_COLUMNS, cells, title=title)


def _chunks(rows: Iterator[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    while chunk := list(islice(rows, size)):
        yield chunk
