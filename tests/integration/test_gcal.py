"""Google Calendar source and follow-up sink against the local wire-format server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.gcal import GcalSink, GcalSource
from syncd.errors import CursorExpired
from syncd.model import FollowUp
from tests.fakes.google_server import GoogleServer
from tests.fixtures_google import Waits, google_account, policy, write_token

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
KEY = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def source(google_server: GoogleServer, tmp_path: Path) -> Iterator[GcalSource]:
    write_token(google_server, tmp_path, "cal")
    google_server.fake.calendar("primary", "dana@example.org")
    src = GcalSource(google_account(google_server, "cal", "google_calendar"), now=lambda: NOW,
                     state_dir=tmp_path, policy=policy(Waits()), page_size=2)
    yield src
    src.close()


@pytest.fixture
def sink(google_server: GoogleServer, tmp_path: Path) -> Iterator[GcalSink]:
    write_token(google_server, tmp_path, "cal")
    s = GcalSink(google_account(google_server, "cal", "google_calendar"), "Follow-ups",
                 state_dir=tmp_path, policy=policy(Waits()))
    yield s
    s.close()


def _meeting(server: GoogleServer, eid: str, **extra: object) -> None:
    server.fake.put_event("primary", {
        "id": eid, "iCalUID": f"{eid}@google.com", "summary": f"meet {eid}",
        "start": {"dateTime": "2026-02-10T10:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-02-10T11:00:00+01:00", "timeZone": "Europe/Berlin"},
        "organizer": {"email": "dana@example.org", "self": True},
        "attendees": [
            {"email": "dana@example.org", "self": True, "responseStatus": "accepted"},
            {"email": "jane@acme.example", "displayName": "Jane", "responseStatus": "declined"},
            {"email": "room1@resource.calendar.google.com", "resource": True,
             "responseStatus": "accepted"}],
        **extra})


def test_gcal_source_lists_then_follows_the_sync_token(source: GcalSource,
                                                       google_server: GoogleServer) -> None:
    for n in range(3):
        _meeting(google_server, f"ev{n}")
    google_server.fake.put_event("primary", {"id": "gone1", "status": "cancelled",
                                             "start": {"date": "2026-02-01"}})
    pages = list(source.pull(None))
    assert len(pages) == 2 and pages[-1].listing_complete and pages[0].listing
    meetings = [m for p in pages for m in p.items]
    assert sorted(m.native_id for m in meetings) == ["ev0", "ev1", "ev2"]
    m = meetings[0]
    assert m.start == datetime(2026, 2, 10, 9, 0, tzinfo=UTC) and m.status == "CONFIRMED"
    assert m.organizer is not None and m.organizer.email == "dana@example.org"
    jane = next(a for a in m.attendees if a.email == "jane@acme.example")
    assert jane.partstat == "DECLINED"
    assert next(a for a in m.attendees if "resource" in a.email).cutype == "ROOM"
    assert [m for p in source.pull(pages[-1].cursor) for m in p.items] == []
    google_server.fake.put_event("primary", {**google_server.fake.events("primary")["ev1"],
                                             "status": "cancelled"})
    _meeting(google_server, "ev9")
    more = list(source.pull(pages[-1].cursor))
    assert [m.native_id for p in more for m in p.items] == ["ev9"]
    assert [r for p in more for r in p.removed] == ["ev1"]


def test_gcal_410_is_cursor_expired(source: GcalSource, google_server: GoogleServer) -> None:
    _meeting(google_server, "ev0")
    cursor = list(source.pull(None))[-1].cursor
    google_server.fake.sync_floor = 10**6
    with pytest.raises(CursorExpired):
        list(source.pull(cursor))


def _followup(key: str, start: datetime) -> FollowUp:
    return FollowUp(key=key, base_key=KEY, kind="cadence", person_id="jane@acme.example",
                    person_name="Jane", email="jane@acme.example", due=start.date(), start=start,
                    duration=timedelta(minutes=15), timezone="Europe/Berlin",
                    title="Catch up: Jane", description="why", reason="why", anchor="a1")


def test_gcal_sink_creates_in_a_new_calendar_with_a_deterministic_id(
        sink: GcalSink, google_server: GoogleServer) -> None:
    start = datetime(2026, 3, 30, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # after the DST change
    written = sink.create(_followup(KEY, start))
    cid = sink.calendar_id()
    assert google_server.fake.calendars[cid]["summary"] == "Follow-ups"
    event = google_server.fake.events(cid)[KEY]
    assert written.remote_id == KEY and written.state == "live"
    assert event["transparency"] == "transparent"
    assert event["start"] == {"dateTime": "2026-03-30T09:00:00+02:00",
                              "timeZone": "Europe/Berlin"}
    assert event["extendedProperties"]["private"]["syncd_key"] == KEY
    again = sink.create(_followup(KEY, start))  # a crash before the record: 409, then reconcile
    assert again.state == "live" and len(google_server.fake.events(cid)) == 1
    assert list(sink.snapshot()) == [KEY]
    sink2 = GcalSink(sink.session.account, "Follow-ups", state_dir=sink.session.state_dir)
    try:
        assert sink2.calendar_id() == cid  # found by summary, not created twice
    finally:
        sink2.close()


def test_gcal_user_deleted_follow_up_is_dismissed_and_a_new_generation_gets_a_new_id(
        sink: GcalSink, google_server: GoogleServer) -> None:
    start = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    written = sink.create(_followup(KEY, start))
    cid = sink.calendar_id()
    fake = google_server.fake
    fake.put_event(cid, {**fake.events(cid)[KEY], "status": "cancelled"})  # the user deletes it
    assert KEY not in sink.snapshot()  # cancelled counts as gone
    assert sink.create(_followup(KEY, start)).state == "dismissed"  # id reserved: 409
    assert fake.events(cid)[KEY]["status"] == "cancelled"  # not resurrected
    assert sink.update(_followup(KEY, start), written).state == "dismissed"
    sink.cancel(written)  # already gone: fine
    new = sink.create(_followup(KEY + "g1", start))
    assert new.generation == 1 and set(sink.snapshot()) == {KEY + "g1"}


def test_gcal_user_moved_follow_up_keeps_the_users_time(
        sink: GcalSink, google_server: GoogleServer) -> None:
    start = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    written = sink.create(_followup(KEY, start))
    cid = sink.calendar_id()
    fake = google_server.fake
    event = fake.events(cid)[KEY]
    fake.put_event(cid, {**event, "start": {"dateTime": "2026-03-12T15:00:00Z"},
                         "end": {"dateTime": "2026-03-12T15:15:00Z"}})
    snap = sink.snapshot()
    assert snap[KEY].start == datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
    kept = sink.update(_followup(KEY, start + timedelta(days=1)), written)
    assert kept.start == written.start and kept.state == "live"
    assert fake.events(cid)[KEY]["start"]["dateTime"] == "2026-03-12T15:00:00Z"
    sink.cancel(written)
    assert KEY not in sink.snapshot()
