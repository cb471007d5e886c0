"""connectors/_imap_parse.py: hand-written edge cases, real header blocks, and a fuzz test."""

from __future__ import annotations

import email
import email.policy
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors._imap_parse import (
    HEADER_FIELDS,
    RULE_HEADERS,
    fast_date,
    parse_fetch_entry,
    parse_headers,
    simple_addresses,
)
from syncd.errors import ProtocolError
from syncd.model import Address, Message

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_WANTED = {name.lower().encode() for name in HEADER_FIELDS}


def parse(raw: bytes, *, internaldate: datetime | None = WHEN, native_id: str = "INBOX/1/1",
          labels: tuple[str, ...] = ()) -> Message:
    return parse_headers(raw, account="acct", native_id=native_id, internaldate=internaldate,
                         labels=labels, scope="INBOX")


def header_fields_block(raw: bytes) -> bytes:
    """What an IMAP server answers to BODY.PEEK[HEADER.FIELDS (...)] for this message."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    out: list[bytes] = []
    keep = False
    for line in head.split(b"\n"):
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t"):
            if keep:
                out.append(line + b"\r\n")
            continue
        keep = line.split(b":", 1)[0].strip().lower() in _WANTED
        if keep:
            out.append(line + b"\r\n")
    return b"".join(out) + b"\r\n"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real-world data not found at {path} (the shared data folder is absent)")
    return path


# --- the contract of the module --------------------------------------------------------------

def test_header_fields_name_core_and_rule_headers() -> None:
    lower = [name.lower() for name in HEADER_FIELDS]
    for core in ("from", "sender", "to", "cc", "date", "subject", "message-id", "in-reply-to",
                 "references"):
        assert core in lower
    assert set(RULE_HEADERS) <= set(lower)
    assert len(lower) == len(set(lower))
    assert all(re.fullmatch(r"[A-Za-z0-9-]+", name) for name in HEADER_FIELDS)


def test_a_typical_block() -> None:
    raw = (
        b"From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.de>\r\n"
        b"To: Dana Example <dana@example.org>,\r\n"
        b"\tbob@example.com\r\n"
        b"Cc: \"Roe, Jane\" <jane@acme.example>\r\n"
        b"Subject: =?iso-8859-1?q?Gr=FC=DFe?= aus\r\n"
        b" Berlin\r\n"
        b"Date: Tue, 30 Apr 2024 09:15:00 +0200\r\n"
        b"Message-ID: <abc.123@mail.example.de>\r\n"
        b"In-Reply-To: <parent@example.org>\r\n"
        b"References: <root@example.org>\r\n <parent@example.org>\r\n"
        b"\r\n"
    )
    msg = parse(raw, labels=("\\Inbox",))
    assert msg.sender == Address("joerg@example.de", "Jörg Müller")
    assert msg.to == (Address("dana@example.org", "Dana Example"), Address("bob@example.com"))
    assert msg.cc == (Address("jane@acme.example", "Roe, Jane"),)
    assert msg.subject == "Grüße aus Berlin"
    assert msg.date == datetime(2024, 4, 30, 7, 15, tzinfo=UTC)
    assert msg.date.utcoffset() == timedelta(0)
    assert msg.message_id == "abc.123@mail.example.de"
    assert msg.in_reply_to == "parent@example.org"
    assert msg.references == ("root@example.org", "parent@example.org")
    assert msg.headers == ()
    assert (msg.account, msg.native_id, msg.scope, msg.labels) == (
        "acct", "INBOX/1/1", "INBOX", ("\\Inbox",))


def test_rule_headers_in_order_and_nothing_else() -> None:
    raw = (
        b"Received: from mx by mx; Tue, 30 Apr 2024 09:15:00 +0200\r\n"
        b"Return-Path: <>\r\n"
        b"From: MAILER-DAEMON@mx.example.org\r\n"
        b"LIST-ID: Users <users.lists.example.org>\r\n"
        b"X-Mailer: something\r\n"
        b"Precedence: bulk\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status;\r\n"
        b"\tboundary=\"xyz\"\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"\r\n"
    )
    msg = parse(raw)
    assert msg.headers == (
        ("return-path", "<>"),
        ("list-id", "Users <users.lists.example.org>"),
        ("precedence", "bulk"),
        ("content-type", "multipart/report"),
        ("auto-submitted", "auto-replied"),
    )
    assert msg.header("List-Id") == "Users <users.lists.example.org>"
    assert msg.header("x-mailer") is None


def test_message_id_forms() -> None:
    base = b"From: a@example.org\r\n"
    assert parse(base + b"message-id: plain.id@host\r\n").message_id == "plain.id@host"
    assert parse(base + b"MESSAGE-ID:   <X.Y@Host>  (comment)\r\n").message_id == "X.Y@Host"
    assert parse(base + b"Message-Id:\r\n <folded@host>\r\n").message_id == "folded@host"
    garbage = parse(base + b"Message-ID: <>\r\n").message_id
    assert garbage.startswith("syncd-")


def test_synthetic_message_id_is_deterministic_across_folders() -> None:
    raw = (b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n"
           b"Date: 1 May 2024 10:00 +0000\r\n")
    in_inbox = parse(raw, native_id="INBOX/7/3", internaldate=WHEN)
    in_archive = parse(raw, native_id="Archive/9/1", internaldate=WHEN + timedelta(days=3))
    assert in_inbox.message_id == in_archive.message_id
    assert re.fullmatch(r"syncd-[0-9a-f]{64}", in_inbox.message_id)
    other = parse(raw.replace(b"hi", b"hello"))
    assert other.message_id != in_inbox.message_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"Mon, 17 Dec 2001 12:54:47 -0800 (PST)", datetime(2001, 12, 17, 20, 54, 47, tzinfo=UTC)),
        (b"17 Dec 2001 12:54:47 -0800", datetime(2001, 12, 17, 20, 54, 47, tzinfo=UTC)),
        (b"Mon, 17 Dec 2001 12:54:47 -0000", datetime(2001, 12, 17, 12, 54, 47, tzinfo=UTC)),
        (b"Mon, 17 Dec 01 12:54:47 GMT", datetime(2001, 12, 17, 12, 54, 47, tzinfo=UTC)),
        (b"2001-12-17T12:54:47+01:00", datetime(2001, 12, 17, 11, 54, 47, tzinfo=UTC)),
        (b"Mon, 17 Dec 2001 12:54:47 +0100 (CET)", datetime(2001, 12, 17, 11, 54, 47, tzinfo=UTC)),
    ],
)
def test_dates_become_aware_utc(value: bytes, expected: datetime) -> None:
    msg = parse(b"From: a@example.org\r\nDate: " + value + b"\r\n")
    assert msg.date == expected
    assert msg.date.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [b"", b"yesterday", b"Mon, 99 Foo 2001 99:99:99", b"Thu, 01 Jan 1970 00:00:00 +0000",
     b"Sat, 1 Jan 2039 00:00:00 +0000", b"\xff\xfe\x00"],
)
def test_broken_dates_fall_back_to_internaldate(value: bytes) -> None:
    internal = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    msg = parse(b"From: a@example.org\r\nDate: " + value + b"\r\n", internaldate=internal)
    assert msg.date == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert msg.date.tzinfo is UTC


def test_naive_internaldate_is_taken_as_utc() -> None:
    msg = parse(b"From: a@example.org\r\n", internaldate=datetime(2024, 5, 1, 12, 0))
    assert msg.date == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_no_date_anywhere_is_unusable() -> None:
    with pytest.raises(ProtocolError, match="INBOX/1/1"):
        parse(b"From: a@example.org\r\nDate: never\r\n", internaldate=None)


@pytest.mark.parametrize("raw", [b"", b"\r\n", b"Subject: only a subject\r\n\r\n",
                                 b"garbage without colon\r\n", b"To: undisclosed-recipients:;\r\n"])
def test_no_address_and_no_message_id_is_unusable(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse(raw)


def test_sender_when_from_is_missing() -> None:
    msg = parse(b"Sender: Bot <bot@example.org>\r\nTo: a@example.org\r\n")
    assert msg.sender == Address("bot@example.org", "Bot")
    assert parse(b"To: a@example.org\r\n").sender is None


def test_odd_charsets_and_eight_bit_never_raise() -> None:
    raw = (
        b"From: \xc4rger <aerger@example.de>\r\n"  # latin-1, not UTF-8
        b"To: =?x-unknown?q?Someone?= <s@example.org>, =?utf-8?b?!!!notbase64?= <t@example.org>\r\n"
        b"Subject: =?big5?Q?=A7A=B7=C7?= caf\xc3\xa9\r\n"
        b"Message-ID: <8bit@example.org>\r\n"
    )
    msg = parse(raw)
    assert msg.sender == Address("aerger@example.de", "Ärger")
    assert [a.email for a in msg.to] == ["s@example.org", "t@example.org"]
    assert msg.subject is not None and msg.subject.endswith("café")


def test_group_syntax_and_bare_names_are_not_addresses() -> None:
    msg = parse(b"From: a@example.org\r\nTo: undisclosed-recipients:;\r\n"
                b"Cc: Team: x@example.org, y@example.org;, Dietrich, Janet <jd@example.org>\r\n")
    assert msg.to == ()
    assert [a.email for a in msg.cc] == ["x@example.org", "y@example.org", "jd@example.org"]


def test_block_ends_at_blank_line_and_tolerates_bare_lf() -> None:
    msg = parse(b"From: a@example.org\nTo: b@example.org\n\nTo: c@example.org\n")
    assert [a.email for a in msg.to] == ["b@example.org"]


def test_first_value_wins_for_repeated_core_fields() -> None:
    msg = parse(b"From: a@example.org\r\nSubject: one\r\nSubject: two\r\n")
    assert msg.subject == "one"


# --- one FETCH answer, as imapclient returns it ----------------------------------------------

def test_fetch_entry_from_gmail() -> None:
    entry = {
        b"SEQ": 4,
        b"BODY[HEADER.FIELDS (FROM TO SUBJECT MESSAGE-ID)]":
            b"From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: <g@x>\r\n\r\n",
        b"INTERNALDATE": datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        b"X-GM-MSGID": 1278455344230334865,
        b"X-GM-THRID": 1266894439832287888,
        b"X-GM-LABELS": (b"\\Inbox", b"Work", b"\\Important"),
    }
    msg = parse_fetch_entry(entry, account="g", native_id="[Gmail]/All Mail/1/4",
                            labels=(), scope="[Gmail]/All Mail")
    assert msg.thread_id == "1194e9c7de1efa90"  # the Gmail API's hex form of X-GM-THRID
    assert msg.labels == ("\\Inbox", "Work", "\\Important")
    assert msg.date == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_fetch_entry_from_a_plain_server() -> None:
    entry = {b"BODY[HEADER.FIELDS (FROM)]": b"From: a@example.org\r\n\r\n",
             b"INTERNALDATE": datetime(2024, 5, 1, 12, 0, tzinfo=UTC)}
    msg = parse_fetch_entry(entry, account="a", native_id="Sent/1/9", labels=("\\Sent",),
                            scope="Sent")
    assert (msg.labels, msg.thread_id, msg.scope) == (("\\Sent",), None, "Sent")


@pytest.mark.parametrize("entry", [{}, {b"INTERNALDATE": WHEN},
                                   {b"BODY[HEADER.FIELDS (FROM)]": None, b"INTERNALDATE": WHEN}])
def test_fetch_entry_without_a_header_block_is_unusable(entry: dict[bytes, object]) -> None:
    with pytest.raises(ProtocolError, match="no header block"):
        parse_fetch_entry(entry, account="a", native_id="INBOX/1/1", labels=(), scope="INBOX")


# --- the fast address path agrees with email.utils.getaddresses ----------------------------

_ATOM = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789.-_+'!#", min_size=1,
                max_size=8)
_ADDR = st.builds(lambda local, dom: f"{local}@{dom}.example", _ATOM, _ATOM)
_NAME = st.lists(_ATOM, min_size=0, max_size=3).map(" ".join)
_ITEM = st.one_of(_ADDR, st.builds(lambda n, a: f"{n} <{a}>", _NAME, _ADDR), _ATOM)


@given(st.lists(_ITEM, min_size=1, max_size=5), st.sampled_from([",", ", ", " ,\t"]))
def test_fast_addresses_agree_with_getaddresses(items: list[str], sep: str) -> None:
    value = sep.join(items)
    fast = simple_addresses(value)
    if fast is not None:
        slow = [(n, a) for n, a in getaddresses([value]) if "@" in a]
        assert [(n, a) for n, a in fast if "@" in a] == slow


def test_fast_addresses_decline_the_hard_cases() -> None:
    for value in ['"Roe, Jane" <j@x.org>', "j@x.org (Jane)", "Team: a@x.org;",
                  "=?utf-8?q?x?= <a@x>", "<@route:a@x.org>", "a@x.org b@x.org"]:
        assert simple_addresses(value) is None, value


# --- real header blocks ----------------------------------------------------------------------

def _compare_with_email_package(raw: bytes, msg: Message) -> None:
    """Our fast parse against the slow, complete email package for the same message."""
    ref = email.message_from_bytes(raw, policy=email.policy.compat32)
    ref_id = ref["Message-ID"]
    if ref_id and "<" in str(ref_id):
        assert msg.message_id == str(ref_id).strip().split("<", 1)[1].split(">", 1)[0]
    ref_to = [a for _, a in getaddresses([str(v) for v in ref.get_all("To", [])]) if "@" in a]
    assert [a.email for a in msg.to] == ref_to
    ref_from = [a for _, a in getaddresses([str(ref.get("From", ""))]) if "@" in a]
    if ref_from:
        assert msg.sender is not None and msg.sender.email == ref_from[0]
    ref_date = ref["Date"]
    if ref_date:
        try:
            expected = parsedate_to_datetime(str(ref_date))
        except (TypeError, ValueError):
            expected = None
        if expected is not None and expected.tzinfo is not None and expected.year > 1971:
            assert msg.date == expected.astimezone(UTC)


def test_enron_header_blocks() -> None:
    root = need(DATA / "enron-maildir" / "maildir")
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert len(files) > 10_000
    for path in random.Random(7).sample(files, 400):
        raw = path.read_bytes()
        msg = parse(header_fields_block(raw), native_id=str(path), internaldate=None)
        assert msg.date.tzinfo is UTC
        assert msg.message_id.endswith("JavaMail.evans@thyme")
        _compare_with_email_package(raw, msg)


def test_real_bounces_and_auto_replies() -> None:
    root = need(DATA / "sisimai-set-of-emails" / "maildir")
    reports = auto = 0
    for path in sorted(root.rglob("*.eml")):
        raw = path.read_bytes()
        try:
            msg = parse(header_fields_block(raw), native_id=path.name)
        except ProtocolError:
            continue  # a handful of fixtures are bare bodies without any address header
        assert msg.date.tzinfo is UTC
        reports += msg.header("content-type") == "multipart/report"
        auto += (msg.header("auto-submitted") or "no").lower() != "no"
    assert reports > 300
    assert auto > 100


def test_mailing_list_posts() -> None:
    path = need(DATA / "mailing-list-usrp-users" / "usrp-users-sample.mbox")
    seen = replies = 0
    # mboxrd with LF line endings; each message starts at a "From " line (read-only split)
    for key, raw in enumerate(re.split(rb"(?:^|\n\n)From [^\n]*\n", path.read_bytes())[1:]):
        if not raw.strip():
            continue  # the sample holds a few empty entries
        msg = parse(header_fields_block(raw), native_id=str(key), internaldate=None)
        seen += 1
        assert msg.header("list-id") is not None
        assert msg.header("list-unsubscribe") is not None
        assert "usrp-users" in (msg.header("list-id") or "")
        replies += msg.in_reply_to is not None and msg.in_reply_to in msg.references
        _compare_with_email_package(raw, msg)
        if seen >= 300:
            break
    assert seen == 300
    assert replies > 50


def test_spamassassin_ham_with_encoded_subjects() -> None:
    root = need(DATA / "spamassassin-publiccorpus")
    decoded = 0
    for path in sorted(root.glob("*/*")):
        if path.name == "cmds" or not path.is_file():
            continue
        raw = path.read_bytes()
        try:
            msg = parse(header_fields_block(raw), native_id=path.name, internaldate=None)
        except ProtocolError:
            continue
        if msg.subject and b"Subject: =?" in raw:
            decoded += "=?" not in msg.subject
    assert decoded > 10


# --- fuzz ------------------------------------------------------------------------------------

_FIELD = st.sampled_from([name.encode() for name in HEADER_FIELDS] + [b"X-Other", b"", b" "])
_LINE = st.builds(lambda n, sep, v: n + sep + v, _FIELD, st.sampled_from([b":", b": ", b"", b"\t"]),
                  st.binary(max_size=80))


@settings(max_examples=300)
@given(st.one_of(st.binary(max_size=400),
                 st.lists(_LINE, max_size=12).map(b"\r\n".join),
                 st.lists(_LINE, max_size=12).map(b"\n ".join)),
       st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))))
def test_parser_never_raises_anything_but_protocol_error(raw: bytes,
                                                         internal: datetime | None) -> None:
    try:
        msg = parse(raw, internaldate=internal)
    except ProtocolError:
        return
    assert msg.date.tzinfo is not None and msg.date.utcoffset() == timedelta(0)
    assert msg.message_id
    assert all(name in RULE_HEADERS for name, _ in msg.headers)


# --- the fast date path agrees with email.utils.parsedate_to_datetime ----------------------

@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2099, 12, 30)),
       st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
       st.sampled_from(["", " (PST)", " (Pacific Standard Time)", "  (CET)", " ()"]),
       st.booleans())
def test_fast_date_agrees_with_parsedate(when: datetime, offset: int, comment: str,
                                         weekday: bool) -> None:
    sign, minutes = ("-" if offset < 0 else "+"), abs(offset)
    value = (f"{when:%a}, " if weekday else "") + (
        f"{when.day} {when:%b %Y %H:%M:%S} {sign}{minutes // 60:02d}{minutes % 60:02d}{comment}")
    fast = fast_date(value)
    slow = parsedate_to_datetime(value)
    assert fast is not None, value
    assert fast == (slow if slow.tzinfo else slow.replace(tzinfo=UTC)), value
    assert fast.tzinfo is UTC


@pytest.mark.parametrize("value", ["Mon, 17 Dec 2001 12:54:47 -0800 (PST",
                                   "17 Dec 2001 12:54:47 -0800 PST",
                                   "17 Dec 2001 12:54:47 -0800 (P(S)T)",
                                   "Wed, 28 Dec 0001 08:45:27 -0800 (PST)"])
def test_fast_date_leaves_other_trailers_to_the_full_parser(value: str) -> None:
    """(With a zone comment, a year under 100 too: the full parser reads "0001" as 2001, as
    it did before the fast path read such dates; a real Enron message has one.)"""
    assert fast_date(value) is None
