"""The tables of `contacts`, `due` and `status`: rows from :mod:`syncd.commands.views` (or the
store's account states), times in ``me.timezone``, columns fitted to the terminal's width."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from rich.table import Table
from rich.text import Text

from syncd.commands.tables import Cell, Column, fitted
from syncd.commands.times import local

CONTACT_COLUMNS = (
    Column("name"), Column("address", drop=2), Column("last touch"),
    Column("next follow-up"), Column("bal", drop=1, justify="right"),
    Column("in/out", drop=3, justify="right"), Column("strength", drop=4, justify="right"),
    Column("mtg", drop=4, justify="right"), Column("rhythm", drop=5, justify="right"),
    Column("given", drop=5, justify="right"), Column("recv", drop=5, justify="right"),
)


def contacts_table(rows: Sequence[dict[str, Any]], tz: tzinfo, width: int) -> Table:
    """Name, last touch and next follow-up always; the address, then the counts, with room."""
    cells: list[list[Cell]] = [
        [Text(r["name"]), Text(r["addresses"][0] if r["addresses"] else r["id"]),
         local(r["last_touch"], tz, date_only=True), local(r["next_follow_up"], tz),
         f"{r['balance']:+d}", f"{r['messages_in']}/{r['messages_out']}",
         "" if r.get("strength") is None else str(r["strength"]), str(r["meetings"]),
         f"{r['rhythm_days']}d" if r.get("rhythm_days") else "",
         str(r["given"]), str(r["received"])] for r in rows]
    return fitted(width, CONTACT_COLUMNS, cells)


DUE_COLUMNS = (Column("when"), Column("person"), Column("kind", drop=3),
               Column("state", drop=1), Column("why", drop=2, flex=True))


def due_table(rows: Sequence[dict[str, Any]], tz: tzinfo, width: int) -> Table:
    """When and who always; the kind, state and reason with room (rows come sorted by time)."""
    cells = [[local(r["start"], tz, none="not placed"), Text(r["person"]), r["kind"], r["state"],
              Text(r["reason"])] for r in rows]
    return fitted(width, DUE_COLUMNS, cells)


STATUS_COLUMNS = (Column("account"), Column("state"), Column("last success", drop=1),
                  Column("next run", drop=3), Column("items", drop=4, justify="right"),
                  Column("type", drop=5), Column("last error", drop=2, flex=True))


def status_table(rows: Sequence[dict[str, Any]], tz: tzinfo, width: int) -> Table:
    cells = [[r["name"], r["state"], local(r["last_success"], tz), local(r["next_run"], tz),
              str(r["items"]), r["type"], Text(r["last_error"] or "")] for r in rows]
    return fitted(width, STATUS_COLUMNS, cells)
