"""``syncd why`` for a person with a long history (issue 16): the rows are read from the store as
they are written (``--json``: every one), and the table shows how many there are and the newest
``NEWEST`` of them unless ``--all``; the rows themselves are those of the full pass."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from syncd.commands import views, why_show
from syncd.commands.cli import main
from syncd.commands.why import explain
from syncd.commands.why_history import NEWEST, StoredHistory
from syncd.commands.why_stored import explain_stored
from syncd.engine import placement
from syncd.model import Message, Page
from syncd.pipeline import compute
from syncd.store import Store
from tests.factories import ME, NOW, mail
from tests.unit.test_why import cfg

LEE = "lee@lee.example"


def pure(query: str, messages: list[Message]) -> dict[str, Any]:
    """The answer of one full pass over ``messages``."""
    snapshot = compute(cfg(), messages, [], NOW)
    return explain(cfg(), snapshot, placement(cfg(), snapshot, {}, {}, NOW), messages, [], query,
                   NOW)


def long_history() -> list[Message]:
    """Threads of one to four messages either way, some open asks, some owed replies, a copy
    sent twice within minutes: more than ``NEWEST`` rows."""
    out: list[Message] = []
    for t in range(30):
        parent = None
        for n in range(1 + t % 4):
            mine = (t + n) % 2 == 0 or (t % 7 == 3 and n == 1)
            mid = f"t{t}-{n}"
            out.append(mail(ME if mine else LEE, LEE if mine else ME,
                            days_ago=400 - t * 13 - n * 0.4 - (t % 5) * 0.01,
                            subject=f"Re: Topic {t}" if parent else f"Topic {t}", mid=mid,
                            reply_to=parent, name="" if mine else "Lee Park"))
            parent = mid
    return sorted(out, key=lambda m: (m.date, m.message_id))


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SYNCD_NOW", NOW.isoformat())
    store_path = tmp_path / "s.sqlite3"
    with Store.open(store_path) as store:
        store.ingest("mail", Page(tuple(long_history()), "1"))
    path = tmp_path / "syncd.toml"
    path.write_text(f'[me]\nname = "Dana"\naddresses = ["{ME}"]\ntimezone = "Europe/Berlin"\n'
                    f'[store]\npath = "{store_path}"\n[[cadences]]\nname = "close"\n'
                    'every = "14d"\nmin_exchanges = 5\n[[cadences]]\nname = "network"\n'
                    'every = "60d"\n', encoding="utf-8")
    return path


def test_the_rows_read_from_the_store_are_the_full_pass_rows(config_file: Path) -> None:
    expected = pure(LEE, long_history())
    assert len(expected["counted"]) > NEWEST
    with Store.open(config_file.parent / "s.sqlite3") as store:
        assert explain_stored(cfg(), store, LEE, NOW) == expected
        lazy = explain_stored(cfg(), store, LEE, NOW, lazy=True)
        rows = lazy["counted"]
        assert isinstance(rows, StoredHistory)
        assert list(rows) == expected["counted"]  # and again: read afresh each time
        assert list(rows) == expected["counted"] and len(rows) == len(expected["counted"])
        assert rows.newest(5) == expected["counted"][-5:]
        assert rows.newest(10_000) == expected["counted"]
        # the roles say what the full pass says: open asks, owed replies, copies
        whys = " ".join(row["why"] for row in rows)
        assert "open ask" in whys and "initiation by them" in whys and "reply by you" in whys


def test_json_writes_every_row(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config_file), "why", LEE, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = pure(LEE, long_history())
    assert data == json.loads(json.dumps(expected))


def test_the_table_shows_the_newest_rows_and_how_many(
        config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    total = len(pure(LEE, long_history())["counted"])
    assert main(["--config", str(config_file), "why", LEE]) == 0
    text = capsys.readouterr().out
    assert f"counts ({total:,}; the newest {NEWEST} below: --all lists every one" in text
    assert "Topic 29" in text and "Topic 0 " not in text and "Topic 0\n" not in text
    assert main(["--config", str(config_file), "why", LEE, "--all"]) == 0
    text = capsys.readouterr().out
    assert f"counts ({total:,})" in text and "Topic 0" in text


def test_all_prints_every_row_a_table_at_a_time(
        config_file: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(why_show, "ALL_CHUNK", 20)  # tables of 20 rows: several here
    expected = pure(LEE, long_history())["counted"]
    assert main(["--config", str(config_file), "why", LEE, "--all"]) == 0
    text = capsys.readouterr().out
    assert text.count(f"counts ({len(expected):,})") == 1
    assert text.count("┏") == -(-len(expected) // 20)  # a table per 20 rows
    for t in range(30):
        assert f"Topic {t} " in text or f"Topic {t}\n" in text or f"Topic {t}│" in text


def test_rows_read_as_they_come_are_written_as_a_list_would_be() -> None:
    rows = [{"at": "2026-11-20T12:00:00+01:00", "why": "ünï \"q\""}, {"n": None, "x": 1.5}]
    for value in (rows, []):
        text = io.StringIO()
        views.write_json({"kind": "person", "counted": iter(value), "rest": []}, text)
        assert text.getvalue() == views.json_rows({"kind": "person", "counted": value,
                                                   "rest": []})
        assert json.loads(text.getvalue())["counted"] == value
