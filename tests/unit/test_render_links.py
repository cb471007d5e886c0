"""What a follow-up event says and does: the mailto link answers in the thread (the subject
URL-encoded, only where subjects are stored), and the alarm comes from `followups.alarm`.
The whole cycle on the in-memory connectors, as the engine renders it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from connectors.memory import MemorySink, MemorySource
from syncd.engine import run_cycle
from syncd.model import FollowUp
from syncd.store import Store
from tests.factories import ME, NOW, config, mail

JANE = "jane@acme.example"


def events(tmp_path: Path, **followups: Any) -> list[FollowUp]:
    subjects = followups.pop("subjects", True)
    cfg = config(accounts=[{"name": "cal", "type": "caldav", "url": "http://127.0.0.1:1/"}],
                 followups={"account": "cal", "horizon": "30d", **followups},
                 store={"subjects": subjects})
    history = [mail(ME, JANE, days_ago=40, subject="Plan", mid="j1"),
               mail(JANE, ME, days_ago=39, subject="Re: Plan", mid="j2", reply_to="j1"),
               mail(JANE, ME, days_ago=6, subject="Offsite: dates & budget?", mid="j3")]
    sink = MemorySink()
    with Store.open(tmp_path / "db.sqlite3", keep_subjects=subjects) as store:
        run_cycle(cfg, store, {"mail": MemorySource("mail", history)}, sink, NOW)
    return [f for f in sink.events.values() if f.person_id == JANE]


def test_the_link_answers_the_newest_mail_in_its_thread(tmp_path: Path) -> None:
    (event, *_) = events(tmp_path)
    link = "mailto:jane@acme.example?subject=Re%3A%20Offsite%3A%20dates%20%26%20budget%3F"
    assert event.mailto == link and f"Write: {link}" in event.description
    assert event.alarm is None  # off by default


def test_no_subject_in_the_link_when_subjects_are_not_stored(tmp_path: Path) -> None:
    (event, *_) = events(tmp_path / "nosubj", subjects=False)
    assert event.mailto == "mailto:jane@acme.example" and "Offsite" not in event.description


def test_the_alarm_comes_from_the_config(tmp_path: Path) -> None:
    assert {f.alarm for f in events(tmp_path, alarm="0m")} == {timedelta(0)}
    assert {f.alarm for f in events(tmp_path / "b", alarm="10m")} == {timedelta(minutes=10)}
