"""connectors/_ics.py: iCalendar to meetings and back, on hand-written and real files."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors._ics import followup_to_ics, meetings_from_ics, remote_from_ics
from syncd.errors import ProtocolError
from syncd.model import FollowUp, Meeting, Remote
from tests.fixtures_caldav import ics_event

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "ical"
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
KEY = "0123abcd" * 8


def meetings(data: str | bytes, *, start: datetime = WINDOW[0], end: datetime = WINDOW[1],
             resource: str = "/dana/work/e.ics") -> list[Meeting]:
    return meetings_from_ics(data, account="cal", resource=resource, scope="/dana/work/",
                             window_start=start, window_end=end)


def followup(start: datetime, zone: str) -> FollowUp:
    return FollowUp(key=KEY, base_key=KEY, kind="cadence", person_id="p1",
                    person_name="Jane Roe", email="jane@acme.example", due=start.date(),
                    start=start, duration=timedelta(minutes=15), timezone=zone,
                    title="Catch up: Jane Roe", description="Last touch: 3 weeks ago",
                    reason="cadence", anchor="a1")


# -- follow-ups out and back ---------------------------------------------------------------


@pytest.mark.parametrize(("zone", "day", "utc_hour"), [
    ("Europe/Berlin", "2026-03-29", 7),      # CEST from 02:00 that morning
    ("Europe/Berlin", "2026-10-25", 8),      # CET from 03:00 that morning
    ("America/New_York", "2026-03-08", 13),  # EDT
    ("America/New_York", "2026-11-01", 14),  # EST
])
def test_a_follow_up_at_nine_local_on_a_dst_change_day_round_trips(
        zone: str, day: str, utc_hour: int) -> None:
    start = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(zone))
    instant = datetime.fromisoformat(day).replace(hour=utc_hour, tzinfo=UTC)

    ics = followup_to_ics(followup(start, zone)).decode()

    assert f"DTSTART;TZID={zone}:{day.replace('-', '')}T090000" in ics
    assert f"DTEND;TZID={zone}:{day.replace('-', '')}T091500" in ics
    remote = remote_from_ics(ics, "/dana/f/x.ics", '"e1"')
    assert remote is not None and remote.start == instant and remote.key == KEY
    [meeting] = meetings(ics)
    assert (meeting.start, meeting.end) == (instant, instant + timedelta(minutes=15))
    assert meeting.ours


@pytest.mark.parametrize(("zone", "day", "utc_hour"), [
    ("Europe/Berlin", "2026-03-29", 7), ("America/New_York", "2026-11-01", 14)])
def test_the_vtimezone_written_alone_gives_the_same_instant(
        zone: str, day: str, utc_hour: int) -> None:
    """A client that does not know IANA names reads only our VTIMEZONE."""
    start = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(zone))
    ics = followup_to_ics(followup(start, zone)).decode()
    assert f"BEGIN:VTIMEZONE\r\nTZID:{zone}" in ics

    private = ics.replace(zone, f"Private/{zone.replace('/', '-')}")  # unique: icalendar
    # caches custom VTIMEZONEs by TZID for the whole process (the first definition wins)

    [meeting] = meetings(private)
    assert meeting.start == datetime.fromisoformat(day).replace(hour=utc_hour, tzinfo=UTC)


def test_a_follow_up_carries_its_key_kind_and_a_mailto_link() -> None:
    f = followup(datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")), "Europe/Berlin")
    ics = followup_to_ics(f, stamp=datetime(2026, 5, 1, tzinfo=UTC)).decode()
    ics = ics.replace("\r\n ", "")  # unfold: a 64-character key makes a long line
    for line in (f"UID:{KEY}@syncd", f"X-SYNCD-KEY:{KEY}", "X-SYNCD-KIND:cadence",
                 "SUMMARY:Catch up: Jane Roe", "DESCRIPTION:Last touch: 3 weeks ago",
                 "TRANSP:TRANSPARENT", "URL:mailto:jane@acme.example", "DTSTAMP:20260501T000000Z"):
        assert line in ics.splitlines()
    assert "RRULE" not in ics and ics.count("BEGIN:VEVENT") == 1


def test_a_follow_up_without_an_address_has_no_url() -> None:
    f = followup(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), "UTC")
    ics = followup_to_ics(replace(f, email="")).decode()
    assert "URL" not in ics and "DTSTART:20260601T090000Z" in ics


def test_remote_from_ics_is_none_for_events_that_are_not_ours() -> None:
    assert remote_from_ics(ics_event("x@example.org", "20260601T090000Z"), "/x.ics", None) is None
    key_only = ics_event("x@example.org", "20260601T090000Z", lines=("X-SYNCD-KEY:k9",))
    assert remote_from_ics(key_only, "/x.ics", None) is not None
    with pytest.raises(ProtocolError):
        remote_from_ics("BEGIN:VCALENDAR\r\nnonsense", "/x.ics", None)


# -- meetings in -------------------------------------------------------------------------------


SERIES = ics_event(
    "weekly@example.org", ";TZID=Europe/Berlin:20260302T090000",
    end=";TZID=Europe/Berlin:20260302T093000",
    attendees=(("jane@acme.example", "Jane", "ACCEPTED"),),
    lines=("RRULE:FREQ=WEEKLY;COUNT=6", "EXDATE;TZID=Europe/Berlin:20260309T090000"),
    overrides=(
        ("RECURRENCE-ID;TZID=Europe/Berlin:20260316T090000\n"
         "DTSTART;TZID=Europe/Berlin:20260317T140000\nDTEND;TZID=Europe/Berlin:20260317T143000\n"
         "SUMMARY:Moved"),
        ("RECURRENCE-ID;TZID=Europe/Berlin:20260323T090000\n"
         "DTSTART;TZID=Europe/Berlin:20260323T090000\nDTEND;TZID=Europe/Berlin:20260323T093000\n"
         "STATUS:CANCELLED"),
    ))


def test_a_series_expands_with_exdate_a_moved_and_a_cancelled_instance() -> None:
    found = meetings(SERIES)

    assert [(m.start.isoformat(), m.status, m.summary) for m in found] == [
        ("2026-03-02T08:00:00+00:00", "CONFIRMED", "Meeting"),
        ("2026-03-17T13:00:00+00:00", "CONFIRMED", "Moved"),
        ("2026-03-23T08:00:00+00:00", "CANCELLED", None),  # the override has no SUMMARY
        ("2026-03-30T07:00:00+00:00", "CONFIRMED", "Meeting"),  # after the DST change
        ("2026-04-06T07:00:00+00:00", "CONFIRMED", "Meeting"),
    ]
    assert [m.native_id for m in found][:2] == [
        "/dana/work/e.ics#2026-03-02T08:00:00+00:00", "/dana/work/e.ics#2026-03-17T13:00:00+00:00"]
    assert {m.uid for m in found} == {"weekly@example.org"}
    assert [len(m.attendees) for m in found] == [1, 0, 0, 1, 1]  # overrides stand alone


def test_only_occurrences_in_the_window_come_back() -> None:
    found = meetings(SERIES, start=datetime(2026, 3, 20, tzinfo=UTC),
                     end=datetime(2026, 4, 1, tzinfo=UTC))
    assert [m.start.day for m in found] == [23, 30]


def test_an_all_day_event_is_all_day_in_utc_dates() -> None:
    one = ics_event("d1", ";VALUE=DATE:20260311")
    three = ics_event("d3", ";VALUE=DATE:20260311", end=";VALUE=DATE:20260314")

    [a], [b] = meetings(one), meetings(three)

    assert a.all_day and (a.start, a.end) == (datetime(2026, 3, 11, tzinfo=UTC),
                                              datetime(2026, 3, 12, tzinfo=UTC))
    assert b.all_day and b.end == datetime(2026, 3, 14, tzinfo=UTC)
    assert a.native_id.endswith("#2026-03-11T00:00:00+00:00")


def test_rooms_resources_names_and_partstat_are_read() -> None:
    ics = ics_event("r", "20260601T090000Z", organizer="boss@acme.example", lines=(
        'ATTENDEE;CN="Roe, Jane";PARTSTAT=TENTATIVE:MAILTO:Jane@Acme.example',
        "ATTENDEE;CUTYPE=ROOM;CN=Room 4.01;PARTSTAT=ACCEPTED:mailto:room401@acme.example",
        "ATTENDEE;CUTYPE=RESOURCE;CN=Projector:urn:uuid:7c6e",
        "ATTENDEE:mailto:bare@acme.example",
    ))

    [m] = meetings(ics)

    assert m.organizer is not None and m.organizer.email == "boss@acme.example"
    assert [(a.email, a.name, a.partstat, a.cutype) for a in m.attendees] == [
        ("Jane@Acme.example", "Roe, Jane", "TENTATIVE", "INDIVIDUAL"),
        ("room401@acme.example", "Room 4.01", "ACCEPTED", "ROOM"),
        ("urn:uuid:7c6e", "Projector", "NEEDS-ACTION", "RESOURCE"),
        ("bare@acme.example", "", "NEEDS-ACTION", "INDIVIDUAL"),
    ]


def test_floating_times_are_taken_as_utc_and_custom_vtimezones_are_honoured() -> None:
    floating = ics_event("f", "20260601T090000")
    custom = ics_event("c", ";TZID=Office:20260601T090000").replace(
        "BEGIN:VEVENT", "BEGIN:VTIMEZONE\r\nTZID:Office\r\nBEGIN:STANDARD\r\n"
        "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT", 1)

    assert meetings(floating)[0].start == datetime(2026, 6, 1, 9, tzinfo=UTC)
    assert meetings(custom)[0].start == datetime(2026, 6, 1, 3, 30, tzinfo=UTC)


def test_our_own_events_are_marked() -> None:
    assert meetings(ics_event(f"{KEY}@syncd", "20260601T090000Z"))[0].ours
    assert meetings(ics_event("x", "20260601T090000Z", lines=("X-SYNCD-KEY:k",)))[0].ours
    assert not meetings(ics_event("x@syncd.example", "20260601T090000Z"))[0].ours


def test_a_file_without_events_gives_no_meetings() -> None:
    todo = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t\r\n"
            "END:VTODO\r\nEND:VCALENDAR\r\n")
    assert meetings(todo) == []


@pytest.mark.parametrize(("data", "reason"), [
    ("", "not iCalendar"),
    ("hello world", "not iCalendar"),
    ("BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n", "no VCALENDAR"),
    (ics_event("x", "2026061XT090000Z"), "DTSTART"),
    (ics_event("x", "20260601T090000Z").replace("DTSTART:20260601T090000Z\r\n", ""),
     "without DTSTART"),
    (ics_event("x", "20260601T090000Z", lines=("RRULE:FREQ=SECONDLY",)), "occurrences"),
    (ics_event("x", "20260601T090000Z", lines=("RRULE:FREQ=WEEKLY;BYDAY=XX",)), "RRULE"),
])
def test_broken_input_raises_protocol_error_with_a_reason(data: str, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        meetings(data)


def test_two_events_of_one_file_at_one_instant_get_distinct_ids() -> None:
    one = ics_event("a", "20260601T090000Z")
    two = one.replace("END:VCALENDAR", ics_event("b", "20260601T090000Z").split(
        "PRODID:-//syncd tests//EN\r\n", 1)[1].replace("END:VCALENDAR\r\n", "") + "END:VCALENDAR")
    found = meetings(two)
    assert len(found) == 2 and len({m.native_id for m in found}) == 2


# -- real files and garbage ------------------------------------------------------------------


def _corpus() -> list[Path]:
    return sorted(CORPUS.rglob("*.ics")) if CORPUS.is_dir() else []


@pytest.mark.corpus
def test_every_real_ics_file_gives_meetings_or_a_protocol_error() -> None:
    files = _corpus()
    if not files:
        pytest.skip(f"no .ics corpus at {CORPUS} (see shared/data/MANIFEST)")
    parsed = refused = 0
    for path in files:
        resource = f"/corpus/{path.relative_to(CORPUS)}"
        try:
            found = meetings(path.read_bytes(), resource=resource,
                             start=datetime(2007, 1, 1, tzinfo=UTC),
                             end=datetime(2008, 3, 1, tzinfo=UTC))
        except ProtocolError as exc:
            assert str(exc), path
            refused += 1
            continue
        parsed += 1
        for m in found:
            assert m.start.tzinfo is UTC and m.end.tzinfo is UTC and m.start <= m.end, path
            assert m.native_id.startswith(resource + "#"), path
        assert len({m.native_id for m in found}) == len(found), path
    assert parsed > refused  # most real files are fine; a parser that refuses all would pass


LINES = st.sampled_from([
    "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VTIMEZONE",
    "END:VTIMEZONE", "VERSION:2.0", "UID:x", "DTSTART:20260601T090000Z",
    "DTSTART;VALUE=DATE:20260601", "DTSTART;TZID=Europe/Berlin:20260601T090000",
    "DTEND:20260601T100000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=3",
    "RRULE:FREQ=MINUTELY", "EXDATE:20260602T090000Z", "RECURRENCE-ID:20260602T090000Z",
    "STATUS:CANCELLED", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b", "ORGANIZER:mailto:o@b",
    "CALSCALE:JULIAN", "TZID:Europe/Berlin",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300),
    st.lists(st.one_of(LINES, st.text(max_size=40)), max_size=30).map("\r\n".join),
))
def test_garbage_gives_meetings_or_protocol_error_and_nothing_else(data: str | bytes) -> None:
    try:
        found = meetings(data)
    except ProtocolError:
        pass
    else:
        assert all(isinstance(m, Meeting) for m in found)
    try:
        remote = remote_from_ics(data, "/x.ics", None)
    except ProtocolError:
        return
    assert remote is None or isinstance(remote, Remote)


def test_an_all_day_follow_up_is_one_date_and_reads_back_at_that_date() -> None:
    f = followup(datetime(2026, 3, 29, 0, 0, tzinfo=UTC), "America/New_York")
    ics = followup_to_ics(replace(f, all_day=True, email="")).decode()
    lines = ics.splitlines()
    assert "DTSTART;VALUE=DATE:20260329" in lines and "DTEND;VALUE=DATE:20260330" in lines
    assert "BEGIN:VTIMEZONE" not in ics  # dates need no zone
    remote = remote_from_ics(ics, "/dana/f/x.ics", None)
    assert remote is not None and remote.start == f.start  # no spurious "moved"
