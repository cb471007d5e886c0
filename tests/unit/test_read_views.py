"""``syncd ledger PERSON --json`` and ``syncd contacts --json`` through ``syncd.commands.cli.main``,
read from the stored interactions: the numbers and the messages behind them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncd.commands.cli import main
from syncd.model import Address, Message, Page
from syncd.store import Store

ME = Address("dana@example.org", "Dana")
JANE = Address("jane@acme.example", "Jane Roe")
T0 = datetime.now(UTC) - timedelta(days=30)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    store = tmp_path / "store.sqlite3"
    mail = [
        Message("mail", "Sent/1", "ask@x", T0, ME, (JANE,), subject="Quick question",
                labels=("\\Sent",)),
        Message("mail", "INBOX/1", "answer@x", T0 + timedelta(hours=5), JANE, (ME,),
                subject="Re: Quick question", in_reply_to="ask@x"),
        Message("mail", "INBOX/2", "news@x", T0, Address("news@shop.example"), (ME,),
                subject="Sale", headers=(("list-id", "<sale.shop.example>"),)),
    ]
    with Store.open(store) as s:
        s.ingest("mail", Page(tuple(mail), "1"))
    path = tmp_path / "syncd.toml"
    path.write_text(f'[me]\naddresses = ["{ME.email}"]\ntimezone = "UTC"\n'
                    f'[store]\npath = "{store}"\n', encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> Any:
    code = main(["--config", str(config), *args, "--json"])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    return json.loads(captured.out)


def test_ledger_shows_the_numbers_and_the_messages_behind_them(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = run(capsys, config, "ledger", "jane@acme.example")
    assert (data["name"], data["messages_out"], data["messages_in"]) == ("Jane Roe", 1, 1)
    assert (data["initiated_by_me"], data["replies_by_them"], data["median_reply_them_hours"]) \
        == (1, 1, 5.0)
    assert [(i["ref"], i["direction"]) for i in data["interactions"]] == [
        ("ask@x", "out"), ("answer@x", "in")]
    assert data["interactions"][0]["thread"] == data["interactions"][1]["thread"]


def test_contacts_come_from_the_stored_interactions_and_skip_the_newsletter(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run(capsys, config, "contacts")
    assert [r["id"] for r in rows] == ["jane@acme.example"]
    assert rows[0]["birthday"] is None  # no address book, no [[people]] birthday
    again = run(capsys, config, "contacts")  # the second read re-derives nothing, same answer
    assert again == rows


def test_json_keeps_text_that_looks_like_emoji_codes_or_markup(
        config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    odd = ":smile: [b]plans[/b] :fire:"
    with Store.open(tmp_path / "store.sqlite3") as s:
        s.ingest("mail", Page((Message("mail", "Sent/2", "odd@x", T0 + timedelta(days=1), ME,
                                       (JANE,), subject=odd, labels=("\\Sent",)),), "2"))
    data = run(capsys, config, "ledger", "jane@acme.example")
    assert odd in [i["subject"] for i in data["interactions"]]
