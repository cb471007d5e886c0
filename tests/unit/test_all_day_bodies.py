"""The re-authorisation notice is an all-day event in every sink's own wire format."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from connectors import _gcal_parse, _graph_parse
from syncd.model import FollowUp

BERLIN = ZoneInfo("Europe/Berlin")


def notice(all_day: bool) -> FollowUp:
    start = datetime(2026, 11, 23, 0, 0, tzinfo=BERLIN)  # local midnight, 23:00 UTC the day before
    return FollowUp(key="abc123", base_key="abc123", kind="reauth", person_id="mail",
                    person_name="mail", email="", due=start.date(), start=start,
                    duration=timedelta(days=1), timezone="Europe/Berlin",
                    title="syncd: re-authorise mail", description="run syncd auth mail",
                    reason="needs auth", anchor="2026-11-23", all_day=all_day)


def test_google_all_day_uses_dates_with_an_exclusive_end() -> None:
    body = _gcal_parse.event_body(notice(True))
    assert body["start"] == {"date": "2026-11-23"} and body["end"] == {"date": "2026-11-24"}
    timed = _gcal_parse.event_body(notice(False))
    assert timed["start"] == {"dateTime": "2026-11-23T00:00:00+01:00",
                              "timeZone": "Europe/Berlin"}


def test_graph_all_day_is_midnight_to_midnight_in_the_events_zone() -> None:
    body = _graph_parse.event_body(notice(True))
    assert body["isAllDay"] is True
    assert body["start"] == {"dateTime": "2026-11-23T00:00:00", "timeZone": "Europe/Berlin"}
    assert body["end"] == {"dateTime": "2026-11-24T00:00:00", "timeZone": "Europe/Berlin"}
    assert "isAllDay" not in _graph_parse.event_body(notice(False))
