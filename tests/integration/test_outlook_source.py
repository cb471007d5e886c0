"""The Outlook source against the local Graph fake: delta pages, partial rows, moves, resyncs,
throttling, dropped connections, meetings. Tokens come from a static provider (msal is tested in
test_outlook_auth.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors._graph_http import Budget, GraphClient
from connectors.outlook import OutlookSource
from syncd.errors import TransientError
from syncd.model import Meeting, Message, Page
from syncd.store import Store
from tests.fakes.graph_server import GraphServer
from tests.fixtures_graph import StaticTokens, account_for, event_row, graph, message_row

__all__ = ["graph"]
NOW = datetime.now(UTC).replace(microsecond=0)


class Clock:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def source(server: GraphServer, clock: Clock | None = None, budget: Path | None = None,
           preview: bool = False, **extra: object) -> OutlookSource:
    account = account_for(server, page_size=10, **extra)  # type: ignore[arg-type]
    client = GraphClient(account.name, server.base, StaticTokens(), timeout=10,
                         budget=Budget(budget), attempts=3,
                         sleep=(clock or Clock()).sleep)
    return OutlookSource(account, now=lambda: NOW, client=client, preview=preview)


def drain(src: OutlookSource, cursor: str | None) -> tuple[list[Page], str | None]:
    try:
        pages = list(src.pull(cursor))
    finally:
        src.close()
    return pages, pages[-1].cursor if pages else cursor


def messages(pages: list[Page]) -> list[Message]:
    return [i for p in pages for i in p.items if isinstance(i, Message)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "s.sqlite3") as s:
        yield s


def ingest(store: Store, pages: list[Page]) -> None:
    for page in pages:
        store.ingest("office", page)


def test_outlook_full_listing_pages_labels_and_one_request_per_folder_when_idle(
        graph: GraphServer) -> None:
    fake = graph.fake
    for n in range(25):
        fake.add_message("inbox", message_row(n, other=n == 3,
                                              headers=(("List-Id", "<x.example>"),)))
    for n in range(25, 28):
        fake.add_message("sentitems", message_row(n, sender="dana@example.org",
                                                  to=f"p{n}@contract.example"))
    src = source(graph, mail_permission="Mail.Read")
    pages, cursor = drain(src, None)
    mail = messages(pages)
    assert len(mail) == 28 and len({m.message_id for m in mail}) == 28
    inbox = [p for p in pages if p.scope == "inbox"]
    assert len(inbox) == 3 and len({p.listing for p in inbox}) == 1 and inbox[0].listing
    assert [p.listing_complete for p in inbox] == [False, False, True]
    by_id = {m.message_id: m for m in mail}
    assert by_id["graph-3@example.org"].labels == ("\\Inbox", "inference:other")
    assert by_id["graph-26@example.org"].labels == ("SENT",)
    assert by_id["graph-1@example.org"].header("list-id") == "<x.example>"
    assert by_id["graph-26@example.org"].headers == ()  # Sent Items: no headers asked for
    assert by_id["graph-1@example.org"].thread_id == "conv-1"
    assert mail[0].native_id.startswith("inbox/")
    delta = [r for r in fake.requests if "/messages/delta" in r]
    assert "$select=from,sender," in delta[0] and "body" not in delta[0].split("$select=")[1]
    assert all('IdType="ImmutableId"' in prefer for _, prefer in fake.prefer)
    assert all("odata.maxpagesize=10" in prefer for line, prefer in fake.prefer
               if "delta" in line)
    before = len(fake.requests)
    again, _ = drain(src, cursor)
    assert messages(again) == []
    assert len(fake.requests) - before == 4  # inbox, sent items, calendar, contacts: one each


def test_outlook_resumes_from_any_page_without_gaps(graph: GraphServer) -> None:
    for n in range(23):
        graph.fake.add_message("inbox", message_row(n))
    src = source(graph)
    first = next(iter(src.pull(None)))
    src.close()
    rest, _ = drain(source(graph), first.cursor)
    seen = {m.message_id for m in messages([first, *rest])}
    assert len(seen) == 23
    assert rest[0].listing == first.listing  # the same listing goes on after a restart


def test_outlook_partial_rows_are_merged_or_skipped_never_nulled(
        graph: GraphServer, store: Store) -> None:
    fake = graph.fake
    one = fake.add_message("inbox", message_row(1))
    two = fake.add_message("inbox", message_row(2))
    src = source(graph)
    pages, cursor = drain(src, None)
    ingest(store, pages)
    fake.touch(one, isRead=True)  # nothing syncd keeps: no re-read
    fake.touch(two, inferenceClassification="other")
    before = len(fake.requests)
    pages, cursor = drain(src, cursor)
    ingest(store, pages)
    rereads = [r for r in fake.requests[before:] if r.startswith("GET /v1.0/me/messages/")]
    assert len(rereads) == 1 and rereads[0].startswith(f"GET /v1.0/me/messages/{two}?$select=")
    changed = messages(pages)
    assert [m.message_id for m in changed] == ["graph-2@example.org"]
    assert changed[0].sender is not None and changed[0].sender.email == "p2@contract.example"
    stored = store.message("graph-2@example.org")
    assert stored is not None and "inference:other" in stored.labels
    assert stored.sender is not None and stored.to[0].email == "dana@example.org"
    # a replay of the same full row changes nothing
    fake.add_message("inbox", {**fake.messages[one]})
    ingest(store, drain(src, cursor)[0])
    assert store.counts()["messages"] == 2


def test_outlook_message_moved_between_folders_stays_one_message(
        graph: GraphServer, store: Store) -> None:
    fake = graph.fake
    fake.folders["Archive"] = "folder-archive"
    moved = fake.add_message("inbox", message_row(1))
    fake.add_message("inbox", message_row(2))
    src = source(graph, folders=("Archive",))
    pages, cursor = drain(src, None)
    ingest(store, pages)
    fake.move(moved, "folder-archive")
    pages, cursor = drain(src, cursor)
    ingest(store, pages)
    assert f"inbox/{moved}" in [r for p in pages for r in p.removed]
    assert store.counts()["messages"] == 2 and store.counts()["locations"] == 2
    assert store.items_of("office") == 2
    fake.delete(moved)
    ingest(store, drain(src, cursor)[0])
    assert store.counts()["locations"] == 1 and store.counts()["messages"] == 2  # still a touch


@pytest.mark.parametrize("code", ["", "syncStateNotFound", "resyncRequired"])
def test_outlook_expired_delta_token_lists_the_folder_again_and_sweeps(
        graph: GraphServer, store: Store, code: str) -> None:
    fake = graph.fake
    ids = [fake.add_message("inbox", message_row(n)) for n in range(12)]
    src = source(graph)
    pages, cursor = drain(src, None)
    ingest(store, pages)
    fake.messages.pop(ids[0])  # gone while the token was dead: no @removed will ever say so
    fake.expire_before, fake.expire_code = fake.seq + 1, code
    pages, _ = drain(src, cursor)
    inbox = [p for p in pages if p.scope == "inbox"]
    assert inbox[-1].listing_complete and inbox[0].listing
    ingest(store, pages)
    assert store.items_of("office") == 11 and store.counts()["messages"] == 12


def test_outlook_429_waits_what_retry_after_says(graph: GraphServer) -> None:
    graph.fake.add_message("inbox", message_row(1))
    graph.fake.fail("/messages/delta", 429, retry_after="3")
    clock = Clock()
    pages, _ = drain(source(graph, clock), None)
    assert clock.waits == [3.0] and len(messages(pages)) == 1


def test_outlook_throttling_gives_up_bounded_and_the_wait_survives_a_restart(
        graph: GraphServer, tmp_path: Path) -> None:
    graph.fake.fail("/messages/delta", 503, "ServiceUnavailable", retry_after="7", times=10)
    clock = Clock()
    state = tmp_path / "throttle.json"
    with pytest.raises(TransientError) as caught:
        drain(source(graph, clock, state), None)
    assert clock.waits == [7.0, 7.0] and caught.value.retry_after == 7.0
    assert json.loads(state.read_text())["blocked_until"] > 0
    before = len(graph.fake.requests)
    with pytest.raises(TransientError):  # a restarted syncd waits too, without asking
        drain(source(graph, clock, state), None)
    assert len(graph.fake.requests) == before


def test_outlook_connection_dropped_mid_page_is_retried_without_gaps(
        graph: GraphServer) -> None:
    for n in range(15):
        graph.fake.add_message("inbox", message_row(n))
    graph.fake.fail("skiptoken", drop=True)
    clock = Clock()
    pages, _ = drain(source(graph, clock), None)
    ids = [m.message_id for m in messages(pages)]
    assert len(ids) == 15 == len(set(ids)) and len(clock.waits) == 1


def test_outlook_meetings_from_calendar_view_delta(graph: GraphServer) -> None:
    fake = graph.fake
    gone = fake.add_event(event_row(1, NOW - timedelta(days=2)))
    fake.add_event(event_row(2, NOW - timedelta(days=1), response="declined",
                             isCancelled=True))
    src = source(graph)
    pages, cursor = drain(src, None)
    meetings = {m.uid: m for p in pages for m in p.items if isinstance(m, Meeting)}
    first = meetings["uid-1"]
    assert first.start == NOW - timedelta(days=2) and first.scope == "calendar"
    parts = {a.email: (a.partstat, a.cutype) for a in first.attendees}
    assert parts["dana@example.org"] == ("ACCEPTED", "INDIVIDUAL")  # from responseStatus
    assert parts["room-1@example.org"] == ("ACCEPTED", "RESOURCE")
    assert first.organizer is not None and first.organizer.email == "p1@contract.example"
    assert meetings["uid-2"].status == "CANCELLED"
    del fake.events[gone]
    fake._change("calendarView", "remove", gone, {})
    pages, _ = drain(src, cursor)
    assert [r for p in pages for r in p.removed] == [gone]
    view = [r for r in fake.requests if "calendarView" in r]
    assert "startDateTime=" in view[0] and "endDateTime=" in view[0]


@pytest.mark.parametrize(("permission", "expected"), [
    ("Mail.Read", ("ask",)), ("Mail.ReadBasic", None)])
def test_outlook_text_signals_from_body_preview_only_with_mail_read(
        graph: GraphServer, permission: str, expected: tuple[str, ...] | None) -> None:
    row = {**message_row(1), "bodyPreview": "Could you send the signed copy by Friday?"}
    graph.fake.add_message("inbox", row)
    pages, _ = drain(source(graph, preview=True, mail_permission=permission), None)
    [found] = messages(pages)
    assert found.signals == expected  # the preview judged in memory; only the flags kept
    asked = [r for r in graph.fake.requests if "/messages/delta" in r]
    assert all(("bodyPreview" in r) == (expected is not None) for r in asked)
