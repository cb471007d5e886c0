"""CaldavSink against a real Radicale on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from connectors.caldav import CaldavSink
from syncd.config import CaldavAccount
from syncd.localservers.caldav import CaldavServer
from syncd.model import FollowUp

pytestmark = pytest.mark.integration
FOLLOWUPS = "Follow-ups"
BERLIN = ZoneInfo("Europe/Berlin")
BASE = "a" * 64


def followup(start: datetime, *, key: str = BASE, anchor: str = "touch-1") -> FollowUp:
    return FollowUp(
        key=key, base_key=BASE, kind="cadence", person_id="p-jane", person_name="Jane Roe",
        email="jane@acme.example", due=start.date(), start=start,
        duration=timedelta(minutes=15), timezone="Europe/Berlin",
        title="Catch up: Jane Roe (acme.example)", description="Last touch: a while ago",
        reason="cadence", anchor=anchor)


@pytest.fixture
def sink(caldav_account: CaldavAccount, caldav_server: CaldavServer) -> Iterator[CaldavSink]:
    made = CaldavSink(caldav_account, caldav_server.password, FOLLOWUPS)
    yield made
    made.close()


def dtstart(ics: str) -> datetime:
    [event] = icalendar.Calendar.from_ical(ics).events
    start = event.start
    assert isinstance(start, datetime) and start.tzinfo is not None
    return start


def test_the_calendar_is_created_when_missing_and_found_the_second_time(
        caldav_server: CaldavServer, caldav_account: CaldavAccount) -> None:
    caldav_server.create_calendar("Work")
    for _ in range(2):
        sink = CaldavSink(caldav_account, caldav_server.password, FOLLOWUPS)
        try:
            assert sink.snapshot() == {}
        finally:
            sink.close()
    assert sorted(caldav_server.calendars()) == [FOLLOWUPS, "Work"]


def test_create_then_snapshot_shows_it_with_its_start(
        caldav_server: CaldavServer, sink: CaldavSink) -> None:
    start = datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)

    written = sink.create(followup(start))

    there = sink.snapshot()
    assert list(there) == [BASE]
    assert there[BASE].start == start == written.start
    assert there[BASE].etag == written.etag is not None
    assert there[BASE].remote_id == written.remote_id and written.remote_id.endswith(
        f"/{BASE}.ics")
    assert (written.base_key, written.anchor, written.kind, written.person_id,
            written.state, written.generation) == (BASE, "touch-1", "cadence", "p-jane",
                                                   "live", 0)
    ics = caldav_server.events(FOLLOWUPS)[f"{BASE}.ics"]
    assert f"UID:{BASE}@syncd" in ics and "TRANSP:TRANSPARENT" in ics
    assert "URL:mailto:jane@acme.example" in ics


def test_creating_twice_with_one_key_leaves_one_event(
        caldav_server: CaldavServer, sink: CaldavSink) -> None:
    first = sink.create(followup(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))
    # A crash after the write, before the record: the engine creates again, later.
    again = sink.create(followup(datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)))

    assert list(caldav_server.events(FOLLOWUPS)) == [f"{BASE}.ics"]
    assert again.remote_id == first.remote_id and again.etag != first.etag
    assert sink.snapshot()[BASE].start == datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)


def test_update_moves_the_event(caldav_server: CaldavServer, sink: CaldavSink) -> None:
    written = sink.create(followup(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))
    later = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)

    updated = sink.update(followup(later, anchor="touch-2"), written)

    assert updated.start == later and updated.anchor == "touch-2"
    assert updated.etag != written.etag
    assert sink.snapshot()[BASE].start == later
    assert dtstart(caldav_server.events(FOLLOWUPS)[f"{BASE}.ics"]) == later


def test_update_after_the_user_moved_the_event_keeps_the_users_time(
        caldav_server: CaldavServer, sink: CaldavSink) -> None:
    ours = datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)
    written = sink.create(followup(ours))
    href = f"{BASE}.ics"
    users = caldav_server.events(FOLLOWUPS)[href].replace("T090000", "T163000").replace(
        "T091500", "T164500")
    caldav_server.put_event(FOLLOWUPS, href, users)  # the user snoozes it to 16:30

    kept = sink.update(followup(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)), written)

    there = sink.snapshot()[BASE]
    assert there.start == datetime(2026, 11, 24, 16, 30, tzinfo=BERLIN)
    assert kept.etag == there.etag  # what is there now ...
    assert kept.start == ours != there.start  # ... and still reads as moved by the user


def test_cancel_deletes_and_cancelling_again_is_fine(
        caldav_server: CaldavServer, sink: CaldavSink) -> None:
    written = sink.create(followup(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))

    sink.cancel(written)
    assert caldav_server.events(FOLLOWUPS) == {} and sink.snapshot() == {}
    sink.cancel(written)  # already gone: success
    sink.cancel(replace(written, etag=None))


def test_cancel_after_the_user_edited_the_event_still_deletes_it(
        caldav_server: CaldavServer, sink: CaldavSink) -> None:
    written = sink.create(followup(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))
    href = f"{BASE}.ics"
    caldav_server.put_event(FOLLOWUPS, href, caldav_server.events(FOLLOWUPS)[href].replace(
        "SUMMARY:Catch up", "SUMMARY:Really catch up"))

    sink.cancel(written)

    assert caldav_server.events(FOLLOWUPS) == {}


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])
def test_a_follow_up_on_a_dst_change_day_is_stored_at_the_right_instant(
        caldav_server: CaldavServer, sink: CaldavSink, day: str) -> None:
    start = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=BERLIN)
    utc_hour = {"2026-03-29": 7, "2026-10-25": 8}[day]  # CEST after the spring change, CET after

    sink.create(followup(start))

    stored = dtstart(caldav_server.events(FOLLOWUPS)[f"{BASE}.ics"])
    assert stored.astimezone(UTC) == datetime.fromisoformat(day).replace(
        hour=utc_hour, tzinfo=UTC)
    assert sink.snapshot()[BASE].start.astimezone(UTC).hour == utc_hour


def test_a_generation_suffix_in_the_key_is_recorded(sink: CaldavSink) -> None:
    written = sink.create(followup(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN),
                                   key=f"{BASE}g2"))
    assert written.generation == 2 and written.remote_id.endswith(f"/{BASE}g2.ics")
    assert set(sink.snapshot()) == {f"{BASE}g2"}


def test_update_of_an_event_the_user_deleted_reports_it_gone(
        caldav_server: CaldavServer, sink: CaldavSink) -> None:
    written = sink.create(followup(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))
    caldav_server.delete_event(FOLLOWUPS, f"{BASE}.ics")

    result = sink.update(followup(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)), written)

    assert result.state == "dismissed" and caldav_server.events(FOLLOWUPS) == {}


def test_a_put_answered_without_etag_is_read_back(
        sink: CaldavSink, monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 7231 lets a server omit the ETag; Radicale sends one, so drop it on the way."""
    real_put = sink._dav.put

    def put_without_etag(path: str, body: bytes, **kw: object) -> tuple[int, str | None]:
        status, _ = real_put(path, body, **kw)  # type: ignore[arg-type]
        return status, None

    monkeypatch.setattr(sink._dav, "put", put_without_etag)

    written = sink.create(followup(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))

    assert written.etag is not None and written.etag == sink.snapshot()[BASE].etag


def test_update_without_a_known_etag_checks_what_is_there_first(
        caldav_server: CaldavServer, sink: CaldavSink) -> None:
    ours = datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)
    written = replace(sink.create(followup(ours)), etag=None)
    later = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)

    moved = sink.update(followup(later), written)
    assert moved.start == later and sink.snapshot()[BASE].start == later

    kept = sink.update(followup(datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN)),
                       replace(written, start=ours))  # our record says 24th, it is on the 1st
    assert kept.start == ours and sink.snapshot()[BASE].start == later
