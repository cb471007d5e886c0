"""Events people notice: what lands in each calendar (Radicale, the local Google and Graph
fakes) with `followups.alarm` set and unset, and the mailto link that answers in the thread.

With an alarm: a VALARM (ACTION:DISPLAY) on CalDAV, ``reminders.overrides`` (useDefault false)
on Google, ``isReminderOn`` / ``reminderMinutesBeforeStart`` on Graph. Without: no VALARM, and
Google and Graph say "no reminder" explicitly, so the calendar's default reminder does not ring
for every follow-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from connectors._graph_http import Budget, GraphClient
from connectors.caldav import CaldavSink
from connectors.gcal import GcalSink
from connectors.outlook_sink import OutlookSink
from syncd.config import CaldavAccount
from syncd.localservers.caldav import CaldavServer
from syncd.model import FollowUp
from syncd.render import mailto
from tests.fakes.google_server import GoogleServer
from tests.fakes.graph_server import GraphServer
from tests.fixtures_google import Waits, google_account, policy, write_token
from tests.fixtures_graph import StaticTokens, account_for, graph

__all__ = ["graph"]
pytestmark = pytest.mark.integration
KEY = "0123456789abcdef0123456789abcdef01234567"
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LINK = mailto("jane@acme.example", "Budget for Q1 & the offsite?")


def followup(alarm: timedelta | None, key: str = KEY) -> FollowUp:
    return FollowUp(key=key, base_key=KEY, kind="owed_reply", person_id="jane@acme.example",
                    person_name="Jane Roe", email="jane@acme.example", due=START.date(),
                    start=START, duration=timedelta(minutes=15), timezone="Europe/Berlin",
                    title="Reply: Jane Roe (acme.example)",
                    description=f"Why: she wrote 3 days ago.\nWrite: {LINK}", reason="owed",
                    anchor="a1", alarm=alarm, mailto=LINK)


def test_the_link_answers_in_the_thread() -> None:
    assert LINK == ("mailto:jane@acme.example?subject=Re%3A%20Budget%20for%20Q1%20%26%20the%20"
                    "offsite%3F")
    assert mailto("jane@acme.example", "RE: Budget") == \
        "mailto:jane@acme.example?subject=RE%3A%20Budget"  # already a reply: no "Re: RE:"
    assert mailto("jane@acme.example", None) == "mailto:jane@acme.example"


@pytest.fixture
def caldav_sink(caldav_account: CaldavAccount, caldav_server: CaldavServer
                ) -> Iterator[CaldavSink]:
    made = CaldavSink(caldav_account, caldav_server.password, "Follow-ups")
    yield made
    made.close()


def stored_event(server: CaldavServer) -> icalendar.Event:
    (ics,) = server.events("Follow-ups").values()
    (event,) = icalendar.Calendar.from_ical(ics).events
    return event


def test_caldav_valarm_when_asked_and_none_otherwise(
        caldav_server: CaldavServer, caldav_sink: CaldavSink) -> None:
    written = caldav_sink.create(followup(timedelta(minutes=10)))
    event = stored_event(caldav_server)
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-10)
    assert str(alarm["DESCRIPTION"]) == "Reply: Jane Roe (acme.example)"
    assert str(event["URL"]) == LINK
    assert f"Write: {LINK}" in str(event["DESCRIPTION"])

    caldav_sink.update(followup(None), written)  # the key unset: the alarm goes
    assert stored_event(caldav_server).walk("VALARM") == []


def test_caldav_alarm_at_the_start(caldav_server: CaldavServer,
                                   caldav_sink: CaldavSink) -> None:
    caldav_sink.create(followup(timedelta(0)))
    (alarm,) = stored_event(caldav_server).walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(0)


@pytest.fixture
def gcal_sink(google_server: GoogleServer, tmp_path: Path) -> Iterator[GcalSink]:
    write_token(google_server, tmp_path, "cal")
    made = GcalSink(google_account(google_server, "cal", "google_calendar"), "Follow-ups",
                    state_dir=tmp_path, policy=policy(Waits()))
    yield made
    made.close()


def test_google_reminders_are_explicit_either_way(
        google_server: GoogleServer, gcal_sink: GcalSink) -> None:
    written = gcal_sink.create(followup(timedelta(minutes=10)))
    cid = gcal_sink.calendar_id()
    event = google_server.fake.events(cid)[written.remote_id]
    assert event["reminders"] == {"useDefault": False,
                                  "overrides": [{"method": "popup", "minutes": 10}]}
    assert f"Write: {LINK}" in event["description"]
    quiet = gcal_sink.create(followup(None, key=KEY + "g1"))
    assert google_server.fake.events(cid)[quiet.remote_id]["reminders"] == {
        "useDefault": False, "overrides": []}  # not the calendar's default reminder


def outlook_sink(server: GraphServer) -> OutlookSink:
    account = account_for(server)
    client = GraphClient(account.name, server.base, StaticTokens(), timeout=10,
                         budget=Budget(None), sleep=lambda s: None)
    return OutlookSink(account, "Follow-ups", client=client)


def test_outlook_reminder_only_when_asked(graph: GraphServer) -> None:
    sink = outlook_sink(graph)
    try:
        sink.create(followup(timedelta(minutes=5)))
        sink.create(replace(followup(None), key=KEY + "g1"))
    finally:
        sink.close()
    events = {e["singleValueExtendedProperties"][0]["value"]: e
              for e in graph.fake.sink.in_calendar("Follow-ups")}
    loud, quiet = events[KEY], events[KEY + "g1"]
    assert (loud["isReminderOn"], loud["reminderMinutesBeforeStart"]) == (True, 5)
    assert quiet["isReminderOn"] is False and "reminderMinutesBeforeStart" not in quiet
    assert loud["body"]["content"].count(LINK) >= 1
