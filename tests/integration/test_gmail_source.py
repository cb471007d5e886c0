"""Gmail source against the local wire-format server, through the real client library."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors._gmail_parse import METADATA_HEADERS, Cursor
from connectors.gmail import GmailSource
from syncd.errors import AuthError, CursorExpired, TransientError
from tests.fakes.google_server import GoogleServer
from tests.fixtures_google import Waits, google_account, header_list, policy, write_token

BASE_MS = 1_770_000_000_000  # 2026-02-02
OPEN: list[GmailSource] = []


@pytest.fixture(autouse=True)
def _close_sources() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def _track(source: GmailSource) -> GmailSource:
    OPEN.append(source)
    return source


def _add(server: GoogleServer, n: int, labels: tuple[str, ...] = ("INBOX",)) -> str:
    return server.fake.add_message(header_list(n), labels=labels, internal_ms=BASE_MS + n * 1000)


def _source(server: GoogleServer, tmp_path: Path, waits: Waits, **extra: object) -> GmailSource:
    write_token(server, tmp_path, "gm")
    return _track(GmailSource(google_account(server, "gm", **extra), state_dir=tmp_path,  # type: ignore[arg-type]
                              policy=policy(waits), list_page=4))


def _all(source: GmailSource, cursor: str | None) -> tuple[list, str | None]:  # type: ignore[type-arg]
    pages = list(source.pull(cursor))
    return pages, (pages[-1].cursor if pages else cursor)


def test_gmail_full_sync_pages_batches_and_notes_history_first(google_server: GoogleServer,
                                                              tmp_path: Path) -> None:
    ids = [_add(google_server, n) for n in range(9)]
    sent = google_server.fake.add_message(
        header_list(99, sender="Dana <dana@example.org>", to="Jane <jane@acme.example>",
                    extra=(("List-Id", "<x.example>"),)),
        labels=("SENT", "CATEGORY_PERSONAL"), internal_ms=BASE_MS + 99_000, thread=ids[0])
    source = _source(google_server, tmp_path, Waits())
    pages, cursor = _all(source, None)
    reqs = google_server.fake.requests
    assert reqs[0] == "GET /gmail/v1/users/me/profile"  # historyId noted before listing
    assert reqs.count("GET /gmail/v1/users/me/messages") == 3  # 10 ids, 4 a page
    assert [len(p.items) for p in pages] == [4, 4, 2]
    assert pages[-1].listing_complete and not pages[0].listing_complete
    assert len({p.listing for p in pages}) == 1 and pages[0].listing
    assert Cursor.loads(cursor).history == "1010"
    assert Cursor.loads(pages[0].cursor).page_token == "4"  # a checkpoint per list page
    message = {m.native_id: m for p in pages for m in p.items}[sent]
    assert message.labels == ("SENT", "CATEGORY_PERSONAL") and message.thread_id == ids[0]
    assert message.to[0].email == "jane@acme.example"
    assert message.headers == (("list-id", "<x.example>"),)  # X-Not-Wanted never asked for
    assert "list-unsubscribe" in {h.lower() for h in METADATA_HEADERS}


def test_gmail_incremental_collapses_history_and_an_idle_poll_is_one_request(
        google_server: GoogleServer, tmp_path: Path) -> None:
    ids = [_add(google_server, n) for n in range(3)]
    source = _source(google_server, tmp_path, Waits())
    _, cursor = _all(source, None)
    fake = google_server.fake
    before = fake.http_requests
    assert _all(source, cursor)[0] == []
    assert fake.http_requests - before == 1  # one history.list
    new = _add(google_server, 10)
    brief = _add(google_server, 11)
    fake.delete_message(brief)  # added then deleted: nothing to fetch
    fake.delete_message(ids[0])
    fake.relabel(ids[1], add=("TRASH",))
    fake.relabel(ids[2], remove=("UNREAD",))  # meaningless: no fetch
    fake.requests.clear()
    pages, cursor2 = _all(source, cursor)
    items = [m.native_id for p in pages for m in p.items]
    removed = {r for p in pages for r in p.removed}
    assert items == [new]
    assert removed == {brief, ids[0], ids[1]}
    assert fake.requests.count(f"GET /gmail/v1/users/me/messages/{new}") == 1
    assert len([r for r in fake.requests if "/messages/" in r]) == 1
    assert Cursor.loads(cursor2).history == str(fake.history_id)


def test_gmail_history_404_is_cursor_expired_and_a_resync_lists_again(
        google_server: GoogleServer, tmp_path: Path) -> None:
    _add(google_server, 1)
    source = _source(google_server, tmp_path, Waits())
    _, cursor = _all(source, None)
    google_server.fake.history_floor = 10**9
    with pytest.raises(CursorExpired):
        _all(source, cursor)
    google_server.fake.history_floor = 0
    pages, _ = _all(source, None)
    assert pages[-1].listing_complete and len(pages[-1].items) == 1


def test_gmail_batch_with_failed_parts_retries_only_those_and_shrinks(
        google_server: GoogleServer, tmp_path: Path) -> None:
    ids = [_add(google_server, n) for n in range(4)]
    fake = google_server.fake
    fake.fail(f"messages/{ids[1]}", 403, "userRateLimitExceeded", in_batch=True)
    fake.fail(f"messages/{ids[2]}", 429, "rateLimitExceeded", retry_after="3", in_batch=True)
    fake.fail(f"messages/{ids[3]}", 503, "backendError", in_batch=True)
    fake.fail(f"messages/{ids[0]}", 400, "invalidArgument", in_batch=True, times=9)
    waits = Waits()
    source = _source(google_server, tmp_path, waits)
    start_size = source.batch_size
    pages, _ = _all(source, None)
    got = sorted(m.native_id for p in pages for m in p.items)
    assert got == sorted(ids[1:])
    assert [q for p in pages for q in p.quarantined] == [ids[0]]  # a 400 is not retried
    gets = [r.rsplit("/", 1)[1] for r in fake.requests if "/messages/" in r]
    assert gets.count(ids[0]) == 1 and all(gets.count(i) == 2 for i in ids[1:])
    assert 3 in waits.asked  # Retry-After honoured
    assert source.batch_size <= start_size


def test_gmail_429_and_5xx_on_list_are_retried_then_give_up_as_transient(
        google_server: GoogleServer, tmp_path: Path) -> None:
    _add(google_server, 1)
    fake = google_server.fake
    fake.fail("GET /gmail/v1/users/me/messages", 429, "rateLimitExceeded", retry_after="2",
              in_batch=False)
    fake.fail("GET /gmail/v1/users/me/messages", 500, "backendError", in_batch=False)
    waits = Waits()
    source = _source(google_server, tmp_path, waits)
    pages, _ = _all(source, None)
    assert len(pages[0].items) == 1 and waits.asked[0] >= 2
    fake.fail("GET /gmail/v1/users/me/history", 503, times=99)
    with pytest.raises(TransientError):
        _all(source, pages[-1].cursor)


def test_gmail_connection_dropped_mid_page_resumes_from_the_checkpoint(
        google_server: GoogleServer, tmp_path: Path) -> None:
    ids = {_add(google_server, n) for n in range(10)}
    source = _source(google_server, tmp_path, Waits())
    google_server.fake.fail("GET /gmail/v1/users/me/messages", drop=True, times=99,
                            in_batch=False)
    google_server.fake.faults[-1].times = 0
    stream = source.pull(None)
    first = next(stream)
    google_server.fake.faults[-1].times = 99  # the next list page is cut off, again and again
    with pytest.raises(TransientError):
        list(stream)
    google_server.fake.faults.clear()
    rest, _ = _all(source, first.cursor)
    seen = [m.native_id for p in [first, *rest] for m in p.items]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert rest[-1].listing == first.listing and rest[-1].listing_complete


def test_gmail_quota_budget_paces_requests_and_persists(google_server: GoogleServer,
                                                       tmp_path: Path) -> None:
    for n in range(6):
        _add(google_server, n)
    clock = [1000.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    write_token(google_server, tmp_path, "gm")
    account = google_account(google_server, "gm", quota_per_minute=1200)
    pol = policy(Waits())
    pol.sleep = sleep
    source = _track(GmailSource(account, state_dir=tmp_path, policy=pol, clock=lambda: clock[0]))
    assert source.batch_cap == 3  # the burst (60 units) holds three messages.get
    list(source.pull(None))
    spent = source.session.budget.spent
    assert spent == 1 + 5 + 6 * 20 + 2
    # never more than the quota in any minute: burst + refill over the elapsed time
    assert spent <= 60 + (clock[0] - 1000.0) * 1200 * 0.95 / 60 + 1e-6
    saved = json.loads((tmp_path / "google" / "gm.quota.json").read_text())
    assert saved["level"] < 60


def test_gmail_token_refresh_ahead_of_expiry_is_saved_private(google_server: GoogleServer,
                                                             tmp_path: Path) -> None:
    _add(google_server, 1)
    path = write_token(google_server, tmp_path, "gm")
    data = json.loads(path.read_text())
    data["expiry"] = "2020-01-01T00:00:00Z"
    google_server.fake.tokens.pop(data["token"])
    path.write_text(json.dumps(data))
    source = _track(GmailSource(google_account(google_server, "gm"), state_dir=tmp_path,
                                policy=policy(Waits())))
    pages = list(source.pull(None))
    assert len(pages[0].items) == 1
    saved = json.loads(path.read_text())
    assert saved["token"] != data["token"] and saved["token"] in google_server.fake.tokens
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_gmail_invalid_grant_is_an_auth_error_naming_syncd_auth(google_server: GoogleServer,
                                                                tmp_path: Path) -> None:
    path = write_token(google_server, tmp_path, "gm", refresh="rt-revoked")
    data = json.loads(path.read_text())
    data["expiry"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(data))
    google_server.fake.revoked.add("rt-revoked")
    source = _track(GmailSource(google_account(google_server, "gm"), state_dir=tmp_path,
                                policy=policy(Waits())))
    with pytest.raises(AuthError, match="syncd auth gm"):
        list(source.pull(None))
    assert not any("/gmail/" in r for r in google_server.fake.requests)


def test_gmail_without_a_token_file_needs_auth(google_server: GoogleServer,
                                               tmp_path: Path) -> None:
    source = GmailSource(google_account(google_server, "gm"), state_dir=tmp_path)
    with pytest.raises(AuthError, match="syncd auth gm"):
        list(source.pull(None))
