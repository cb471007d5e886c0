"""The Outlook follow-up sink against the local Graph fake: the calendar made when missing, the
key in a single-value extended property found by $filter before any create, free time, the
user's moves and deletions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connectors._graph_http import Budget, GraphClient
from connectors._graph_parse import KEY_PROPERTY
from connectors.outlook_sink import OutlookSink
from syncd.model import FollowUp
from tests.fakes.graph_server import GraphServer
from tests.fixtures_graph import StaticTokens, account_for, graph

__all__ = ["graph"]
KEY = "0123456789abcdef0123456789abcdef01234567"
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def followup(key: str = KEY, start: datetime = START) -> FollowUp:
    return FollowUp(key=key, base_key=KEY, kind="cadence", person_id="p@x.example",
                    person_name="P", email="p@x.example", due=start.date(), start=start,
                    duration=timedelta(minutes=15), timezone="Europe/Berlin",
                    title="Catch up: P", description="why", reason="why", anchor="a1")


def make_sink(server: GraphServer) -> OutlookSink:
    account = account_for(server)
    client = GraphClient(account.name, server.base, StaticTokens(), timeout=10,
                         budget=Budget(None), sleep=lambda s: None)
    return OutlookSink(account, "Follow-ups", client=client)


@pytest.fixture
def sink(graph: GraphServer) -> Iterator[OutlookSink]:
    made = make_sink(graph)
    yield made
    made.close()


def test_outlook_sink_creates_its_calendar_once_and_free_events_with_our_key(
        graph: GraphServer, sink: OutlookSink) -> None:
    written = sink.create(followup())
    events = graph.fake.sink.in_calendar("Follow-ups")
    assert len(events) == 1 and list(graph.fake.sink.calendars.values()).count("Follow-ups") == 1
    event = events[0]
    assert event["showAs"] == "free" and event["subject"] == "Catch up: P"
    assert event["singleValueExtendedProperties"] == [{"id": KEY_PROPERTY, "value": KEY}]
    assert event["start"] == {"dateTime": "2026-12-01T08:00:00", "timeZone": "UTC"}
    assert written.remote_id == event["id"] and written.etag == event["@odata.etag"]
    other = make_sink(graph)  # a second process finds the calendar, does not make another
    assert other.calendar_id() == sink.calendar_id()
    other.close()


def test_outlook_sink_create_after_a_crash_finds_the_event_instead_of_doubling_it(
        graph: GraphServer, sink: OutlookSink) -> None:
    first = sink.create(followup())
    restarted = make_sink(graph)  # no local record of the first write
    again = restarted.create(followup(start=START + timedelta(days=1)))
    restarted.close()
    assert again.remote_id == first.remote_id
    assert len(graph.fake.sink.in_calendar("Follow-ups")) == 1
    creates = [r for r in graph.fake.requests if r.startswith("POST") and "/events" in r]
    assert len(creates) == 1
    assert any("$filter=singleValueExtendedProperties/Any" in r for r in graph.fake.requests)


def test_outlook_sink_snapshot_keeps_the_users_move_and_forgets_deleted_events(
        graph: GraphServer, sink: OutlookSink) -> None:
    written = sink.create(followup())
    other = sink.create(followup(key=KEY + "g1"))
    user = graph.fake.sink
    user.user_moves(written.remote_id, "2026-12-03T10:00:00.0000000",
                    "2026-12-03T10:15:00.0000000")
    user.user_deletes(other.remote_id)
    snap = sink.snapshot()
    assert list(snap) == [KEY]
    assert snap[KEY].start == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    # our update carries the ETag we saw: the user's move wins, nothing is written
    kept = sink.update(followup(start=START + timedelta(days=5)), written)
    assert kept.start == written.start and kept.state == "live"
    assert sink.snapshot()[KEY].start == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_outlook_sink_update_and_cancel(graph: GraphServer, sink: OutlookSink) -> None:
    written = sink.create(followup())
    later = START + timedelta(days=2)
    moved = sink.update(followup(start=later), written)
    assert sink.snapshot()[KEY].start == later and moved.etag != written.etag
    sink.cancel(moved)
    assert sink.snapshot() == {}
    sink.cancel(moved)  # already gone: fine
