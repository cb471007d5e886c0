"""ImapSource against a real local IMAP server (Dovecot and pymap, see tests/fixtures_imap.py)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.imap import ImapSource
from syncd.config import ImapAccount
from syncd.errors import AuthError, ConfigError, CursorExpired, TransientError
from syncd.localservers.imap import ImapServer
from syncd.model import Message, Page
from tests.fixtures_imap import LoopbackProxy, account_for, self_signed_ca_and_cert, start_server

pytestmark = pytest.mark.integration


def mail(tag: str, *, sender: str = "alice@example.org", to: str = "dana@example.org",
         day: int = 1) -> bytes:
    return (
        f"From: Alice Example <{sender}>\r\n"
        f"To: {to}\r\n"
        f"Subject: note {tag}\r\n"
        f"Date: Mon, {day} Jan 2024 10:00:00 +0100\r\n"
        f"Message-ID: <{tag}@example.org>\r\n"
        f"\r\nbody of {tag}\r\n"
    ).encode()


def source(server: ImapServer, account: ImapAccount | None = None, **kw: int) -> ImapSource:
    return ImapSource(account or account_for(server), server.password, **kw)


def pull_all(src: ImapSource, cursor: str | None) -> list[Page]:
    with closing(src):
        return list(src.pull(cursor))


def messages(pages: list[Page]) -> list[Message]:
    return [item for page in pages for item in page.items if isinstance(item, Message)]


def state(cursor: str) -> dict[str, dict[str, int | str]]:
    folders: dict[str, dict[str, int | str]] = json.loads(cursor)["folders"]
    return folders


@pytest.fixture
def filled(imap_server: ImapServer) -> ImapServer:
    for n in range(3):
        imap_server.append("INBOX", mail(f"in{n}"))
    for n in range(2):
        imap_server.append("Sent", mail(f"out{n}", sender="dana@example.org",
                                        to="bob@example.net"))
    return imap_server


def test_initial_sync_reads_inbox_and_sent(filled: ImapServer) -> None:
    pages = pull_all(source(filled), None)
    got = {m.message_id: m for m in messages(pages)}
    assert set(got) == {"in0@example.org", "in1@example.org", "in2@example.org",
                        "out0@example.org", "out1@example.org"}
    assert got["in0@example.org"].labels == ("\\Inbox",)
    assert got["out1@example.org"].labels == ("\\Sent",)
    assert got["out1@example.org"].scope == "Sent"
    assert got["out1@example.org"].to[0].email == "bob@example.net"
    assert got["in1@example.org"].date == datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    validity = state(pages[-1].cursor)["INBOX"]["uidvalidity"]
    assert got["in0@example.org"].native_id.startswith(f"INBOX/{validity}/")
    for folder in ("INBOX", "Sent"):  # a first sync is a full listing of each folder
        mine = [p for p in pages if p.scope == folder]
        assert mine and all(p.listing == mine[0].listing for p in mine) and mine[0].listing
        assert mine[-1].listing_complete
    assert json.loads(pages[-1].cursor)["sent"] == "Sent"


def test_sent_is_found_by_special_use(tmp_path: Path, imap_kind: str) -> None:
    if imap_kind == "pymap":
        pytest.skip("pymap has no SPECIAL-USE; it is found by its common name (other tests)")
    server = start_server(tmp_path, imap_kind, sent_folder="Gesendete Objekte")
    try:
        server.append("Gesendete Objekte", mail("gesendet", sender="dana@example.org"))
        pages = pull_all(source(server), None)
    finally:
        server.stop()
    (only,) = messages(pages)
    assert (only.scope, only.labels) == ("Gesendete Objekte", ("\\Sent",))


def test_incremental_sync_returns_only_new_mail(filled: ImapServer) -> None:
    first = pull_all(source(filled), None)
    filled.append("INBOX", mail("late"))
    pages = pull_all(source(filled), first[-1].cursor)
    assert [m.message_id for m in messages(pages)] == ["late@example.org"]
    assert [p.scope for p in pages] == ["INBOX"]  # Sent had nothing new: no page at all
    assert pages[0].listing is None and not pages[0].listing_complete
    before, after = state(first[-1].cursor)["INBOX"], state(pages[-1].cursor)["INBOX"]
    assert int(after["last_uid"]) > int(before["last_uid"])


def test_new_mail_in_sent(filled: ImapServer) -> None:
    first = pull_all(source(filled), None)
    filled.append("Sent", mail("reply", sender="dana@example.org", to="carol@example.com"))
    (only,) = messages(pull_all(source(filled), first[-1].cursor))
    assert (only.message_id, only.labels, only.scope) == ("reply@example.org", ("\\Sent",),
                                                          "Sent")


def test_nothing_new_costs_only_status(filled: ImapServer, loopback_proxy: type[LoopbackProxy],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    final = pull_all(source(filled), None)[-1].cursor
    proxy = loopback_proxy(filled.port)
    monkeypatch.setenv("SYNCD_TEST_IMAP_PASSWORD", filled.password)
    assert pull_all(source(filled, account_for(filled, port=proxy.port)), final) == []
    commands = [c for c in proxy.commands() if c not in ("CAPABILITY", "LOGIN", "LOGOUT")]
    assert commands == ["STATUS", "STATUS"]


def test_uidvalidity_change_relists_the_folder(filled: ImapServer, imap_kind: str) -> None:
    first = pull_all(source(filled), None)
    old = state(first[-1].cursor)
    for folder in ("INBOX", "Sent"):
        filled.recreate_folder(folder)
    pages = pull_all(source(filled, chunk=2), first[-1].cursor)
    new = state(pages[-1].cursor)
    for folder, ids in (("INBOX", {"in0", "in1", "in2"}), ("Sent", {"out0", "out1"})):
        assert new[folder]["uidvalidity"] != old[folder]["uidvalidity"]
        mine = [p for p in pages if p.scope == folder]
        tokens = {p.listing for p in mine}
        assert len(tokens) == 1 and None not in tokens
        assert tokens.isdisjoint({p.listing for p in first})  # a fresh listing token
        assert [p.listing_complete for p in mine] == [False] * (len(mine) - 1) + [True]
        got = [m for p in mine for m in p.items if isinstance(m, Message)]
        assert {m.message_id for m in got} == {f"{i}@example.org" for i in ids}
        assert all(m.native_id.startswith(f"{folder}/{new[folder]['uidvalidity']}/")
                   for m in got)


def test_chunks_give_pages_with_rising_cursors(imap_server: ImapServer) -> None:
    imap_server.append_many("INBOX", [mail(f"c{n}") for n in range(10)])
    pages = [p for p in pull_all(source(imap_server, chunk=3), None) if p.scope == "INBOX"]
    assert [len(p.items) for p in pages] == [3, 3, 3, 1]
    last_uids = [int(state(p.cursor)["INBOX"]["last_uid"]) for p in pages]
    assert last_uids == sorted(set(last_uids))
    assert [p.listing_complete for p in pages] == [False, False, False, True]
    # a resume from the middle continues the same listing, so the store's sweep stays right
    rest = [p for p in pull_all(source(imap_server, chunk=3), pages[1].cursor)
            if p.scope == "INBOX"]
    assert [p.listing for p in rest] == [pages[0].listing] * 2
    assert [m.message_id for m in messages(rest)] == [f"c{n}@example.org" for n in range(6, 10)]


def test_connection_dropped_mid_fetch_then_resume(imap_server: ImapServer,
                                                  loopback_proxy: type[LoopbackProxy],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    imap_server.append_many("INBOX", [mail(f"d{n}") for n in range(10)])
    monkeypatch.setenv("SYNCD_TEST_IMAP_PASSWORD", imap_server.password)
    probe = loopback_proxy(imap_server.port)
    pull_all(source(imap_server, account_for(imap_server, port=probe.port), chunk=3), None)
    fetches = probe.commands().count("UID FETCH")
    assert fetches == 4

    proxy = loopback_proxy(imap_server.port, drop_after=probe.server_bytes * 2 // 3)
    src = source(imap_server, account_for(imap_server, port=proxy.port), chunk=3)
    before: list[Page] = []
    with pytest.raises(TransientError) as caught, closing(src):
        before.extend(src.pull(None))  # keeps the pages yielded before the drop
    assert proxy.dropped
    assert imap_server.password not in str(caught.value)
    assert 0 < len(before) < 4  # it broke inside the folder, after some pages
    after = pull_all(source(imap_server, chunk=3), before[-1].cursor)
    counts = Counter(m.message_id for m in messages(before) + messages(after))
    assert counts == Counter({f"d{n}@example.org": 1 for n in range(10)})


def test_unparseable_message_is_quarantined_and_the_cursor_advances(
        imap_server: ImapServer) -> None:
    imap_server.append("INBOX", mail("ok1"))
    imap_server.append("INBOX", b"X-Junk: no addresses, no id\r\n\r\n\x00\xffgarbage\r\n")
    imap_server.append("INBOX", mail("ok2"))
    pages = pull_all(source(imap_server), None)
    inbox = [p for p in pages if p.scope == "INBOX"]
    assert [m.message_id for m in messages(inbox)] == ["ok1@example.org", "ok2@example.org"]
    (bad,) = [q for p in inbox for q in p.quarantined]
    validity, uid = state(pages[-1].cursor)["INBOX"]["uidvalidity"], int(bad.rsplit("/", 1)[1])
    assert bad == f"INBOX/{validity}/{uid}"
    assert int(state(pages[-1].cursor)["INBOX"]["last_uid"]) > uid
    assert pull_all(source(imap_server), pages[-1].cursor) == []  # not offered again


def test_condstore_is_recorded(filled: ImapServer, imap_kind: str) -> None:
    if imap_kind == "pymap":
        pytest.skip("pymap has no CONDSTORE, so there is no HIGHESTMODSEQ to record")
    cursor = pull_all(source(filled), None)[-1].cursor
    assert all(int(entry["highestmodseq"]) > 0 for entry in state(cursor).values())


def test_wrong_password_is_an_auth_error(imap_server: ImapServer) -> None:
    src = ImapSource(account_for(imap_server), "not-the-password")
    with pytest.raises(AuthError) as caught, closing(src):
        list(src.pull(None))
    assert "password_command" in str(caught.value)
    assert "not-the-password" not in str(caught.value)


def test_unreadable_cursor_is_cursor_expired(imap_server: ImapServer) -> None:
    with pytest.raises(CursorExpired), closing(source(imap_server)) as src:
        list(src.pull("{not json"))


def test_refused_connection_is_transient(imap_server: ImapServer) -> None:
    port = imap_server.port
    imap_server.stop()
    with pytest.raises(TransientError, match=r"127\.0\.0\.1"):
        list(source(imap_server, account_for(imap_server, port=port)).pull(None))


def test_configured_folders_and_since(imap_server: ImapServer) -> None:
    imap_server.append("INBOX", mail("old"), when=datetime(2020, 1, 1, tzinfo=UTC))
    imap_server.append("INBOX", mail("new"), when=datetime(2024, 6, 1, tzinfo=UTC))
    imap_server.append("Sent", mail("sent"))
    account = account_for(imap_server, folders=("INBOX",), since="2023-01-01")
    got = messages(pull_all(source(imap_server, account), None))
    assert [m.message_id for m in got] == ["new@example.org"]


def test_wait_for_change_sees_new_mail(imap_server: ImapServer) -> None:
    with closing(source(imap_server)) as src:
        assert src.wait_for_change(0.5) is False
        timer = threading.Timer(0.5, imap_server.append, ("INBOX", mail("pushed")))
        timer.start()
        started = time.monotonic()
        try:
            assert src.wait_for_change(20) is True
        finally:
            timer.join()
        assert time.monotonic() - started < 10
        (only,) = [m for m in messages(list(src.pull(None))) if m.scope == "INBOX"]
        assert only.message_id == "pushed@example.org"


def test_wait_for_change_sees_mail_that_came_between_two_idle_commands(
        imap_server: ImapServer) -> None:
    with closing(source(imap_server)) as src:
        assert src.wait_for_change(0.5) is False  # quiet: the daemon's watcher would re-arm
        imap_server.append("INBOX", mail("between"))  # before the next IDLE command
        started = time.monotonic()
        assert src.wait_for_change(20) is True
        assert time.monotonic() - started < 5  # at once, not at the end of the timeout
        assert src.wait_for_change(0.5) is False  # and it is not reported twice


def test_plaintext_to_a_remote_host_is_refused() -> None:
    account = ImapAccount(type="imap", name="remote", host="imap.example.org",
                          security="none", username="dana")
    with pytest.raises(ConfigError, match="loopback"):
        ImapSource(account, "secret")
    for host in ("127.0.0.1", "localhost", "::1"):
        ImapSource(replace(account, host=host), "secret").close()


def test_internaldate_stands_in_for_a_missing_date(imap_server: ImapServer) -> None:
    undated = b"From: x@example.org\r\nTo: dana@example.org\r\nMessage-ID: <undated@x>\r\n\r\n"
    when = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert imap_server.append_many("INBOX", [(undated, when), mail("dated")]) == 2
    got = {m.message_id: m.date for m in messages(pull_all(source(imap_server), None))}
    assert got == {"undated@x": when, "dated@example.org": datetime(2024, 1, 1, 9, 0, tzinfo=UTC)}


@pytest.fixture
def tls_server(tmp_path: Path, imap_kind: str) -> Iterator[tuple[ImapServer, Path]]:
    if imap_kind == "pymap":
        pytest.skip("TLS is exercised against Dovecot only (pymap runs plaintext here)")
    ca, cert, key = self_signed_ca_and_cert(tmp_path)
    server = start_server(tmp_path, imap_kind, tls=(cert, key))
    server.append("INBOX", mail("secure"))
    try:
        yield server, ca
    finally:
        server.stop()


def test_tls_and_starttls_verify_the_certificate(tls_server: tuple[ImapServer, Path],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    server, ca = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # a private CA, trusted the standard way
    implicit = replace(account_for(server, port=server.tls_port), security="tls", host="localhost")
    starttls = replace(account_for(server), security="starttls")
    for account in (implicit, starttls):
        got = messages(pull_all(ImapSource(account, server.password), None))
        assert [m.message_id for m in got] == ["secure@example.org"]


def test_an_untrusted_certificate_is_refused(tls_server: tuple[ImapServer, Path],
                                            monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    server, _ = tls_server
    (tmp_path / "elsewhere").mkdir()
    other_ca, _, _ = self_signed_ca_and_cert(tmp_path / "elsewhere")
    monkeypatch.setenv("SSL_CERT_FILE", str(other_ca))
    implicit = replace(account_for(server, port=server.tls_port), security="tls", host="localhost")
    starttls = replace(account_for(server), security="starttls")
    for account in (implicit, starttls):
        with pytest.raises(TransientError, match="certificate") as caught:
            list(ImapSource(account, server.password).pull(None))
        assert "SSL_CERT_FILE" in str(caught.value)
        assert server.password not in str(caught.value)


def test_a_connection_dropped_between_pulls_is_replaced(
        filled: ImapServer, loopback_proxy: type[LoopbackProxy],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_TEST_IMAP_PASSWORD", filled.password)
    proxy = loopback_proxy(filled.port)
    with closing(source(filled, account_for(filled, port=proxy.port))) as src:
        first = list(src.pull(None))
        proxy.cut()  # the server (or a NAT box) forgot the idle connection
        filled.append("INBOX", mail("after-cut"))
        src.stale_after = 0.0  # as if the daemon had slept for a while
        again = list(src.pull(first[-1].cursor))
    assert [m.message_id for m in messages(again)] == ["after-cut@example.org"]
    assert proxy.commands().count("LOGIN") == 2  # the NOOP found it dead; a new login
