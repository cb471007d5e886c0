"""Records to rows and back: the JSON columns of messages and meetings, and the sharing of
repeated addresses and tuples that keeps a large mailbox's memory flat when it is read."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from syncd.model import Address, Attendee, Meeting, Message, Written, build_message

# The columns ``message`` reads, in its order.
COLUMNS = ("message_id, ts, sender, recipients, subject, thread_id, in_reply_to, refs, headers, "
           "labels, account, signals")


def _encoder() -> Callable[[Any], str]:
    """``json.dumps`` with its defaults, the same text: its C encoder made once instead of at
    every call (half the cost of storing a row's five JSON columns). The rows are lists,
    strings and None, never circular, so the circular-reference check is left out."""
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return json.dumps
    iterencode = c_make_encoder(None, None, encode_basestring_ascii, None, ": ", ", ", False,
                                False, True)
    join = "".join

    def dumps(value: Any) -> str:
        return join(iterencode(value, 0))

    return dumps


_dumps = _encoder()


def addr(a: Address | None) -> list[str] | None:
    return None if a is None else [a.email, a.name]


def message_row(m: Message, account: str, labels: list[str], *, keep_subject: bool
                ) -> tuple[Any, ...]:
    """The ``messages`` row of ``m`` (with the merged ``labels``)."""
    return (m.message_id, m.date.timestamp(), _dumps(addr(m.sender)),
            _dumps([[a.email, a.name] for a in m.to] + [None]
                   + [[a.email, a.name] for a in m.cc]),
            m.subject if keep_subject else None, m.thread_id, m.in_reply_to,
            _dumps(m.references), _dumps(m.headers), _dumps(labels), account,
            None if m.signals is None else ",".join(m.signals))


def meeting_row(m: Meeting, account: str, listing: str | None, *, keep_subject: bool
                ) -> tuple[Any, ...]:
    return (account, m.native_id, m.uid, m.start.timestamp(), m.end.timestamp(),
            int(m.all_day), json.dumps(attendee(m.organizer)),
            json.dumps([attendee(a) for a in m.attendees]), m.status,
            m.summary if keep_subject else None, m.scope, int(m.ours), listing)


def meeting(row: sqlite3.Row | tuple[Any, ...]) -> Meeting:
    return Meeting(
        account=row[0], native_id=row[1], uid=row[2], start=dt(row[3]), end=dt(row[4]),
        all_day=bool(row[5]), organizer=attendee_of(json.loads(row[6])),
        attendees=tuple(a for a in map(attendee_of, json.loads(row[7])) if a),
        status=row[8], summary=row[9], scope=row[10], ours=bool(row[11]))


WRITTEN_COLUMNS = ("key, base_key, remote_id, etag, start, anchor, kind, person_id, state, "
                   "generation")


def written_row(w: Written) -> tuple[Any, ...]:
    """``w`` as the values of WRITTEN_COLUMNS."""
    return (w.key, w.base_key, w.remote_id, w.etag, w.start.isoformat(), w.anchor, w.kind,
            w.person_id, w.state, w.generation)


def written(row: sqlite3.Row | tuple[Any, ...]) -> Written:
    return Written(key=row[0], base_key=row[1], remote_id=row[2], etag=row[3],
                   start=datetime.fromisoformat(row[4]), anchor=row[5], kind=row[6],
                   person_id=row[7], state=row[8], generation=int(row[9]))


def dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


_at = datetime.fromtimestamp


def attendee(a: Attendee | None) -> list[str] | None:
    return None if a is None else [a.email, a.name, a.partstat, a.cutype]


def attendee_of(raw: list[str] | None) -> Attendee | None:
    return None if raw is None else Attendee(*raw)


_ADDRESSES: dict[tuple[str, str], Address] = {}
_TUPLES: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def forget_shared() -> None:
    """Drop the shared records (between a daemon's cycles: the next one reads what it needs)."""
    _ADDRESSES.clear()
    _TUPLES.clear()
    for cache in _DECODED:
        cache.clear()
    _LONG.clear()
    _LONG_CHARS[0] = 0


def _address(email: str, name: str) -> Address:
    """One shared record per (address, name): a mailbox repeats the same people thousands of
    times, and sharing keeps a large backfill's memory flat."""
    key = (email, name)
    found = _ADDRESSES.get(key)
    if found is None:
        if len(_ADDRESSES) > 200_000:
            _ADDRESSES.clear()
        found = _ADDRESSES[key] = Address(sys.intern(email), sys.intern(name))
    return found


def _shared(value: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(_TUPLES) > 50_000:
        _TUPLES.clear()
    return _TUPLES.setdefault(value, value)


def _addresses(raw: Iterable[list[str]]) -> tuple[Address, ...]:
    return _shared(tuple(_address(e, n) for e, n in raw))


_EMPTY = ("[]", "null")
# Column text -> its decoded value, for the columns a mailbox repeats row after row (the
# recipients, the sender, the labels, the rule headers, the text flags, the subject, the
# account): most rows then cost a dict lookup instead of a ``json.loads`` and fresh records, and
# share them. One dict per column (a column of many distinct values evicts no other column's),
# each emptied when full, so a mailbox of unique values stays flat.
_DECODED: tuple[dict[str, Any], ...] = tuple({} for _ in range(12))
_CACHED = 8192


# Long lists of recipients (over 200 characters), kept apart up to ``_LONG_KEPT`` characters
# of them (then emptied): a company's mail repeats its long lists (a cycle re-threading a
# closure reads its messages again after classifying them); the budget keeps memory flat.
_LONG: dict[str, Any] = {}
_LONG_CHARS = [0]
_LONG_KEPT = 4_000_000


def _miss(column: int, text: str) -> Any:
    """Decode ``text`` of ``column`` (the cache did not have it) and keep it, if short (a long
    list of recipients goes to ``_LONG``)."""
    if len(text) > 200:
        if column != 3:
            return _DECODERS[column](text)
        found = _LONG.get(text)
        if found is None:
            found = _recipients(text)
            if _LONG_CHARS[0] + len(text) > _LONG_KEPT:
                _LONG.clear()
                _LONG_CHARS[0] = 0
            _LONG[text] = found
            _LONG_CHARS[0] += len(text)
        return found
    found = _DECODERS[column](text)
    cache = _DECODED[column]
    if len(cache) >= _CACHED:
        cache.clear()
    cache[text] = found
    return found


def _sender(text: str) -> Address | None:
    raw = json.loads(text)
    return None if raw is None else _address(raw[0], raw[1])


def _recipients(text: str) -> tuple[tuple[Address, ...], tuple[Address, ...]]:
    recipients = json.loads(text)
    split = recipients.index(None)
    return _addresses(recipients[:split]), _addresses(recipients[split + 1:])


def _headers(text: str) -> tuple[tuple[str, str], ...]:
    if text in _EMPTY:
        return ()
    return _shared(tuple((sys.intern(k), v) for k, v in json.loads(text)))


def _labels(text: str) -> tuple[str, ...]:
    return _shared(tuple(_list(text)))


def _signals(text: str) -> tuple[str, ...]:
    return _shared(tuple(s for s in text.split(",") if s))


def _same(text: str) -> str:
    return text  # one string for every row that repeats it (the account, a thread's subject)


_DECODERS = {2: _sender, 3: _recipients, 4: _same, 8: _headers, 9: _labels, 10: _same,
             11: _signals}


def _list(text: str) -> Any:
    """``json.loads`` with a shortcut for the empty lists most rows hold."""
    return [] if text == "[]" else json.loads(text)


def _references(text: str) -> tuple[str, ...]:
    """The ``refs`` column, not empty: mostly one Message-ID (a reply's parent), whose JSON is
    itself between ``["`` and ``"]`` when it holds no quote and no escape (``_dumps`` escapes
    every non-ASCII and control character with a backslash)."""
    inner = text[2:-2]
    if '"' not in inner and "\\" not in inner and text[:2] == '["' and text[-2:] == '"]':
        return (inner,)
    return tuple(json.loads(text))


def message(row: sqlite3.Row | tuple[Any, ...]) -> Message:
    senders, recipients, subjects, headers, labels, accounts, flags = (
        _DECODED[2], _DECODED[3], _DECODED[4], _DECODED[8], _DECODED[9], _DECODED[10],
        _DECODED[11])
    text = row[2]
    sender = None if text == "null" else senders.get(text) or _miss(2, text)
    text = row[3]
    to, cc = recipients.get(text) or _miss(3, text)
    subject = row[4]
    if subject is not None:
        found = subjects.get(subject)
        if found is not None:
            subject = found
        elif len(subject) <= 200:  # ``_miss``, without the call: most subjects are new
            if len(subjects) >= _CACHED:
                subjects.clear()
            subjects[subject] = subject
    text = row[8]
    found_headers = headers.get(text)
    if found_headers is None:
        found_headers = _miss(8, text)
    text = row[9]
    found_labels = labels.get(text)
    if found_labels is None:
        found_labels = _miss(9, text)
    text = row[11] if len(row) > 11 else None
    signals = None
    if text is not None:
        signals = flags.get(text)
        if signals is None:
            signals = _miss(11, text)
    refs = row[7]
    return build_message(
        accounts.get(row[10]) or _miss(10, row[10]), "", row[0], _at(row[1], UTC), sender, to, cc,
        subject, row[5], row[6], () if refs == "[]" else _references(refs),
        found_headers, found_labels, "", signals)
