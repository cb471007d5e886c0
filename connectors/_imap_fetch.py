"""UID FETCH for the IMAP source, read without imapclient's byte-at-a-time lexer.

imapclient's response parser reads the text of an answer one byte at a time in Python. For a
header fetch that is most of the fetch's cost: the server echoes the ~27 field names of
``BODY[HEADER.FIELDS (...)]`` with every message, and ``BODYSTRUCTURE`` (the preview) is a deep
list. ``read_fetch`` tokenizes each line of imaplib's answer with one regular expression and
builds what imapclient's ``parse_fetch_response(data, normalise_times, uid_is_key=True)`` builds
(the same keys, values, ``BodyData`` and INTERNALDATE conversion; a unit test holds the two
equal on recorded and generated answers). Whatever it does not read the same way (``ENVELOPE``,
a ``%``, control characters, a literal out of place) goes to imapclient's own parser: only the
speed differs, never the answer.

``fetch`` sends the command over imapclient's connection (imaplib's ``uid``) with consecutive
UIDs written as ranges, so a chunk of 5,000 UIDs is a short command line.
"""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from imapclient import IMAPClient
from imapclient.datetime_util import parse_to_datetime
from imapclient.response_parser import parse_fetch_response
from imapclient.response_types import BodyData

from connectors._imap_structure import trailing_structure

Entry = dict[bytes, Any]

# One token after optional whitespace: ( ) "quoted" {literal}<end> atom (with [sections]);
# group 6 is anything else, which imapclient reads differently: hand the answer to it.
_TOKEN = re.compile(
    rb'[ \t\r\n]*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|\{(\d+)\}\Z'
    rb'|((?:[^\x00-\x20()%"\[\x7f]|\[[^\]]*\])+)|([^ \t\r\n]))', re.DOTALL)
_FETCH_LINE = re.compile(rb"\* ([0-9]+) FETCH \(")
_ESCAPE = re.compile(rb'\\([\\"])')
# A record of the everyday shape: ``N (UID n [INTERNALDATE "..."] BODY[section][<0>] {len}``,
# numbers without leading zeros (the tokenizer takes "07" for an atom, not a number) and a
# date without escapes: what the tokenizer reads as (N, (UID, n, INTERNALDATE, date, BODY..,
# literal)), read by one match.
_PLAIN = re.compile(
    rb'(0|[1-9][0-9]*) \(UID (0|[1-9][0-9]*)(?: INTERNALDATE "([^"\\]*)")? '
    rb'(BODY\[[^\]]*\](?:<0>)?) \{([0-9]+)\}')
_INTERNALDATE = re.compile(
    rb" ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
_ZONES: dict[int, timezone] = {}  # offset in minutes -> its zone (a few dozen exist)
_MONTHS = {name: n for n, name in enumerate(
    (b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
     b"dec"), 1)}


class _Unsure(Exception):
    """The answer has something this reader does not read exactly like imapclient."""


def fetch(client: IMAPClient, uids: Sequence[int], items: Sequence[str]) -> dict[int, Entry]:
    """``client.fetch(uids, items)``, read faster; only the messages asked for are returned."""
    if not uids:
        return {}
    conn = client._imap  # imapclient's imaplib connection: its own fetch sends through it
    typ, data = uid_fetch(conn, uid_set(uids), f"({' '.join(items).upper()})")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"FETCH failed: {_text(data)}")
    response = read_fetch(data, normalise_times=client.normalise_times)
    return {uid: response[uid] for uid in uids if uid in response}


def uid_fetch(conn: imaplib.IMAP4, uids: str, items: str) -> tuple[str, list[Any]]:
    """``conn.uid("FETCH", uids, items)``, the same answer, with its FETCH lines read here.

    imaplib reads each line of an answer through a few regular expressions and formats a
    ``%r`` of it for its trace; a FETCH of 2,000 messages is 4,000 such lines. Here a line
    that starts ``* N FETCH (`` (seen in the read buffer before it is taken) is read and
    stored as imaplib stores it (its literals as ``(line, literal)``, then the line after);
    every other line (the tagged completion, EXISTS, BYE, a line not yet wholly buffered)
    goes to imaplib's own ``_get_response``, as do the errors, through imaplib's checks."""
    peek = getattr(conn.file, "peek", None)
    if peek is None:  # not a buffered reader: imaplib reads it all
        typ, data = conn.uid("FETCH", uids, items)
        return typ, data
    tag = conn._command("UID", "FETCH", uids, items)
    try:
        _read_answer(conn, tag, peek)
    except conn.abort as exc:
        raise conn.abort(f"command: UID => {exc}") from None
    except conn.error as exc:
        raise conn.error(f"command: UID => {exc}") from None
    conn._check_bye()
    result: Any = conn.tagged_commands.pop(tag)  # (type, [data]): typeshed says otherwise
    typ, data = result
    if typ == "BAD":
        raise conn.error(f"UID command error: {typ} {data}")
    typ, data = conn._untagged_response(typ, data, "FETCH")
    return typ, data


def _read_answer(conn: imaplib.IMAP4, tag: bytes, peek: Any) -> None:
    """Read until the tagged completion of ``tag`` (imaplib's ``_get_tagged_response``)."""
    readline, read, literal = conn.readline, conn.read, conn.Literal
    untagged = conn.untagged_responses
    while conn.tagged_commands[tag] is None:
        conn._check_bye()
        start = _FETCH_LINE.match(peek(64))
        if start is None:
            conn._get_response()
            continue
        line = readline()
        if not line.endswith(b"\r\n"):
            raise conn.abort(f"socket error: unterminated line: {line!r}")
        dat = start[1] + b" " + line[start.end() - 1:-2]  # imaplib's "N" + " " + "(..."
        while (size := literal.match(dat)) is not None:
            untagged.setdefault("FETCH", []).append((dat, read(int(size["size"]))))
            dat = readline()
            if not dat:
                raise conn.abort("socket error: EOF")
            if not dat.endswith(b"\r\n"):
                raise conn.abort(f"socket error: unterminated line: {dat!r}")
            dat = dat[:-2]
        untagged.setdefault("FETCH", []).append(dat)


def uid_set(uids: Iterable[int]) -> str:
    """``1,2,3,7,9,10`` as ``1:3,7,9:10``: only runs of consecutive numbers are joined."""
    spans: list[list[int]] = []
    for uid in sorted(set(uids)):
        if spans and uid == spans[-1][1] + 1:
            spans[-1][1] = uid
        else:
            spans.append([uid, uid])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in spans)


def read_fetch(data: list[Any], *, normalise_times: bool = True) -> dict[int, Entry]:
    """imapclient's ``parse_fetch_response(data, normalise_times)`` (keyed by UID), faster."""
    try:
        return _read(data, normalise_times)
    except _Unsure:
        return dict(parse_fetch_response(data, normalise_times, True))


def _read(data: list[Any], normalise_times: bool) -> dict[int, Entry]:
    if data == [None]:
        return {}
    plain = _plain(data, normalise_times)
    if plain is not None:
        return plain
    atoms = _atoms(data)
    out: dict[int, Entry] = {}
    for seq in atoms:
        pairs = next(atoms, None)
        if not isinstance(seq, int) or not isinstance(pairs, tuple) or len(pairs) % 2:
            raise _Unsure  # imapclient raises its ProtocolError: let it
        key, entry = seq, _entry(seq, pairs, normalise_times)
        uid = entry.pop(b"UID", None)
        if uid is not None:
            key = uid
        out.setdefault(key, {}).update(entry)
    return out


def _plain(data: list[Any], normalise_times: bool) -> dict[int, Entry] | None:
    """The answer read record by record, when every record has the everyday shape of syncd's
    own fetches (``_PLAIN``: the header fetch, the preview's part fetch) followed by its ``)``,
    or by the preview's `` BODYSTRUCTURE (...))`` of the plain shape (``_imap_structure``);
    None as soon as one does not, and the tokenizer reads the whole answer."""
    if len(data) % 2:
        return None
    out: dict[int, Entry] = {}
    match = _PLAIN.fullmatch
    for n in range(0, len(data), 2):
        record, close = data[n], data[n + 1]
        if type(record) is not tuple or len(record) != 2:
            return None
        structure = None
        if close != b")":  # the preview's BODYSTRUCTURE, asked for after the header literal
            structure = trailing_structure(close) if type(close) is bytes else None
            if structure is None:
                return None
        text, literal = record
        found = match(text) if type(text) is bytes and type(literal) is bytes else None
        if found is None or int(found[5]) != len(literal):
            return None
        seq, uid, date, name = found.group(1, 2, 3, 4)
        entry: Entry = {b"SEQ": int(seq)}
        if date is not None:
            entry[b"INTERNALDATE"] = _internaldate(date, normalise_times)
        entry[name.upper()] = literal
        if structure is not None:
            entry[b"BODYSTRUCTURE"] = BodyData.create(structure)
        out.setdefault(int(uid), {}).update(entry)
    return out


def _entry(seq: int, pairs: tuple[Any, ...], normalise_times: bool) -> Entry:
    entry: Entry = {b"SEQ": seq}
    for name, value in zip(pairs[::2], pairs[1::2], strict=True):
        if not isinstance(name, bytes):
            raise _Unsure
        word = name.upper()
        if word == b"UID":
            if not isinstance(value, int):
                raise _Unsure
            entry[word] = value
        elif word == b"INTERNALDATE":
            entry[word] = _internaldate(value, normalise_times)
        elif word in (b"BODY", b"BODYSTRUCTURE") and isinstance(value, tuple) and value:
            entry[word] = BodyData.create(value)
        elif word in (b"BODY", b"BODYSTRUCTURE", b"ENVELOPE"):
            raise _Unsure
        else:
            entry[word] = value
    return entry


def _internaldate(value: object, normalise_times: bool) -> Any:
    if value is None:
        return None
    if not isinstance(value, bytes):
        raise _Unsure
    match = None if normalise_times else _INTERNALDATE.fullmatch(value)
    month = _MONTHS.get(match[2].lower()) if match else None
    if match and month and match.groups()[6:] != (b"-", b"00", b"00"):  # -0000: naive in imapclient
        day, _, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
        offset = (int(zone_h) * 60 + int(zone_m)) * (-1 if sign == b"-" else 1)
        try:  # "05-Dec-2026 08:00:00 +0100", aware like imapclient's
            zone = _ZONES.get(offset)
            if zone is None:
                zone = _ZONES[offset] = timezone(timedelta(minutes=offset))
            return datetime(int(year), month, int(day), int(hour), int(minute), int(second),
                            tzinfo=zone)
        except (ValueError, OverflowError):
            pass  # out of range: imapclient decides
    try:
        return parse_to_datetime(value, normalise=normalise_times)
    except ValueError:
        return None


def _atoms(data: list[Any]) -> Iterator[Any]:
    """The top-level values of the answer: ints, bytes, None, nested tuples."""
    top: list[Any] = []
    stack, current = [top], top
    for record in data:
        text, literal = (record[0], record[1]) if isinstance(record, tuple) else (record, None)
        if not isinstance(text, bytes) or not (literal is None or isinstance(literal, bytes)):
            raise _Unsure
        waiting, atom_end = None, -1
        for match in _TOKEN.finditer(text):
            kind = match.lastindex
            value: Any
            if kind == 5:  # an atom: NIL, a number, a word
                value, atom_end = match.group(5), match.end()
                if value == b"NIL":
                    value = None
                elif value.isdigit() and (value[0] != 48 or len(value) == 1):  # 48: "0"
                    value = int(value)
                elif value[0] == 123:  # "{": imapclient takes it for a literal marker
                    raise _Unsure
            elif kind == 1:
                current = []
                stack.append(current)
                continue
            elif kind == 2:
                if len(stack) == 1:
                    raise _Unsure
                value = tuple(stack.pop())
                current = stack[-1]
            elif kind == 3:
                if match.start(3) - 1 == atom_end:  # a quote right after an atom: refused
                    raise _Unsure
                value = match.group(3)
                if 92 in value:  # a backslash
                    value = _ESCAPE.sub(rb"\1", value)
            elif kind == 4:
                if literal is None or len(literal) != int(match.group(4)):
                    raise _Unsure
                waiting = value = literal
            else:
                raise _Unsure
            current.append(value)
            if current is top:
                yield from top
                top.clear()
        if literal is not None and waiting is None:
            raise _Unsure  # a literal without its {n}
    if len(stack) != 1:
        raise _Unsure  # a tuple left open


def _text(data: object) -> str:
    if isinstance(data, list):
        return " ".join(_text(d) for d in data)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)
