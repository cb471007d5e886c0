"""A calendar write whose answer is lost ends exactly where a clean run ends (issue #18), on
the three real sinks: Radicale behind the fault proxy (the answer to a PUT or DELETE is cut
after the server carried it out), and the local Google and Graph wire-format servers with a
server-side fault that carries the request out, then drops the connection. The scenarios and
the comparison are in tests/faults/lost_answers.py; the in-memory run of the same scenarios is
tests/unit/test_reconcile.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import icalendar
import pytest

from connectors._gcal_parse import our_key, parse_when
from connectors._graph_http import Budget, GraphClient
from connectors._graph_parse import our_key as graph_key
from connectors._graph_parse import remote_from_event
from connectors._ics import KEY_PROPERTY
from connectors.caldav import CaldavSink
from connectors.gcal import GcalSink
from connectors.outlook_sink import OutlookSink
from syncd.localservers.caldav import CaldavServer
from syncd.store import Store
from tests.fakes.google_server import GoogleServer
from tests.fakes.graph_server import GraphServer
from tests.faults.lost_answers import SCENARIOS, Event, outcome
from tests.faults.proxy import FaultProxy
from tests.fixtures_caldav import account_for as caldav_account
from tests.fixtures_google import Waits, google_account, policy, write_token
from tests.fixtures_graph import StaticTokens, graph
from tests.fixtures_graph import account_for as graph_account

__all__ = ["graph"]
pytestmark = pytest.mark.integration
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S.0000000"


class CaldavRig:
    """Radicale behind a ``FaultProxy`` that cuts the answers to PUT or DELETE."""

    METHODS: ClassVar[dict[str, bytes]] = {
        "create": b"PUT ", "update": b"PUT ", "cancel": b"DELETE "}

    def __init__(self, server: CaldavServer, proxy: FaultProxy) -> None:
        self.server, self.proxy = server, proxy

    def sink(self, calendar: str, now: datetime) -> CaldavSink:
        url = f"http://127.0.0.1:{self.proxy.port}/"
        account = replace(caldav_account(self.server), url=url, timeout=5)
        return CaldavSink(account, self.server.password, calendar)

    def cut(self, op: str) -> None:
        self.proxy.set("answer", budget=1000, cut_on=self.METHODS[op])

    def heal(self) -> None:
        self.proxy.set("none", budget=0)

    def cuts(self) -> int:
        return self.proxy.injected["answer"]

    def events(self, calendar: str) -> list[Event]:
        found = []
        for text in self.server.events(calendar).values():
            for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
                start = event.decoded("DTSTART").astimezone(UTC).isoformat()
                found.append((str(event[KEY_PROPERTY]), start, str(event["SUMMARY"])))
        return sorted(found)

    def move(self, calendar: str, key: str, start: datetime) -> None:
        text = self.server.get_event(calendar, f"{key}.ics")
        assert text is not None
        cal = icalendar.Calendar.from_ical(text)
        for event in cal.walk("VEVENT"):
            event["DTSTART"] = icalendar.vDDDTypes(start.astimezone(UTC))
            event["DTEND"] = icalendar.vDDDTypes(start.astimezone(UTC) + timedelta(minutes=15))
        self.server.put_event(calendar, f"{key}.ics", cal.to_ical().decode())


class GoogleRig:
    """The local Google Calendar server; the cut request is carried out, its answer dropped
    (every retry's too, until healed)."""

    MATCH: ClassVar[dict[str, str]] = {
        "create": "POST /calendar/v3/calendars/", "update": "PUT /calendar/v3/calendars/",
        "cancel": "DELETE /calendar/v3/calendars/"}

    def __init__(self, server: GoogleServer, state: Path) -> None:
        self.server, self.state, self.dealt = server, state, 0
        write_token(server, state, "gcal")

    def sink(self, calendar: str, now: datetime) -> GcalSink:
        account = google_account(self.server, "gcal", "google_calendar")
        return GcalSink(account, calendar, state_dir=self.state, policy=policy(Waits()))

    def cut(self, op: str) -> None:
        self.server.fake.fail(self.MATCH[op], drop=True, process=True, times=1000)

    def heal(self) -> None:
        with self.server.fake.lock:
            self.dealt += sum(1000 - f.times for f in self.server.fake.faults)
            self.server.fake.faults.clear()

    def cuts(self) -> int:
        return self.dealt

    def _events(self, calendar: str) -> dict[str, dict[str, Any]]:
        fake = self.server.fake
        cid = next(c for c, v in fake.calendars.items() if v["summary"] == calendar)
        return {i: e for i, e in fake.events(cid).items() if e.get("status") != "cancelled"}

    def events(self, calendar: str) -> list[Event]:
        return sorted((str(our_key(e)), parse_when(e["start"])[0].isoformat(), e["summary"])
                      for e in self._events(calendar).values())

    def move(self, calendar: str, key: str, start: datetime) -> None:
        fake = self.server.fake
        cid = next(c for c, v in fake.calendars.items() if v["summary"] == calendar)
        event = self._events(calendar)[key]
        fake.put_event(cid, {**event, "start": {"dateTime": start.isoformat()},
                             "end": {"dateTime": (start + timedelta(minutes=15)).isoformat()}})


class GraphRig:
    """The local Graph server; the cut request is carried out, then the connection drops half
    way through the answer (every retry's too, until healed)."""

    MATCH: ClassVar[dict[str, str]] = {
        "create": "POST /v1.0/me/calendars/", "update": "PATCH /v1.0/me/events/",
        "cancel": "DELETE /v1.0/me/events/"}

    def __init__(self, server: GraphServer) -> None:
        self.server, self.dealt = server, 0

    def sink(self, calendar: str, now: datetime) -> OutlookSink:
        account = graph_account(self.server)
        client = GraphClient(account.name, self.server.base, StaticTokens(), timeout=10,
                             budget=Budget(None, clock=now.timestamp), sleep=lambda s: None)
        return OutlookSink(account, calendar, client=client)

    def cut(self, op: str) -> None:
        self.server.fake.fail(self.MATCH[op], drop=True, times=1000)

    def heal(self) -> None:
        with self.server.fake.lock:
            self.dealt += sum(1000 - f.times for f in self.server.fake.faults)
            self.server.fake.faults.clear()

    def cuts(self) -> int:
        return self.dealt

    def events(self, calendar: str) -> list[Event]:
        found = []
        for row in self.server.fake.sink.in_calendar(calendar):
            there = remote_from_event(row)
            assert there is not None
            found.append((there.key, there.start.isoformat(), str(row["subject"])))
        return sorted(found)

    def move(self, calendar: str, key: str, start: datetime) -> None:
        row = next(e for e in self.server.fake.sink.in_calendar(calendar) if graph_key(e) == key)
        end = start + timedelta(minutes=15)
        self.server.fake.sink.user_moves(row["id"], start.astimezone(UTC).strftime(GRAPH_TIME),
                                         end.astimezone(UTC).strftime(GRAPH_TIME))


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    with Store.open(tmp_path / "clean.sqlite3") as clean, \
            Store.open(tmp_path / "cut.sqlite3") as cut:
        yield clean, cut


@pytest.mark.parametrize(("write", "then"), SCENARIOS)
def test_radicale_a_lost_answer_ends_as_a_clean_run(
        write: str, then: str, caldav_server: CaldavServer,
        stores: tuple[Store, Store]) -> None:
    with FaultProxy(urlsplit(caldav_server.url).port or 0) as proxy:
        outcome(CaldavRig(caldav_server, proxy), write, then, *stores)


@pytest.mark.parametrize(("write", "then"), SCENARIOS)
def test_google_a_lost_answer_ends_as_a_clean_run(
        write: str, then: str, google_server: GoogleServer, tmp_path: Path,
        stores: tuple[Store, Store]) -> None:
    outcome(GoogleRig(google_server, tmp_path / "state"), write, then, *stores)


@pytest.mark.parametrize(("write", "then"), SCENARIOS)
def test_graph_a_lost_answer_ends_as_a_clean_run(
        write: str, then: str, graph: GraphServer, stores: tuple[Store, Store]) -> None:
    outcome(GraphRig(graph), write, then, *stores)
