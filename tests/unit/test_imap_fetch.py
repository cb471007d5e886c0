"""connectors._imap_fetch reads a FETCH answer exactly as imapclient's parser does, faster.

The reference is imapclient's own ``parse_fetch_response``: every answer here, recorded or
generated, must come out equal from both; the well-formed ones must come out of the fast
reader itself (``_read``), not its fallback.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.exceptions import ProtocolError
from imapclient.response_parser import parse_fetch_response

from connectors._imap_fetch import _plain, _read, _Unsure, read_fetch, uid_set
from tests.imap_oracle import reads_like_imapclient

HEADER = (b"BODY[HEADER.FIELDS (FROM SENDER TO CC DATE SUBJECT MESSAGE-ID IN-REPLY-TO "
          b"REFERENCES LIST-ID CONTENT-TYPE X-GM-LABELS)]")
BLOCK = b"From: Ann <ann@example.com>\r\nSubject: hi\r\n\r\n"

# As imaplib hands them over: a record per line, a (line up to {n}, literal) tuple per literal.
DOVECOT = [
    (b'1 (UID 7 INTERNALDATE "01-Jan-2022 00:04:00 +0000" ' + HEADER + b" {%d}" % len(BLOCK),
     BLOCK), b")",
    (b'2 (UID 9 INTERNALDATE "02-Jan-2022 10:00:00 -0500" ' + HEADER + b" {%d}" % len(BLOCK),
     BLOCK), b")",
]
GMAIL = [
    (b'12 (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS '
     b'(\\Inbox \\Sent Important "Muy \\"importante\\"" NIL) UID 42 INTERNALDATE '
     b'"23-Nov-2026 09:41:00 +0100" ' + HEADER + b" {%d}" % len(BLOCK), BLOCK), b")",
]
STRUCTURE = [
    (b'3 (UID 11 BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" '
    b'120 4 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "base64" 2048 27 NIL '
    b'NIL NIL NIL) "alternative" ("boundary" "b1") NIL NIL NIL) INTERNALDATE '
    b'"05-Dec-2026 08:00:00 +0000")'),
    (b'4 (UID 12 BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 1 NIL '
    b'NIL NIL NIL) BODY[1]<0> "hi\\\\" INTERNALDATE NIL)'),
    (b"5 (UID 13 BODY[1]<0> {3}", b"a\r\n"), b" FLAGS (\\Seen $Junk))",
]


@pytest.mark.parametrize("data", [DOVECOT, GMAIL, STRUCTURE], ids=["dovecot", "gmail", "parts"])
@pytest.mark.parametrize("normalise", [False, True])
def test_recorded_answers_read_like_imapclient(data: list[Any], normalise: bool) -> None:
    assert _read(data, normalise) == dict(parse_fetch_response(data, normalise, True))


def test_values_are_the_ones_the_source_reads() -> None:
    entry = _read(GMAIL, False)[42]
    assert entry[HEADER] == BLOCK
    assert entry[b"X-GM-LABELS"] == (b"\\Inbox", b"\\Sent", b"Important",
                                     b'Muy "importante"', None)
    assert entry[b"X-GM-THRID"] == 1278455344230334865
    assert entry[b"INTERNALDATE"].utcoffset().total_seconds() == 3600
    structure = _read(STRUCTURE, False)
    assert structure[11][b"BODYSTRUCTURE"].is_multipart
    assert structure[12][b"BODY[1]<0>"] == b"hi\\"
    assert structure[12][b"INTERNALDATE"] is None


@pytest.mark.parametrize("data", [
    [b'1 (UID 3 ENVELOPE (NIL "s" NIL NIL NIL NIL NIL NIL NIL "<m@x>"))'],  # not read here
    [b"1 (UID 3 FLAGS (%))"],
    [b"1 (UID 3 X-THING {12})"],  # a literal marker with no literal
    [(b"1 (UID 3 BODY[1] {4}", b"abc"), b")"],  # a literal of the wrong size
    [b"1 (UID 3 BODY[1] \x01)"],
    [b"1 (UID 3"],
])
def test_what_it_does_not_read_goes_to_imapclient(data: list[Any]) -> None:
    with pytest.raises(_Unsure):
        _read(data, False)
    try:
        expected: Any = dict(parse_fetch_response(data, False, True))
    except ProtocolError:
        with pytest.raises(ProtocolError):
            read_fetch(data, normalise_times=False)
    else:
        assert read_fetch(data, normalise_times=False) == expected


def test_uid_set_joins_only_consecutive_runs() -> None:
    assert uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert uid_set([5]) == "5"
    assert uid_set([4, 2, 3, 3]) == "2:4"


# -- generated answers ---------------------------------------------------------------------------

_ATOM = st.from_regex(rb"\A[A-Za-z\\$][A-Za-z0-9.\-_$\\]{0,8}\Z")
_QUOTED = st.binary(max_size=12).filter(lambda b: b"\r" not in b and b"\n" not in b)


def _value(depth: int) -> st.SearchStrategy[tuple[str, Any]]:
    leaf = st.one_of(
        st.integers(0, 2 ** 63).map(lambda n: ("raw", str(n).encode())),
        st.just(("raw", b"NIL")),
        _ATOM.map(lambda a: ("raw", a)),
        _QUOTED.map(lambda q: ("raw", b'"' + q.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
                               + b'"')),
        st.binary(max_size=40).map(lambda b: ("literal", b)),
    )
    if depth == 0:
        return leaf
    return st.one_of(leaf, st.lists(_value(depth - 1), max_size=4).map(lambda v: ("list", v)))


_NAMES = st.sampled_from([b"INTERNALDATE", b"X-GM-LABELS", b"X-GM-THRID", b"FLAGS",
                          b"BODY[1]<0>", b"BODY[HEADER.FIELDS (FROM TO)]", b"RFC822.SIZE"])
_DATES = st.one_of(
    st.sampled_from([b'"01-Jan-2022 00:04:00 +0000"', b'"31-Dec-1999 23:59:59 -1130"', b"NIL",
                     b'"not a date"', b'"30-Feb-2020 10:00:00 +0100"',
                     b'"1-jan-2020 10:00:00 -0000"', b'" 5-Dec-2026 08:00:00 +2359"']),
    st.builds(lambda when, offset: b'"%s %s%02d%02d"' % (
        when.strftime("%d-%b-%Y %H:%M:%S").encode(), b"-" if offset < 0 else b"+",
        abs(offset) // 60, abs(offset) % 60),
        st.datetimes(min_value=datetime(1900, 1, 1)), st.integers(-1439, 1439)))


def _serialise(value: tuple[str, Any], out: list[Any]) -> None:
    kind, payload = value
    if kind == "raw":
        out.append(payload)
    elif kind == "literal":
        out.append(("literal", payload))
    else:
        out.append(b"(")
        for n, item in enumerate(payload):
            if n:
                out.append(b" ")
            _serialise(item, out)
        out.append(b")")


def _records(pieces: list[Any]) -> list[Any]:
    """imaplib's records for one response line made of text pieces and literals."""
    records: list[Any] = []
    text = b""
    for piece in pieces:
        if isinstance(piece, tuple):
            records.append((text + b"{%d}" % len(piece[1]), piece[1]))
            text = b""
        else:
            text += piece
    if text or not records:
        records.append(text)
    return records


@st.composite
def _answers(draw: st.DrawFn) -> list[Any]:
    data: list[Any] = []
    for seq in range(1, draw(st.integers(1, 4)) + 1):
        pieces: list[Any] = [b"%d (" % seq]
        if draw(st.booleans()):
            pieces.append(b"UID %d " % draw(st.integers(1, 10 ** 6)))
        for _ in range(draw(st.integers(0, 4))):
            name = draw(_NAMES)
            pieces.append(name + b" ")
            if name == b"INTERNALDATE":
                pieces.append(draw(_DATES))
            else:
                _serialise(draw(_value(2)), pieces)
            pieces.append(b" ")
        pieces.append(b")")
        data.extend(_records(pieces))
    return data


@settings(max_examples=300, deadline=None)
@given(_answers(), st.booleans())
def test_generated_answers_read_like_imapclient(data: list[Any], normalise: bool) -> None:
    assert _read(data, normalise) == dict(parse_fetch_response(data, normalise, True))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=30), st.tuples(st.binary(max_size=30),
                                                              st.binary(max_size=8))),
                max_size=4))
def test_any_answer_reads_like_imapclient_or_fails_like_it(data: list[Any]) -> None:
    reads_like_imapclient(data)


_NUMBERS = st.one_of(st.integers(0, 10 ** 9).map(lambda n: str(n).encode()),
                     st.sampled_from([b"007", b"00", b"1a"]))


@st.composite
def _plain_answers(draw: st.DrawFn) -> tuple[list[Any], bool]:
    """Answers of the everyday shape ``_plain`` reads (syncd's header and part fetches), now
    and then bent out of it (a leading zero, a wrong literal length, another closing line, an
    unquoted date): either way the answer must read like imapclient's."""
    data: list[Any] = []
    regular = True
    for _ in range(draw(st.integers(1, 4))):
        seq, uid = draw(_NUMBERS), draw(_NUMBERS)
        regular &= all(n == b"0" or (n.isdigit() and n[:1] != b"0") for n in (seq, uid))
        date = draw(st.one_of(st.none(), _DATES))
        regular &= date is None or date.startswith(b'"')
        section = draw(st.sampled_from([HEADER, b"BODY[1]<0>", b"BODY[1.2]<0>", b"BODY[TEXT]"]))
        literal = draw(st.binary(max_size=40))
        length = len(literal) + draw(st.sampled_from([0, 0, 0, 1]))
        close = draw(st.sampled_from([b")", b")", b")", b" FLAGS (\\Seen))"]))
        regular &= length == len(literal) and close == b")"
        text = b"%s (UID %s%s %s {%d}" % (seq, uid, b"" if date is None else
                                          b" INTERNALDATE " + date, section, length)
        data.extend([(text, literal), close])
    return data, regular


@settings(max_examples=400, deadline=None)
@given(_plain_answers(), st.booleans())
def test_everyday_answers_read_like_imapclient(answer: tuple[list[Any], bool],
                                               normalise: bool) -> None:
    data, regular = answer
    expected = reads_like_imapclient(data, normalise)
    if expected is None:
        return
    if regular:  # read by the one-match path, not the tokenizer
        assert _plain(data, normalise) == expected


def test_everyday_records_take_the_one_match_path() -> None:
    assert _plain(DOVECOT, False) == dict(parse_fetch_response(DOVECOT, False, True))
    assert _plain(GMAIL, False) is None  # X-GM-* items: the tokenizer reads them
    assert _plain(STRUCTURE, False) is None
