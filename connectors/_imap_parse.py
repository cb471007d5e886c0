"""Raw ``BODY.PEEK[HEADER.FIELDS (...)]`` bytes to a ``Message``: pure, no network.

Speed matters here (DESIGN.md section 7): ``email.parser`` costs ~15x the fetch itself, so the
block is split and unfolded by hand and only the fields syncd reads are decoded: RFC 2047 in
display names and the subject (``email.header``), addresses with ``email.utils.getaddresses``,
dates with ``email.utils.parsedate_to_datetime`` plus a tolerant fallback.

Nothing in a header block raises but ``ProtocolError``, and only for a block that is truly
unusable: no address and no Message-ID at all (not a mail message), or no date anywhere (no
parsable ``Date`` and no INTERNALDATE). Bytes are UTF-8 when they decode, else latin-1.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.errors import HeaderParseError
from email.header import decode_header
from email.utils import getaddresses, parsedate_to_datetime

from syncd.errors import ProtocolError
from syncd.model import Address, Message, build_message

# The headers the rules read (DESIGN.md section 3), lower case, as they appear in Message.headers.
RULE_HEADERS: tuple[str, ...] = (
    "list-id", "list-unsubscribe", "list-unsubscribe-post", "list-post", "auto-submitted",
    "precedence", "return-path", "x-auto-response-suppress", "x-autoreply", "x-autorespond",
    "x-ms-exchange-inbox-rules-loop", "x-ms-exchange-generated-message-source", "feedback-id",
    "x-ses-outgoing", "x-sg-eid", "x-mailgun-sid", "content-type", "x-gm-labels",
)
_CORE_HEADERS: tuple[str, ...] = (
    "From", "Sender", "To", "Cc", "Date", "Subject", "Message-ID", "In-Reply-To", "References",
)
# What to put in HEADER.FIELDS (...): the core fields, then the rule headers.
HEADER_FIELDS: tuple[str, ...] = _CORE_HEADERS + tuple(
    "-".join(part.capitalize() for part in name.split("-")) for name in RULE_HEADERS
)
# The key of the header block in the last FETCH answer read (``BODY[HEADER.FIELDS (...)]`` as
# the server echoes it: in the order asked, or sorted): every later answer has the same.
_header_key: list[bytes] = [b"BODY[HEADER.FIELDS"]

_WANTED: dict[bytes, str] = {name.lower().encode(): name.lower() for name in HEADER_FIELDS}
_RULE_SET = frozenset(RULE_HEADERS)
_ANGLE = re.compile(r"<([^<>\s]+)>")
_COMMENT = re.compile(r"\([^()]*\)")
_HARD = re.compile(r'["()\\;:\[\]]|=\?')  # quoting, comments, groups, routes, encoded words
_SIMPLE = re.compile(r"\s*(?:([^<>@]*?)\s*<([^<>\s@]+@[^<>\s@]+)>|([^<>\s]+))\s*")
# (A zone comment after the offset, "-0800 (PST)" as Enron's and Outlook's mail writes it, is
# ignored by ``parsedate_to_datetime``, which reads only the first five fields; ``fast_date``
# leaves such a date with a year under 100 to it, which reads "0001" as 2001, as it always did.)
_RFC5322_DATE = re.compile(r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+"
                           r"(\d{1,2}):(\d\d)(?::(\d\d))?\s+([+-])(\d\d)(\d\d)"
                           r"(\s+\([A-Za-z ]*\))?", re.ASCII)
_MONTHS = {name: n for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_EPOCH_FLOOR = datetime(1971, 1, 1, tzinfo=UTC)  # earlier: a broken clock or a zero date
_FUTURE_SLACK = timedelta(days=1)  # a Date after delivery beyond this is broken


def parse_headers(
    raw: bytes,
    *,
    account: str,
    native_id: str,
    internaldate: datetime | None,
    labels: tuple[str, ...],
    scope: str,
    thread_id: str | None = None,
) -> Message:
    """The ``Message`` a header block describes; ``ProtocolError`` if it is truly unusable."""
    fields, rule_headers = split_fields(raw)
    from_ = address_list(fields.get("from"))
    to = address_list(fields.get("to"))
    cc = address_list(fields.get("cc"))
    sender = from_[0] if from_ else next(iter(address_list(fields.get("sender"))), None)
    message_id = _first_id(fields.get("message-id"))
    if sender is None and not to and not cc and message_id is None:
        raise ProtocolError(f"{native_id}: no address and no Message-ID header", account=account)
    date = _date(fields.get("date"), internaldate)
    if date is None:
        raise ProtocolError(f"{native_id}: no usable Date header and no INTERNALDATE",
                            account=account)
    if message_id is None:
        message_id = synthetic_message_id(fields)
    subject = fields.get("subject")
    return build_message(
        account, native_id, message_id, date, sender, to, cc,
        None if subject is None else _decode_words(subject), thread_id,
        _first_id(fields.get("in-reply-to")), _all_ids(fields.get("references")), rule_headers,
        labels, scope)


def parse_fetch_entry(entry: Mapping[bytes, object], *, account: str, native_id: str,
                      labels: tuple[str, ...], scope: str) -> Message:
    """One message of an imapclient FETCH answer: the HEADER.FIELDS block, INTERNALDATE and,
    from Gmail, X-GM-LABELS (added to ``labels``) and X-GM-THRID (the thread id, in the hex
    form the Gmail API uses)."""
    raw = entry.get(_header_key[0])  # the key of the previous answer: servers repeat it
    if raw is None:
        key = next((k for k in entry if k.startswith(b"BODY[HEADER.FIELDS")), None)
        raw = None if key is None else entry[key]
        _header_key[0] = key or _header_key[0]
    if not isinstance(raw, bytes):
        raise ProtocolError(f"{native_id}: no header block in the FETCH answer", account=account)
    internal = entry.get(b"INTERNALDATE")
    gmail = entry.get(b"X-GM-LABELS")
    extra = tuple(_text(x) if isinstance(x, bytes) else str(x)
                  for x in (gmail if isinstance(gmail, tuple | list) else ()))
    thread = entry.get(b"X-GM-THRID")
    return parse_headers(raw, account=account, native_id=native_id,
                         internaldate=internal if isinstance(internal, datetime) else None,
                         labels=labels + extra, scope=scope,
                         thread_id=format(thread, "x") if isinstance(thread, int) else None)


def split_fields(raw: bytes) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """Unfold the block; the first value of each wanted field, and the rule headers in order."""
    pairs: list[tuple[str, list[bytes]]] = []
    current: list[bytes] | None = None
    for line in raw.split(b"\n"):
        line = line.rstrip(b"\r")
        if not line:
            if pairs or current is not None:
                break  # the blank line that ends the header section
            continue
        if line[0] in b" \t":
            if current is not None:
                current.append(line)
            continue
        name, colon, value = line.partition(b":")
        key = _WANTED.get(name.strip().lower()) if colon else None
        if key is None:
            current = None  # an unwanted field or garbage: skip it and its continuations
            continue
        current = [value]
        pairs.append((key, current))
    fields: dict[str, str] = {}
    rules: list[tuple[str, str]] = []
    for key, parts in pairs:
        text = _text(b"".join(parts)).strip()
        if key in _RULE_SET:
            if key == "content-type":
                text = text.split(";", 1)[0].strip().lower()
            rules.append((key, text))
        elif key not in fields:
            fields[key] = text
    return fields, tuple(rules)


def synthetic_message_id(fields: dict[str, str]) -> str:
    """A deterministic id for a message without one, the same in every folder it sits in."""
    basis = "\x00".join(fields.get(name, "") for name in ("date", "from", "to", "subject"))
    return "syncd-" + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words to text; anything malformed is kept as written."""
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except (HeaderParseError, ValueError, LookupError, UnicodeError, IndexError):
        return value
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        try:
            out.append(chunk.decode(charset or "ascii"))
        except (LookupError, UnicodeError):
            out.append(_text(chunk))
    return "".join(out)


# Header value -> its addresses: a mailbox repeats the same From, To and Cc lines (the user in
# every To, a list's From) thousands of times. Emptied when full and when the source closes
# (``forget``): a daemon keeps nothing of it between cycles.
_ADDRESS_LISTS: dict[str, tuple[Address, ...]] = {}
ADDRESS_LISTS_KEPT = 4096


def address_list(value: str | None) -> tuple[Address, ...]:
    """The addresses of a From, To, Cc or Sender value (``_addresses``), remembered."""
    if not value:
        return ()
    found = _ADDRESS_LISTS.get(value)
    if found is None:
        if len(_ADDRESS_LISTS) >= ADDRESS_LISTS_KEPT:
            _ADDRESS_LISTS.clear()
        found = _ADDRESS_LISTS[value] = tuple(_addresses(value))
    return found


def forget() -> None:
    """Drop the remembered address lists."""
    _ADDRESS_LISTS.clear()


def _addresses(value: str | None) -> list[Address]:
    if not value:
        return []
    pairs = simple_addresses(value)
    if pairs is None:
        try:
            pairs = getaddresses([value])
        except (ValueError, IndexError, TypeError):
            return []
    found: list[Address] = []
    for name, email in pairs:
        email = email.strip()
        if "@" not in email:
            continue  # group syntax, "undisclosed-recipients", X.400 leftovers
        name = _decode_words(name).strip() if name else ""
        found.append(Address(email, name))
    return found


def simple_addresses(value: str) -> list[tuple[str, str]] | None:
    """``getaddresses`` for the common plain lists (no quotes, comments, groups); else None.

    ``getaddresses`` is most of the parse time on real mail; this gives the same pairs for
    values made only of ``addr`` and ``Name <addr>`` items (a unit test checks the two agree).
    """
    if _HARD.search(value):
        return None
    pairs: list[tuple[str, str]] = []
    for piece in value.split(","):
        if not piece or piece.isspace():
            continue
        match = _SIMPLE.fullmatch(piece)
        if match is None:
            return None
        name, bracketed, bare = match.groups()
        pairs.append((" ".join(name.split()), bracketed) if bracketed else ("", bare))
    return pairs


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _ANGLE.search(value)
    if match:
        return match.group(1)
    token = value.strip().split(None, 1)
    if token and "@" in token[0] and "<" not in token[0] and ">" not in token[0]:
        return token[0]
    return None


def _all_ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    ids = _ANGLE.findall(value)
    if ids:
        return tuple(ids)
    return tuple(t for t in value.split() if "@" in t and "<" not in t and ">" not in t)


def _date(value: str | None, internaldate: datetime | None) -> datetime | None:
    """The Date header in UTC; INTERNALDATE when it is missing or broken; None if neither."""
    fallback = _utc(internaldate) if internaldate is not None else None
    parsed = _parse_date(value) if value else None
    if parsed is None or parsed < _EPOCH_FLOOR:
        return fallback
    if fallback is not None and parsed - _FUTURE_SLACK > fallback:
        return fallback  # written after it arrived: the sender's clock was wrong
    return parsed


def fast_date(value: str) -> datetime | None:
    """``parsedate_to_datetime`` in UTC for the everyday form ``[Mon, ]1 Jan 2024 10:00[:00]
    +0100[ (CET)]``; None for anything else (or out of range), which the full parser then reads."""
    match = _RFC5322_DATE.fullmatch(value)
    month = _MONTHS.get(match[2].lower()) if match else None
    if match is None or month is None:
        return None
    day, _, year, hour, minute, second, sign, tz_hours, tz_minutes, comment = match.groups()
    if comment and int(year) < 100:
        return None
    offset = (int(tz_hours) * 60 + int(tz_minutes)) * (-1 if sign == "-" else 1)
    if abs(offset) >= 24 * 60:
        return None  # no such zone: the full parser refuses it too
    try:
        return datetime(int(year), month, int(day), int(hour), int(minute), int(second or 0),
                        tzinfo=UTC) - timedelta(minutes=offset)
    except (ValueError, OverflowError):
        return None


def _parse_date(value: str) -> datetime | None:
    fast = fast_date(value)
    if fast is not None:
        return fast
    for candidate in (value, _COMMENT.sub("", value).strip()):
        try:
            return _utc(parsedate_to_datetime(candidate))
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    try:
        return _utc(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError):
        return None


def _utc(when: datetime) -> datetime:
    """Aware UTC; a naive value (``-0000``, a naive INTERNALDATE) is taken to be UTC."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
