"""connectors._imap_structure reads a BODYSTRUCTURE as imapclient's parser does, or not at all.

The reference is imapclient's ``parse_fetch_response``: a structure ``read_structure`` reads
must come out equal to imapclient's value; one it does not read (``None``) leaves the answer
to the general reader, which must then answer (or fail) exactly as imapclient does. Real
structures come from recorded server answers in ``../shared/data/imap`` (skipped when absent)
and from the kinds of mail the preview meets (single part, alternatives, attachments,
forwarded messages, reports).
"""

from __future__ import annotations

import gc
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.response_parser import parse_fetch_response
from imapclient.response_types import BodyData

from connectors._imap_fetch import _plain, read_fetch
from connectors._imap_preview import first_text_part
from connectors._imap_structure import read_structure, trailing_structure
from tests.imap_oracle import reads_like_imapclient

RECORDED = next((up / "shared" / "data" / "imap" / "mailkit-resources"
                 for up in Path(__file__).resolve().parents[3:5]
                 if (up / "shared" / "data").is_dir()), Path("shared-data-not-found"))
HEADER = b"BODY[HEADER.FIELDS (FROM TO SUBJECT)]"
BLOCK = b"From: Ann <ann@example.com>\r\nSubject: hi\r\n\r\n"

SINGLE = b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 551 29 NIL NIL NIL NIL)'
STRUCTURES = [
    SINGLE,
    b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92)',  # no extension data
    b'("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0 NIL)',
    b'("text" "plain" () NIL NIL "7bit" 1 1 NIL NIL NIL NIL)',  # an empty parameter list
    (b'("application" "octet-stream" ("name" "gr\xc3\xbc\xc3\x9fe.bin") NIL NIL "base64" 9 '
     b'NIL NIL NIL)'),  # 8-bit bytes in a quoted string, no line count
    (b'("text" "html" ("charset" "utf-8" "format" "flowed") "<id@x>" "a \\"note\\"" '
     b'"quoted-printable" 2048 40 NIL NIL NIL NIL)'),
    (b'("application" "octet-stream" ("name" "a.bin") NIL NIL "base64" 120 NIL '
     b'("attachment" ("filename" "a.bin")) NIL NIL)'),
    (b'(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5235 112 NIL NIL NIL)("text" "html" '
     b'("charset" "utf-8") NIL NIL "7bit" 60479 873 NIL NIL NIL) "alternative" ("boundary" '
     b'"b1") NIL NIL NIL)'),
    (b'((("text" "plain" ("charset" "iso-8859-1") NIL NIL "quoted-printable" 16 1 NIL NIL NIL '
     b'NIL)("text" "html" ("charset" "utf-8") NIL NIL "base64" 30 1 NIL NIL NIL NIL) '
     b'"alternative" ("boundary" "inner") NIL NIL NIL)("application" "pdf" ("name" "a b.pdf") '
     b'NIL NIL "base64" 14 NIL ("attachment" ("filename" "a b.pdf")) NIL NIL) "mixed" '
     b'("boundary" "outer") NIL NIL NIL)'),
    (b'(("text" "plain" ("charset" "us-ascii") NIL "Notification" "7bit" 300 8 NIL NIL NIL NIL)'
     b'("message" "delivery-status" NIL NIL NIL "7bit" 400 NIL NIL NIL NIL)("message" "rfc822" '
     b'NIL NIL NIL "7bit" 900 ("Mon, 1 Jan 2024 10:00:00 +0100" "hi" (("Ann" NIL "ann" '
     b'"example.com")) NIL NIL (("Dana" NIL "dana" "example.org")) NIL NIL NIL "<m@x>") '
     b'("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 12 1 NIL NIL NIL NIL) 20 NIL NIL NIL '
     b'NIL) "report" ("report-type" "delivery-status" "boundary" "r") NIL ("en" "de") NIL)'),
]
# Not of the plain shape: left to the general reader.
NOT_PLAIN = [
    b"",
    b"()",
    b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 007 1)',  # an atom for imapclient
    b'("text" "plain" NILNIL "7bit" 1 1)',
    b'("text" "plain" NIL NIL NIL 7BIT 1 1)',  # an unquoted atom
    b'("text" "plain" NIL NIL NIL "7bit" 1 1',  # unbalanced
    b'("text" "plain" NIL NIL NIL "7bit" 1 1))',
    b'("text" "plain" NIL NIL NIL "7bit" {4}',  # a literal
    b'("text" "plain" NIL NIL NIL "a\r\nb" 1 1)',
    b'("text" "plain" NIL NIL NIL "7bit" 1 1) ("x")',  # two values
    b'"text"',
]


def imapclient_value(structure: bytes) -> Any:
    parsed = parse_fetch_response([b"1 (UID 9 BODYSTRUCTURE " + structure + b")"], False, True)
    return parsed[9][b"BODYSTRUCTURE"]


def ours(structure: bytes) -> Any:
    """``read_structure``'s value as the fetch reader keeps it (imapclient's ``BodyData``)."""
    value = read_structure(structure)
    return None if value is None else BodyData.create(value)


def record(structure: bytes, uid: int = 9) -> list[Any]:
    """The answer to syncd's header fetch with the preview: the structure last."""
    return [(b'%d (UID %d INTERNALDATE "05-Dec-2026 08:00:00 +0000" ' % (uid, uid) + HEADER
             + b" {%d}" % len(BLOCK), BLOCK), b" BODYSTRUCTURE " + structure + b")"]


def recorded_structures() -> list[bytes]:
    """Every BODYSTRUCTURE written on one line of the recorded answers (no literals)."""
    found: list[bytes] = []
    for path in sorted(RECORDED.glob("*/*.txt")):
        for match in re.finditer(rb"BODYSTRUCTURE (\(.*)", path.read_bytes()):
            depth, end, quoted, escaped = 0, 0, False, False
            for end, byte in enumerate(match[1]):  # noqa: B007 - the end is what is kept
                if quoted:
                    escaped, quoted = (False, True) if escaped else (byte == 92, byte != 34)
                elif byte == 34:
                    quoted = True
                elif byte in b"()":
                    depth += 1 if byte == 40 else -1
                    if depth == 0:
                        break
            if depth == 0:
                found.append(match[1][:end + 1].rstrip(b"\r"))
    return found


@pytest.mark.parametrize("structure", STRUCTURES)
def test_structures_read_as_imapclient_reads_them(structure: bytes) -> None:
    assert ours(structure) == imapclient_value(structure)
    trailing = trailing_structure(b" BODYSTRUCTURE " + structure + b")")
    assert trailing is not None and BodyData.create(trailing) == imapclient_value(structure)
    answer = record(structure) + record(SINGLE, 10)
    expected = dict(parse_fetch_response(answer, False, True))
    assert _plain(answer, False) == expected  # the one-match path, not the tokenizer
    assert read_fetch(answer, normalise_times=False) == expected


def test_recorded_server_structures() -> None:
    structures = recorded_structures() if RECORDED.is_dir() else []
    if not structures:
        pytest.skip(f"no recorded IMAP answers under {RECORDED}")
    read = 0
    for structure in structures:
        value = ours(structure)
        if value is not None:
            read += 1
            assert value == imapclient_value(structure)
        answer = record(structure)
        assert read_fetch(answer, normalise_times=False) == dict(
            parse_fetch_response(answer, False, True))
    assert read >= len(structures) // 2


def test_the_first_text_part_is_the_one_imapclients_value_names() -> None:
    for structure in STRUCTURES:
        ours = read_fetch(record(structure), normalise_times=False)[9][b"BODYSTRUCTURE"]
        assert first_text_part(ours) == first_text_part(imapclient_value(structure))
    mixed = next(s for s in STRUCTURES if b'"mixed"' in s)
    named = first_text_part(read_fetch(record(mixed), normalise_times=False)[9][
        b"BODYSTRUCTURE"])
    assert named is not None and (named.section, named.charset) == ("1.1", "iso-8859-1")


@pytest.mark.parametrize("structure", NOT_PLAIN)
def test_what_it_does_not_read_goes_to_the_general_reader(structure: bytes) -> None:
    assert read_structure(structure) is None
    answer = record(structure)
    assert _plain(answer, False) is None
    reads_like_imapclient(answer)


def test_choosing_the_part_leaves_nothing_for_the_garbage_collector() -> None:
    """No reference cycle per message (a recursive closure was one): a first sync's pull
    leaves the collector nothing to find."""
    values = [ours(s) for s in STRUCTURES]
    gc.collect()
    gc.disable()
    try:
        chosen = [first_text_part(value) for value in values]
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert sum(part is not None for part in chosen) >= 5


def test_a_last_line_that_is_not_a_structure() -> None:
    assert trailing_structure(b")") is None
    assert trailing_structure(b" FLAGS (\\Seen))") is None
    assert trailing_structure(b" BODYSTRUCTURE " + SINGLE) is None  # the record's ")" missing


# -- generated structures ----------------------------------------------------------------------

_STRING = st.one_of(
    st.sampled_from([b"text", b"plain", b"utf-8", b"7bit", b"", b"a b", b"(x)", b"NIL"]),
    st.binary(max_size=8))
_LEAF = st.one_of(
    _STRING.map(lambda s: b'"' + s.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'),
    _STRING.map(lambda s: b'"' + s + b'"'),  # unescaped: a stray quote or backslash
    st.just(b"NIL"), st.integers(0, 10 ** 6).map(lambda n: str(n).encode()),
    st.sampled_from([b"007", b"x1", b"{2}", b"\\Seen", b"NILNIL"]))
_SPACE = st.sampled_from([b" ", b" ", b" ", b"", b"  "])


@st.composite
def _list(draw: st.DrawFn, depth: int = 0) -> bytes:
    items: list[bytes] = []
    for _ in range(draw(st.integers(0 if depth else 1, 7))):
        nested = depth < 3 and draw(st.integers(0, 4)) == 0
        items.append(draw(_list(depth + 1)) if nested else draw(_LEAF))
    joined = b""
    for n, item in enumerate(items):
        joined += (draw(_SPACE) if n else b"") + item
    return b"(" + joined + b")"


@settings(max_examples=500, deadline=None)
@given(_list())
def test_generated_structures_read_as_imapclient_or_not_at_all(structure: bytes) -> None:
    expected = reads_like_imapclient(record(structure))
    if expected is None:
        return
    value = ours(structure)
    if value is not None:
        assert value == expected[9][b"BODYSTRUCTURE"]
