"""CaldavSource against a real Radicale on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from connectors.caldav import CaldavSource
from syncd.config import CaldavAccount
from syncd.errors import AuthError, ConnectorError, TransientError
from syncd.localservers.caldav import CaldavServer
from syncd.model import Meeting, Page
from syncd.store import Store
from tests.fixtures_caldav import ics_event

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
JANE = ("jane@acme.example", "Jane Roe", "ACCEPTED")
OMAR = ("omar@haddad.example", "Omar Haddad", "DECLINED")


@pytest.fixture
def work(caldav_server: CaldavServer) -> str:
    return caldav_server.create_calendar("Work")


@pytest.fixture
def source(caldav_account: CaldavAccount, caldav_server: CaldavServer) -> Iterator[CaldavSource]:
    src = CaldavSource(caldav_account, caldav_server.password, now=lambda: NOW)
    yield src
    src.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store.sqlite3") as opened:
        yield opened


def pull(source: CaldavSource, cursor: str | None) -> tuple[list[Page], str | None]:
    pages = list(source.pull(cursor))
    return pages, (pages[-1].cursor if pages else cursor)


def items(pages: list[Page]) -> list[Meeting]:
    return [i for p in pages for i in p.items if isinstance(i, Meeting)]


def ingest(store: Store, pages: list[Page]) -> dict[str, Meeting]:
    for page in pages:
        store.ingest("cal", page)
    return {m.native_id: m for m in store.meetings()}


def test_first_sync_lists_meetings_with_attendees_partstat_and_rooms(
        caldav_server: CaldavServer, work: str, source: CaldavSource) -> None:
    caldav_server.put_event("Work", "lunch.ics", ics_event(
        "lunch@example.org", "20261110T120000Z", end="20261110T130000Z", summary="Lunch",
        attendees=(JANE, OMAR),
        lines=("ATTENDEE;CUTYPE=ROOM;CN=Room 1:mailto:room1@rooms.example",)))

    pages, cursor = pull(source, None)

    assert [p.scope for p in pages] == [work]
    assert pages[-1].listing and pages[-1].listing_complete
    [meeting] = items(pages)
    path = "/" + work.split("/", 3)[3] + "lunch.ics"
    assert meeting.native_id == f"{path}#2026-11-10T12:00:00+00:00"
    assert (meeting.account, meeting.uid, meeting.scope) == ("cal", "lunch@example.org", work)
    assert (meeting.start, meeting.end) == (datetime(2026, 11, 10, 12, tzinfo=UTC),
                                            datetime(2026, 11, 10, 13, tzinfo=UTC))
    assert meeting.organizer is not None and meeting.organizer.email == "dana@example.org"
    assert [(a.email, a.name, a.partstat, a.cutype) for a in meeting.attendees] == [
        ("jane@acme.example", "Jane Roe", "ACCEPTED", "INDIVIDUAL"),
        ("omar@haddad.example", "Omar Haddad", "DECLINED", "INDIVIDUAL"),
        ("room1@rooms.example", "Room 1", "NEEDS-ACTION", "ROOM")]
    assert not meeting.ours
    assert work in json.loads(cursor or "{}")["calendars"]


def test_a_second_pull_with_the_final_cursor_yields_nothing(
        caldav_server: CaldavServer, work: str, source: CaldavSource) -> None:
    caldav_server.put_event("Work", "a.ics", ics_event("a", "20261110T120000Z"))
    _, cursor = pull(source, None)

    pages, again = pull(source, cursor)

    assert items(pages) == [] and all(not p.removed and not p.listing for p in pages)
    assert json.loads(again or "")["calendars"] == json.loads(cursor or "")["calendars"]


def test_added_and_deleted_events_arrive_incrementally(
        caldav_server: CaldavServer, work: str, source: CaldavSource, store: Store) -> None:
    caldav_server.put_event("Work", "a.ics", ics_event("a", "20261110T120000Z"))
    caldav_server.put_event("Work", "b.ics", ics_event("b", "20261111T120000Z"))
    _, cursor = pull(source, None)
    caldav_server.put_event("Work", "c.ics", ics_event("c", "20261112T120000Z"))
    caldav_server.delete_event("Work", "a.ics")

    pages, _ = pull(source, cursor)

    assert not any(p.listing for p in pages)
    assert [m.uid for m in items(pages)] == ["c"]
    removed = {r.rsplit("/", 1)[-1] for p in pages for r in p.removed}
    assert removed == {"a.ics", "c.ics"}  # deleted; changed (its occurrences are replaced)


def test_an_edited_recurring_event_replaces_its_occurrences(
        caldav_server: CaldavServer, work: str, source: CaldavSource, store: Store) -> None:
    weekly = ics_event("w", ";TZID=Europe/Berlin:20261102T090000",
                       end=";TZID=Europe/Berlin:20261102T093000",
                       lines=("RRULE:FREQ=WEEKLY;COUNT=4",))
    caldav_server.put_event("Work", "w.ics", weekly)
    first, cursor = pull(source, None)
    assert sorted(m.start.day for m in ingest(store, first).values()) == [2, 9, 16, 23]

    moved = weekly.replace("T090000", "T140000").replace("T093000", "T143000")
    caldav_server.put_event("Work", "w.ics", moved.replace("COUNT=4", "COUNT=3"))
    pages, _ = pull(source, cursor)

    now_stored = ingest(store, pages)
    assert sorted((m.start.day, m.start.hour) for m in now_stored.values()) == [
        (2, 13), (9, 13), (16, 13)]  # 14:00 in Berlin is 13:00 UTC in November


def test_a_refused_sync_token_means_a_full_listing_not_an_error(
        caldav_server: CaldavServer, work: str, source: CaldavSource, store: Store) -> None:
    caldav_server.put_event("Work", "a.ics", ics_event("a", "20261110T120000Z"))
    caldav_server.put_event("Work", "b.ics", ics_event("b", "20261111T120000Z"))
    _, cursor = pull(source, None)
    ingest(store, pull(source, None)[0])
    caldav_server.delete_event("Work", "b.ics")  # a change the garbage token cannot know of
    state = json.loads(cursor or "")
    state["calendars"][work]["token"] = "http://radicale.org/ns/sync/not-a-token"

    pages, fresh = pull(source, json.dumps(state))

    assert pages[-1].listing and pages[-1].listing_complete
    assert [m.uid for m in ingest(store, pages).values()] == ["a"]  # swept: b is gone
    assert json.loads(fresh or "")["calendars"][work]["token"].startswith(
        "http://radicale.org/ns/sync/")


def test_an_unparseable_event_is_quarantined_and_the_others_arrive(
        caldav_server: CaldavServer, work: str, source: CaldavSource) -> None:
    # Radicale validates PUTs (and skips broken files on disk), so "broken" here is what it
    # accepts and syncd refuses to expand: an endless minutely series.
    caldav_server.put_event("Work", "bad.ics", ics_event(
        "bad", "20261110T120000Z", lines=("RRULE:FREQ=MINUTELY",)))
    caldav_server.put_event("Work", "good.ics", ics_event("good", "20261111T120000Z"))
    caldav_server.write_raw("Work", "garbage.ics", "this is not iCalendar\n")

    pages, cursor = pull(source, None)

    assert [m.uid for m in items(pages)] == ["good"]
    assert [q.rsplit("/", 1)[-1] for p in pages for q in p.quarantined] == ["bad.ics"]
    assert pull(source, cursor)[0][-1].quarantined == ()  # the cursor moved past it


def test_syncds_own_events_come_back_marked_ours(
        caldav_server: CaldavServer, work: str, source: CaldavSource) -> None:
    caldav_server.put_event("Work", "k1.ics", ics_event("k1@syncd", "20261110T090000Z"))
    caldav_server.put_event("Work", "k2.ics", ics_event(
        "other-uid", "20261111T090000Z", lines=("X-SYNCD-KEY:k2",)))
    caldav_server.put_event("Work", "x.ics", ics_event("x@example.org", "20261112T090000Z"))

    pages, _ = pull(source, None)

    assert {m.uid: m.ours for m in items(pages)} == {
        "k1@syncd": True, "other-uid": True, "x@example.org": False}


def test_calendars_are_selected_by_name_and_the_follow_up_calendar_can_be_excluded(
        caldav_server: CaldavServer, caldav_account: CaldavAccount) -> None:
    caldav_server.create_calendar("Work")
    caldav_server.create_calendar("Follow-ups")
    caldav_server.put_event("Work", "w.ics", ics_event("w", "20261110T090000Z"))
    caldav_server.put_event("Follow-ups", "f.ics", ics_event("f@syncd", "20261110T090000Z"))

    def uids(update: dict[str, object] | None = None, exclude: tuple[str, ...] = ()
             ) -> set[str]:
        src = CaldavSource(replace(caldav_account, **(update or {})), caldav_server.password,
                           now=lambda: NOW, exclude=exclude)
        try:
            return {m.uid for m in items(list(src.pull(None)))}
        finally:
            src.close()

    assert uids() == {"w", "f@syncd"}
    assert uids(exclude=("Follow-ups",)) == {"w"}
    assert uids(update={"calendars": ("Follow-ups",)}) == {"f@syncd"}


def test_a_deleted_calendar_is_swept_and_leaves_the_cursor(
        caldav_server: CaldavServer, work: str, source: CaldavSource, store: Store) -> None:
    caldav_server.put_event("Work", "a.ics", ics_event("a", "20261110T120000Z"))
    first, cursor = pull(source, None)
    assert len(ingest(store, first)) == 1
    caldav_server.client().delete(work)

    pages, after = pull(source, cursor)

    assert ingest(store, pages) == {}
    assert json.loads(after or "")["calendars"] == {}


def test_the_window_is_refreshed_so_later_occurrences_of_a_quiet_series_arrive(
        caldav_server: CaldavServer, caldav_account: CaldavAccount, work: str,
        store: Store) -> None:
    caldav_server.put_event("Work", "d.ics", ics_event(
        "d", "20261101T090000Z", end="20261101T100000Z", lines=("RRULE:FREQ=MONTHLY",)))
    clock = [NOW]
    src = CaldavSource(caldav_account, caldav_server.password, now=lambda: clock[0])
    try:
        first, cursor = pull(src, None)
        seen_first = {m.start.date() for m in ingest(store, first).values()}
        clock[0] = NOW + timedelta(days=45)  # the series never changed on the server
        later, _ = pull(src, cursor)
    finally:
        src.close()

    seen_later = {m.start.date() for m in ingest(store, later).values()}
    assert max(seen_first) < max(seen_later)
    assert min(seen_later) == min(seen_first)  # nothing old was swept out


# -- failures ------------------------------------------------------------------------------


def test_a_wrong_password_is_an_auth_error_that_names_the_fix_not_the_password(
        caldav_server: CaldavServer, caldav_account: CaldavAccount, work: str) -> None:
    src = CaldavSource(caldav_account, "wrong-Secret-123", now=lambda: NOW)
    with pytest.raises(AuthError) as caught:
        list(src.pull(None))
    src.close()
    assert "password_env" in str(caught.value) and "wrong-Secret-123" not in str(caught.value)


def test_a_server_that_is_down_is_a_transient_error(caldav_account: CaldavAccount) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends: nobody listens
    down = replace(caldav_account, url=f"http://127.0.0.1:{port}/")
    src = CaldavSource(down, "pw", now=lambda: NOW)
    with pytest.raises(TransientError):
        list(src.pull(None))
    src.close()


class _Busy(BaseHTTPRequestHandler):
    status = 503
    headers_out: ClassVar[dict[str, str]] = {}

    def _answer(self) -> None:
        self.send_response(self.status)
        for name, value in self.headers_out.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PROPFIND = do_REPORT = do_GET = do_OPTIONS = _answer

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.mark.parametrize(("status", "headers", "retry_after"), [
    (503, {"Retry-After": "7"}, 7.0), (429, {"Retry-After": "3"}, 3.0), (500, {}, None)])
def test_busy_or_failing_servers_are_transient_errors_with_retry_after(
        caldav_account: CaldavAccount, status: int, headers: dict[str, str],
        retry_after: float | None) -> None:
    handler = type("Handler", (_Busy,), {"status": status, "headers_out": headers})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        busy = replace(caldav_account, url=f"http://127.0.0.1:{server.server_address[1]}/")
        src = CaldavSource(busy, "pw", now=lambda: NOW)
        with pytest.raises(TransientError) as caught:
            list(src.pull(None))
        src.close()
    finally:
        server.shutdown()
        server.server_close()
    assert caught.value.retry_after == retry_after


def test_plain_http_to_a_remote_host_is_refused(caldav_account: CaldavAccount) -> None:
    remote = replace(caldav_account, url="http://caldav.example.org/")
    with pytest.raises(ConnectorError, match="loopback"):
        CaldavSource(remote, "pw", now=lambda: NOW)


def test_changed_objects_are_read_with_one_multiget_not_a_get_each(
        caldav_server: CaldavServer, work: str, source: CaldavSource,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, cursor = pull(source, None)
    for n in range(5):
        caldav_server.put_event("Work", f"e{n}.ics", ics_event(f"e{n}", "20261110T120000Z"))
    client = source._dav._client
    sent: list[tuple[str, str]] = []
    real = client.request

    def counting(url: str, method: str = "GET", body: str = "", *args: object,
                 **kwargs: object) -> object:
        sent.append((method, body if isinstance(body, str) else body.decode()))
        return real(url, method, body, *args, **kwargs)

    monkeypatch.setattr(client, "request", counting)

    pages, _ = pull(source, cursor)

    assert len(items(pages)) == 5
    reports = [body for method, body in sent if method == "REPORT"]
    assert len(reports) == 2 and "sync-collection" in reports[0]
    assert "calendar-multiget" in reports[1] and "limit" not in reports[0]
    assert not [m for m, _ in sent if m == "GET"]


def test_big_calendars_come_in_chunks_and_only_the_last_page_moves_the_cursor(
        caldav_server: CaldavServer, work: str, source: CaldavSource, store: Store,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("connectors.caldav.MULTIGET_CHUNK", 2)
    for n in range(5):
        caldav_server.put_event("Work", f"e{n}.ics", ics_event(f"e{n}", "20261110T120000Z"))

    listing, cursor = pull(source, None)

    assert [len(p.items) for p in listing] == [2, 2, 1]
    assert [p.listing_complete for p in listing] == [False, False, True]
    assert len({p.listing for p in listing}) == 1
    assert work not in json.loads(listing[0].cursor)["calendars"]  # a crash here lists again
    assert len(ingest(store, listing)) == 5

    caldav_server.delete_event("Work", "e0.ics")
    for n in (1, 2, 3):
        caldav_server.put_event("Work", f"e{n}.ics", ics_event(f"e{n}", "20261111T120000Z"))
    changes, _ = pull(source, cursor)

    assert [len(p.items) for p in changes] == [2, 1]
    assert json.loads(changes[0].cursor) == json.loads(cursor or "")  # not moved yet
    assert sorted((m.uid, m.start.day) for m in ingest(store, changes).values()) == [
        ("e1", 11), ("e2", 11), ("e3", 11), ("e4", 10)]


def test_a_longer_window_past_lists_again_from_further_back(
        caldav_server: CaldavServer, caldav_account: CaldavAccount, work: str) -> None:
    caldav_server.put_event("Work", "old.ics", ics_event("old", "20260601T120000Z"))
    short = CaldavSource(replace(caldav_account, window_past=timedelta(days=90)),
                         caldav_server.password, now=lambda: NOW)
    longer = CaldavSource(caldav_account, caldav_server.password, now=lambda: NOW)
    try:
        first, cursor = pull(short, None)
        again, _ = pull(longer, cursor)
    finally:
        short.close()
        longer.close()
    assert items(first) == [] and [m.uid for m in items(again)] == ["old"]
    assert again[-1].listing_complete
