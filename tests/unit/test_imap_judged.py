"""The IMAP preview judges a message's text once a sync: its copies in other folders and chunks
take its flags without their text being fetched (connectors/_imap_judged.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors import _imap_preview
from connectors._imap_judged import UNSEEN, Judged, copy_key, text_key
from connectors._imap_preview import chunk_signals
from rules.text_signals import judge
from syncd.model import Address, Message

ANN = Address("ann@example.org", "Ann Smith")
BOB = Address("bob@example.org", "Bob Jones")
CAROL = Address("carol@example.org", "Carol White")
TEXT = b"Bob, could you send me the figures by Friday?\r\n\r\nThanks,\r\nAnn\r\n"
OTHER = b"Thanks, that is all I needed.\r\n"


def structure(body: bytes) -> tuple[object, ...]:
    return (b"text", b"plain", (b"charset", b"us-ascii"), None, None, b"7bit", len(body),
            body.count(b"\n"))


def message(native_id: str, to: tuple[Address, ...] = (BOB,), *,
            message_id: str = "a@example.org") -> Message:
    return Message("acct", native_id, message_id, datetime(2024, 3, 1, 9, 30, tzinfo=UTC), ANN,
                   to, subject="Figures")


class Server:
    """A folder's text parts by UID; records every UID whose text is fetched."""

    def __init__(self, bodies: Mapping[int, bytes], gone: Sequence[int] = ()) -> None:
        self.bodies = dict(bodies)
        self.gone = set(gone)  # expunged between the header fetch and the text fetch
        self.fetched: list[int] = []

    def fetch(self, uids: list[int], items: list[str]) -> dict[int, dict[bytes, object]]:
        assert items == ["BODY.PEEK[1]<0.2048>"]
        self.fetched += uids
        return {uid: {b"BODY[1]<0>": self.bodies[uid]} for uid in uids if uid not in self.gone}


def chunk(server: Server, messages: Mapping[int, Message], judged: Judged,
          ) -> dict[int, tuple[str, ...]]:
    response = {uid: {b"BODYSTRUCTURE": structure(server.bodies[uid])} for uid in messages}
    return chunk_signals(server.fetch, response,
                         {uid: (m.sender, m.to + m.cc) for uid, m in messages.items()},
                         {uid: copy_key(m, response[uid][b"BODYSTRUCTURE"])
                          for uid, m in messages.items()}, judged)


@pytest.fixture
def judging(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts judged (counted around ``judge``, which still judges)."""
    texts: list[str] = []

    def counted(text: str, *people: Any) -> tuple[str, ...]:
        texts.append(text)
        return judge(text, *people)

    monkeypatch.setattr(_imap_preview, "judge", counted)
    return texts


def test_a_copy_in_a_later_chunk_takes_the_flags_without_its_text(judging: list[str]) -> None:
    judged = Judged()
    inbox = Server({1: TEXT})
    archive = Server({7: TEXT})  # the same message in another folder
    first = chunk(inbox, {1: message("INBOX/1/1")}, judged)
    again = chunk(archive, {7: message("Archive/1/7")}, judged)
    assert first == {1: judge(TEXT.decode(), ANN, (BOB,))}
    assert "ask" in first[1]
    assert again == {7: first[1]}
    assert inbox.fetched == [1]
    assert archive.fetched == []  # neither fetched nor judged again
    assert len(judging) == 1


def test_a_copy_with_an_id_of_its_own_is_fetched_but_not_judged_again(
        judging: list[str]) -> None:
    judged = Judged()
    chunk(Server({1: TEXT}), {1: message("INBOX/1/1")}, judged)
    export = Server({7: TEXT})  # an archive's copy: another Message-ID, the same text
    flags = chunk(export, {7: message("Archive/1/7", message_id="b@example.org")}, judged)
    assert export.fetched == [7]
    assert len(judging) == 1
    assert flags == {7: judge(TEXT.decode(), ANN, (BOB,))}


def test_two_copies_in_one_chunk_are_fetched_once(judging: list[str]) -> None:
    server = Server({1: TEXT, 2: TEXT})
    flags = chunk(server, {1: message("INBOX/1/1"), 2: message("INBOX/1/2")}, Judged())
    assert flags[1] == flags[2] == judge(TEXT.decode(), ANN, (BOB,))
    assert server.fetched == [1]
    assert len(judging) == 1


def test_a_copy_to_other_recipients_is_judged_on_its_own(judging: list[str]) -> None:
    judged = Judged()
    chunk(Server({1: TEXT}), {1: message("INBOX/1/1")}, judged)
    other = Server({2: TEXT})
    flags = chunk(other, {2: message("Sent/1/2", (CAROL,))}, judged)
    assert other.fetched == [2]
    assert len(judging) == 2
    assert flags == {2: judge(TEXT.decode(), ANN, (CAROL,))}


def test_another_body_under_the_same_headers_is_judged_on_its_own() -> None:
    judged = Judged()
    chunk(Server({1: TEXT}), {1: message("INBOX/1/1")}, judged)
    other = Server({2: OTHER})
    flags = chunk(other, {2: message("INBOX/1/2")}, judged)
    assert other.fetched == [2]
    assert flags == {2: judge(OTHER.decode(), ANN, (BOB,))}


def test_the_copy_of_a_message_expunged_meanwhile_is_fetched_in_its_place() -> None:
    server = Server({1: TEXT, 2: TEXT}, gone=[1])
    judged = Judged()
    flags = chunk(server, {1: message("INBOX/1/1"), 2: message("INBOX/1/2")}, judged)
    assert flags == {2: judge(TEXT.decode(), ANN, (BOB,))}
    assert server.fetched == [1, 2]
    assert len(judged) == 2  # the copy's key and its text's, not the key of the one gone


def test_a_message_without_a_text_part_is_remembered_without_flags() -> None:
    judged = Judged()
    response: dict[int, Mapping[bytes, object]] = {
        3: {b"BODYSTRUCTURE": (b"image", b"png", None, None, None, b"base64", 900)}}
    m = message("INBOX/1/3")
    key = copy_key(m, response[3][b"BODYSTRUCTURE"])
    server = Server({})
    assert chunk_signals(server.fetch, response, {3: (ANN, (BOB,))}, {3: key}, judged) == {}
    assert judged.get(key) is None
    assert server.fetched == []


def test_copy_key_tells_copies_from_other_messages() -> None:
    base = copy_key(message("INBOX/1/1"), structure(TEXT))
    assert copy_key(message("Sent/9/4"), structure(TEXT)) == base
    assert copy_key(message("INBOX/1/1", message_id="other@x"), structure(TEXT)) != base
    assert copy_key(message("INBOX/1/1", (CAROL,)), structure(TEXT)) != base
    assert copy_key(message("INBOX/1/1", (Address(BOB.email, "Robert"),)),
                    structure(TEXT)) != base
    assert copy_key(message("INBOX/1/1"), structure(OTHER)) != base
    multipart = [[structure(TEXT), structure(OTHER)], b"mixed"]  # imapclient's list form
    assert copy_key(message("INBOX/1/1"), multipart) == copy_key(message("Sent/1/2"), multipart)


def test_text_key_tells_what_judge_reads_apart() -> None:
    base = text_key(TEXT, "plain 7bit us-ascii", ANN, (BOB,))
    assert text_key(TEXT, "plain 7bit us-ascii", ANN, (BOB,)) == base
    assert text_key(OTHER, "plain 7bit us-ascii", ANN, (BOB,)) != base
    assert text_key(TEXT, "html 7bit us-ascii", ANN, (BOB,)) != base
    assert text_key(TEXT, "plain 7bit us-ascii", None, (BOB,)) != base
    assert text_key(TEXT, "plain 7bit us-ascii", ANN, (BOB, CAROL)) != base
    assert text_key(TEXT, "plain 7bit us-ascii", BOB, (ANN,)) != base


def test_the_bound_evicts_the_least_recently_used() -> None:
    judged = Judged(bound=4)
    judged.put(1, ("ask",))
    judged.put(2, None)
    assert judged.get(1) == ("ask",)  # used: 2 is now the least recently used
    judged.put(3, ("thanks",))
    assert len(judged) <= 4
    assert judged.get(2) is UNSEEN  # put after 1, but 1 was used since
    assert judged.get(1) == ("ask",)
    assert judged.get(3) == ("thanks",)


def test_the_bound_holds() -> None:
    judged = Judged(bound=10)
    for key in range(1000):
        judged.put(key, None)
        assert len(judged) <= 10
    assert all(judged.get(key) is None for key in range(995, 1000))  # the last bound // 2


def test_equal_flags_are_held_once() -> None:
    judged = Judged()
    judged.put(1, tuple(sorted(("thanks", "ask"))))  # two tuples, equal
    judged.put(2, tuple(sorted(("thanks", "ask"))))
    first, second = judged.get(1), judged.get(2)
    assert first == ("ask", "thanks")
    assert first is second


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        Judged(bound=1)
