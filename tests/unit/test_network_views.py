"""Strength, rhythm and drift as the read commands show them (``contacts --sort``,
``contacts --json``, ``ledger``, ``why``), from a real store, the clock pinned."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncd.commands.cli import main
from syncd.model import Address, Message, Page
from syncd.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ME = Address("dana@example.org", "Dana")
JANE = Address("jane@acme.example", "Jane Roe")
OMAR = Address("omar@haddad.example", "Omar Haddad")
ZOE = Address("zoe@zed.example", "Zoe Zed")


def exchange(who: Address, ago: float, n: int) -> list[Message]:
    """They write, the user replies an hour later."""
    at = NOW - timedelta(days=ago)
    ask = f"{who.email}-{n}@x"
    return [Message("mail", f"INBOX/{ask}", ask, at, who, (ME,), subject=f"Plan {n}"),
            Message("mail", f"Sent/{ask}", f"re-{ask}", at + timedelta(hours=1), ME, (who,),
                    subject=f"Re: Plan {n}", in_reply_to=ask, labels=("\\Sent",))]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SYNCD_NOW", NOW.isoformat())
    monkeypatch.setenv("COLUMNS", "200")  # the human table, wide enough to read
    mail: list[Message] = []
    for n in range(10):  # Jane: every 12 days, quiet for the last 30
        mail += exchange(JANE, 30 + 12 * n, n)
    for n in range(3):  # Zoe: recent, a few
        mail += exchange(ZOE, 2 + 20 * n, n)
    mail += [Message("mail", f"Sent/o{n}", f"o{n}@x", NOW - timedelta(days=3 + 9 * n), ME,
                     (OMAR,), subject=f"Hello {n}", labels=("\\Sent",)) for n in range(8)]
    store = tmp_path / "store.sqlite3"
    with Store.open(store) as s:
        s.ingest("mail", Page(tuple(mail), "1"))
    path = tmp_path / "syncd.toml"
    path.write_text(f'[me]\naddresses = ["{ME.email}"]\ntimezone = "UTC"\n'
                    f'[store]\npath = "{store}"\n', encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> Any:
    code = main(["--config", str(config), *args])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    return json.loads(captured.out) if "--json" in args else captured.out


def test_contacts_carry_strength_and_rhythm_and_sort_by_them(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run(capsys, config, "contacts", "--json", "--sort", "strength")
    by = {r["id"]: r for r in rows}
    assert rows[0]["id"] in (JANE.email, ZOE.email)
    assert rows[-1]["id"] == OMAR.email  # one-way: never strong, however frequent
    assert by[OMAR.email]["strength"] <= 20 < by[JANE.email]["strength"]
    assert by[JANE.email]["rhythm_days"] == 12
    assert by[ZOE.email]["rhythm_days"] is None  # three touches teach no rhythm
    assert [r["id"] for r in rows] == sorted(
        by, key=lambda p: (by[p]["strength"], by[p]["last_touch"], p), reverse=True)
    names = [r["name"] for r in run(capsys, config, "contacts", "--json", "--sort", "name")]
    assert names == ["Jane Roe", "Omar Haddad", "Zoe Zed"]
    balance = run(capsys, config, "contacts", "--json", "--sort", "balance")
    assert balance[0]["id"] == OMAR.email  # gave 8, received nothing
    table = run(capsys, config, "contacts", "--sort", "strength")
    assert "strength" in table and "12d" in table


def test_ledger_and_why_show_each_component_and_the_drift(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = run(capsys, config, "ledger", "jane@acme.example", "--json")
    parts = data["strength_parts"]
    assert parts["score"] == data["strength"]
    assert set(parts["points"]) == {"frequency", "reciprocity", "meetings", "tenure"}
    assert abs(sum(parts["points"].values()) - parts["score"]) <= 0.5
    assert parts["rhythm"]["days"] == 12 and parts["one_way"] is False
    text = run(capsys, config, "ledger", "jane@acme.example")
    assert "reciprocity" in text and "half-life" in text and "every 12 days" in text
    why = run(capsys, config, "why", "jane@acme.example", "--json")
    assert "you usually talk every 12 days" in why["drift"]
    assert "it has been 36 days" in why["drift"]
    assert [f["kind"] for f in why["follow_ups"]] == ["drift"]
    omar = run(capsys, config, "why", "omar@haddad.example", "--json")
    assert "one-way" in omar["drift"] and omar["strength"]["one_way"] is True
    zoe = run(capsys, config, "why", "Zoe", "--json")
    assert "no rhythm learned" in zoe["drift"]
    due = run(capsys, config, "due", "--json")
    assert [(d["kind"], d["person"]) for d in due if d["kind"] == "drift"] == [
        ("drift", "Jane Roe")]
    assert "Reconnect" not in json.dumps(due)  # the title is the event's, the reason is here
