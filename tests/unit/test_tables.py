"""Human tables at 80 and 160 columns: times in me.timezone, the key columns never cut to "…"."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from rich.table import Table

from rules.plan import Cancel, Record
from syncd.commands.listing import contacts_table, due_table, status_table
from syncd.commands.report import calendar_line, describe
from syncd.commands.tables import Column, shown_columns
from syncd.commands.times import iso, local, sort_key
from syncd.engine import CycleReport
from syncd.ledger import PersonLedger
from syncd.model import Written
from syncd.render import count, ledger_line

BERLIN = ZoneInfo("Europe/Berlin")
LONG_NAME = "Maximiliane Oberhuber-Schwarzenbach"
LONG_ADDRESS = "maximiliane.oberhuber@schwarzenbach-consulting.example"


def screen(table: Table, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(table)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert all(len(line) <= width for line in lines)
    return lines


def contact(name: str, address: str, next_up: str | None) -> dict[str, Any]:
    return {"id": address, "name": name, "addresses": [address],
            "last_touch": "2026-11-09T17:30:00+00:00", "next_follow_up": next_up,
            "messages_in": 12, "messages_out": 9, "meetings": 3, "given": 4, "received": 5,
            "balance": -1}


def test_one_time_helper_shows_the_calendar_s_local_time_and_json_its_offset() -> None:
    utc = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    assert local(utc, BERLIN) == "2026-12-08 09:00"
    assert local("2026-12-08T08:00:00+00:00", BERLIN) == "2026-12-08 09:00"  # a store stamp
    assert local("2026-07-08T08:00:00+00:00", BERLIN) == "2026-07-08 10:00"  # summer time
    assert local("2026-11-09T23:30:00+00:00", BERLIN, date_only=True) == "2026-11-10"
    assert local(None, BERLIN) == "-"
    assert iso(utc, BERLIN) == "2026-12-08T09:00:00+01:00"
    assert iso("2026-12-08T09:00:00+01:00", BERLIN) == iso(utc, BERLIN)
    assert iso(None, BERLIN) is None
    # sorted by instant, not by text: 09:30+01:00 comes before 09:00+00:00
    texts = ["2026-12-08T09:00:00+00:00", "2026-12-08T09:30:00+01:00", None]
    assert sorted(texts, key=sort_key) == [texts[1], texts[0], None]


@pytest.mark.parametrize("width", [80, 160])
def test_contacts_keep_name_last_touch_and_next_follow_up_and_add_counts_with_room(
        width: int) -> None:
    rows = [contact(LONG_NAME, LONG_ADDRESS, "2026-12-08T08:00:00+00:00"),
            contact("Jane Roe", "jane@acme.example", None)]
    lines = screen(contacts_table(rows, BERLIN, width), width)
    text = "\n".join(lines)
    assert "…" not in text
    assert LONG_NAME in text and "2026-12-08 09:00" in text and "2026-11-09" in text
    assert (LONG_ADDRESS in text) == (width == 160)  # the address only when it fits whole
    assert ("mtg" in lines[1]) == (width == 160)


def test_contacts_at_80_columns_show_short_addresses_and_the_balance() -> None:
    rows = [contact("Jane Roe", "jane@acme.example", "2026-12-08T08:00:00+00:00")]
    header = screen(contacts_table(rows, BERLIN, 80), 80)[1]
    assert [h.strip() for h in header.strip("┃").split("┃")] == [
        "name", "address", "last touch", "next follow-up", "bal", "in/out"]


@pytest.mark.parametrize("width", [80, 160])
def test_due_shows_when_and_who_whole_and_wraps_the_reason(width: int) -> None:
    rows = [{"start": "2026-12-08T08:00:00+00:00", "person": LONG_NAME, "kind": "owed_reply",
             "state": "written", "reason": "they asked on 2026-11-09 and have waited 28 days "
             "for your reply (reciprocity.owed_after 3 days)"},
            {"start": None, "person": "Jane Roe", "kind": "cadence", "state": "planned",
             "reason": "every 14 days"}]
    text = "\n".join(screen(due_table(rows, BERLIN, width), width))
    assert "…" not in text
    assert LONG_NAME in text and "2026-12-08 09:00" in text and "not placed" in text
    assert "written" in text and "planned" in text
    if width == 160:
        assert "owed_reply" in text and "owed_after" in text


@pytest.mark.parametrize("width", [80, 160])
def test_status_keeps_account_and_state_and_shows_stamps_in_local_time(width: int) -> None:
    rows = [{"name": "work-mail-at-a-long-name", "type": "imap", "state": "backoff",
             "last_success": "2026-12-07T08:00:00+00:00", "next_run": "2026-12-07T08:05:00+00:00",
             "items": 123456, "last_error": "imap.example.org:993: connection refused; "
             "check accounts.host"}]
    text = "\n".join(screen(status_table(rows, BERLIN, width), width))
    assert "…" not in text
    assert "work-mail-at-a-long-name" in text and "backoff" in text
    assert "2026-12-07 09:00" in text and "accounts.host" in text
    assert ("123456" in text) == ("2026-12-07 09:05" in text) == (width == 160)


def test_columns_go_by_priority_and_free_text_gives_way_first() -> None:
    columns = [Column("key"), Column("a", drop=1), Column("b", drop=2),
               Column("note", drop=1, flex=True)]
    rows = [["k" * 20, "a" * 20, "b" * 20, "n" * 60]]
    assert shown_columns(200, columns, rows) == [0, 1, 2, 3]
    assert shown_columns(80, columns, rows) == [0, 1, 3]  # b (drop 2) gives way to the note
    assert shown_columns(50, columns, rows) == [0, 1]  # the note would be under FLEX_MIN
    assert shown_columns(10, columns, rows) == [0]  # the key stays, whatever the width


def test_record_and_cancel_rows_of_the_plan_name_the_person() -> None:
    written = Written("k1", "k1", "r1", None, datetime(2026, 12, 8, 8, 0, tzinfo=UTC), "a",
                      kind="owed_reply", person_id="jane@acme.example", state="live")
    names = {"jane@acme.example": "Jane Roe"}.__getitem__
    for action in (Record(written, "you moved it: snoozed"), Cancel(written)):
        row = describe(action, names, BERLIN)
        assert (row["person"], row["start"]) == ("Jane Roe", "2026-12-08T09:00:00+01:00")


def test_the_calendar_line_says_what_is_known() -> None:
    report = CycleReport()
    assert "no followups.account" in calendar_line(report, "")
    assert calendar_line(report, "cal") == "calendar: 'cal' is up to date, nothing to change"
    report.sink_error, report.sink_state = "401 Unauthorized", "needs_auth"
    line = calendar_line(report, "cal")
    assert "could not be read" in line and "up to date" not in line


def test_counts_agree_with_their_noun() -> None:
    assert (count(1, "meeting"), count(2, "meeting"), count(0, "change")) == (
        "1 meeting", "2 meetings", "0 changes")
    # the ledger line of every follow-up event
    assert "1 sent, 2 received, 1 meeting;" in ledger_line(
        PersonLedger("jane@acme.example", messages_in=2, messages_out=1, meetings=1))
    assert ", 2 meetings;" in ledger_line(PersonLedger("jane@acme.example", meetings=2))
