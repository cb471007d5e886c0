"""The IMAP source's FETCH reader against real servers' answers (Dovecot and pymap).

The same UID FETCH, read by ``connectors._imap_fetch`` and by imapclient's ``fetch``, must give
the same messages and values; and these everyday answers must be read by the fast reader
itself, not handed to imapclient's parser. The preview judges the text against the people of
the one header parse.
"""

from __future__ import annotations

import base64
import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors import _imap_fetch
from connectors._imap_parse import HEADER_FIELDS
from connectors._imap_preview import first_text_part
from connectors.imap import ImapSource
from rules.text_signals import asked
from syncd.localservers.imap import ImapServer
from syncd.model import Address, Message
from tests.fixtures_imap import account_for

pytestmark = pytest.mark.integration

DATA = next((up / "shared" / "data" for up in Path(__file__).resolve().parents[3:5]
             if (up / "shared" / "data").is_dir()), Path("shared-data-not-found"))

HEADER_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS).upper()})]"


def _messages() -> list[bytes]:
    plain = (b"From: \"Doe, Jane\" <jane@example.org>\r\nTo: dana@example.org\r\n"
             b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= \"quoted\" \\ back\r\n"
             b"Date: Mon, 1 Jan 2024 10:00:00 +0100\r\nMessage-ID: <p1@example.org>\r\n"
             b"List-Id: News <news.example.org>\r\n\r\nplain body\r\n")
    eight_bit = ("From: Jörg Müller <joerg@example.de>\r\nTo: dana@example.org\r\n"
                 "Subject: Grüße (8-bit)\r\nMessage-ID: <p2@example.org>\r\n\r\nhallo\r\n"
                 ).encode()
    b64 = base64.encodebytes(b"<p>Thanks a lot!</p>").decode()
    alternative = (
        "From: ann@example.com\r\nTo: dana@example.org\r\nSubject: parts\r\n"
        "Message-ID: <p3@example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n"
        "Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nDanke sch=F6n\r\n--inner\r\n"
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{b64}--inner--\r\n--outer\r\nContent-Type: application/pdf; name=\"a b.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"a b.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\n").encode()
    bare = b"Subject: no addresses at all\r\n\r\n\r\n"
    return [plain, eight_bit, alternative, bare]


def test_answers_read_as_imapclient_reads_them(imap_server: ImapServer) -> None:
    imap_server.append_many("INBOX", _messages(), when=datetime(2024, 1, 2, tzinfo=UTC))
    client = imap_server.client()
    try:
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search(["ALL"]))
        assert len(uids) == 4
        items = [HEADER_ITEM, "INTERNALDATE", "BODYSTRUCTURE"]
        ours = _imap_fetch.fetch(client, uids, items)
        assert ours == client.fetch(uids, items)
        typ, data = client._imap.uid("FETCH", _imap_fetch.uid_set(uids),
                                     f"({' '.join(items)})")
        assert typ == "OK"
        assert _imap_fetch._read(data, False) == ours

        parts = {uid: first_text_part(entry[b"BODYSTRUCTURE"]) for uid, entry in ours.items()}
        assert parts[uids[2]] is not None
        assert parts[uids[2]].section == "1.1"
        for uid, part in parts.items():
            if part is not None:
                assert _imap_fetch.fetch(client, [uid], [part.item]) == client.fetch(
                    [uid], [part.item])
        assert _imap_fetch.fetch(client, [uids[-1] + 100], items) == {}  # no such message
    finally:
        client.logout()


def test_the_preview_judges_the_text_against_the_decoded_people(imap_server: ImapServer) -> None:
    """The asks are matched to the recipients of the one header parse: an encoded display name
    (RFC 2047) is read as the name it encodes, so "Kalen, could you ..." asks Kalen."""
    raw = (b"From: Ann <ann@corp.example>\r\nTo: =?utf-8?q?Kalen_Smith?= <ks@corp.example>\r\n"
           b"Cc: dana@example.org\r\nSubject: the file\r\nMessage-ID: <k1@corp.example>\r\n"
           b"Date: Mon, 1 Jan 2024 10:00:00 +0100\r\n\r\nKalen, could you send me the file?\r\n"
           )
    imap_server.append_many("INBOX", [raw], when=datetime(2024, 1, 2, tzinfo=UTC))
    source = ImapSource(account_for(imap_server), imap_server.password, preview=True)
    try:
        [message] = [m for page in source.pull(None) for m in page.items
                     if isinstance(m, Message)]
    finally:
        source.close()
    assert message.to == (Address("ks@corp.example", "Kalen Smith"),)
    assert message.signals is not None
    assert "ask" in message.signals
    assert asked(message.signals) == {"ks@corp.example"}


def test_the_preview_judges_a_message_once_in_all_its_folders(
        imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of a message in another folder gets the flags of the first copy judged, and its
    text is not fetched again; a later pull judges it anew."""
    raw = (b"From: Ann <ann@corp.example>\r\nTo: Kalen Smith <ks@corp.example>\r\n"
           b"Subject: the file\r\nMessage-ID: <k1@corp.example>\r\n"
           b"Date: Mon, 1 Jan 2024 10:00:00 +0100\r\n\r\nKalen, could you send me the file?\r\n")
    imap_server.create_folder("Archive")
    imap_server.append_many("INBOX", [raw], when=datetime(2024, 1, 2, tzinfo=UTC))
    imap_server.append_many("Archive", [raw], when=datetime(2024, 1, 3, tzinfo=UTC))
    texts: list[int] = []  # the UIDs whose text is fetched
    real = _imap_fetch.fetch

    def counted(client: object, uids: list[int], items: list[str]) -> object:
        if any(item.startswith("BODY.PEEK[1]") for item in items):
            texts.extend(uids)
        return real(client, uids, items)  # type: ignore[arg-type]

    monkeypatch.setattr(_imap_fetch, "fetch", counted)
    source = ImapSource(account_for(imap_server, folders=("INBOX", "Archive")),
                        imap_server.password, preview=True)
    try:
        messages = [m for page in source.pull(None) for m in page.items
                    if isinstance(m, Message)]
        assert len(texts) == 1
        again = [m for page in source.pull(None) for m in page.items if isinstance(m, Message)]
    finally:
        source.close()
    assert [m.scope for m in messages] == ["INBOX", "Archive"]
    assert messages[0].signals == messages[1].signals
    assert messages[0].signals is not None
    assert "ask" in messages[0].signals
    assert [m.signals for m in again] == [m.signals for m in messages]
    assert texts == texts[:1] * 2  # the next sync judges the first copy again, and only it


def test_uid_fetch_answers_as_imaplib_does(imap_server: ImapServer) -> None:
    """``uid_fetch`` reads the FETCH lines itself: its (type, data) are imaplib's, and the
    other lines of the answer (here the EXISTS of mail that arrived meanwhile) still reach
    imaplib, which keeps them as it always does."""
    imap_server.append_many("INBOX", _messages(), when=datetime(2024, 1, 2, tzinfo=UTC))
    client = imap_server.client()
    try:
        client.select_folder("INBOX", readonly=True)
        uids = _imap_fetch.uid_set(sorted(client.search(["ALL"])))
        conn = client._imap
        for items in (f"({HEADER_ITEM} INTERNALDATE)", f"({HEADER_ITEM} BODYSTRUCTURE)",
                      "(BODY.PEEK[1]<0.2048>)", "(FLAGS)"):
            assert _imap_fetch.uid_fetch(conn, uids, items) == conn.uid("FETCH", uids, items)
        assert _imap_fetch.uid_fetch(conn, "999", "(FLAGS)") == conn.uid("FETCH", "999",
                                                                          "(FLAGS)")
        imap_server.append_many("INBOX", _messages()[:1], when=datetime(2024, 1, 3, tzinfo=UTC))
        conn.untagged_responses.pop("EXISTS", None)
        typ, data = _imap_fetch.uid_fetch(conn, uids, f"({HEADER_ITEM})")
        assert "EXISTS" in conn.untagged_responses
        # four messages: (line, literal) and ")" each; pymap adds the new message's FLAGS
        assert (typ, data[:8]) == conn.uid("FETCH", uids, f"({HEADER_ITEM})")
    finally:
        client.logout()


def test_real_structures_read_as_imapclient_reads_them(imap_server: ImapServer) -> None:
    """Real mail of every shape (newsletters in HTML, alternatives, attachments, bounces with
    the returned message, reports) from ``../shared/data``: the preview's header fetch, with
    ``BODYSTRUCTURE`` after the header literal, reads as imapclient reads it, chunk by chunk,
    and the first text part each names is the same."""
    folders = [DATA / "spamassassin-publiccorpus" / "hard_ham",
               DATA / "spamassassin-publiccorpus" / "spam",
               DATA / "sisimai-set-of-emails" / "maildir" / "bsd"]
    files = [f for folder in folders if folder.is_dir() for f in sorted(folder.iterdir())
             if f.is_file() and f.name != "cmds"]
    if not files:
        pytest.skip(f"no corpus mail under {DATA}")
    imap_server.append_many("INBOX", [f.read_bytes() for f in files[::3]],
                            when=datetime(2024, 1, 2, tzinfo=UTC))
    client = imap_server.client()
    try:
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search(["ALL"]))
        items = [HEADER_ITEM, "INTERNALDATE", "BODYSTRUCTURE"]
        multipart = 0
        client.fetch(uids, items)  # Dovecot's first answer can differ (a charset's case)
        for start in range(0, len(uids), 50):
            chunk = uids[start:start + 50]
            ours = _imap_fetch.fetch(client, chunk, items)
            theirs = client.fetch(chunk, items)
            assert ours == theirs
            for uid, entry in ours.items():
                multipart += entry[b"BODYSTRUCTURE"].is_multipart
                assert first_text_part(entry[b"BODYSTRUCTURE"]) == first_text_part(
                    theirs[uid][b"BODYSTRUCTURE"])
        assert multipart > 20  # the shapes the one-match path does not take are here too
    finally:
        client.logout()


def test_a_pull_with_the_preview_leaves_no_reference_cycles(imap_server: ImapServer) -> None:
    """Fetching, parsing and judging every message makes no cyclic garbage: the collector has
    nothing to find after a pull (a first sync's pull is most of its allocations)."""
    imap_server.append_many("INBOX", _messages() * 5, when=datetime(2024, 1, 2, tzinfo=UTC))
    source = ImapSource(account_for(imap_server), imap_server.password, preview=True)
    try:
        source.login()  # the connection's own objects are made before the count starts
        gc.collect()
        gc.disable()
        try:
            items = [m for page in source.pull(None) for m in page.items]
            assert gc.collect() == 0
        finally:
            gc.enable()
    finally:
        source.close()
    assert len(items) == 15  # the message with no address and no Message-ID is quarantined
    assert all(m.signals is not None for m in items if isinstance(m, Message))  # all judged
