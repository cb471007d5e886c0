"""Gmail API payloads to syncd records: pure, no client, no network.

- ``parse_message``: a ``users.messages.get(format=metadata)`` resource to a ``Message``. The
  header list is handed to the same parser the IMAP source uses, so both read mail the same way;
  ``labelIds`` become ``Message.labels`` as they are (SENT gives direction, CATEGORY_* go to the
  classifier), ``threadId`` the thread, ``internalDate`` the fallback date. With ``preview``
  (an opted-in account whose token was granted gmail.readonly) the ``snippet`` goes through
  ``snippet_text`` to the text signals' ``judge``; only the flags stay in the ``Message``.
- ``get_fields``: the partial-response field list of that request (``snippet`` only when it
  is read, so a wider token never even sends it otherwise).
- ``collapse``: history records (messageAdded, messageDeleted, labelAdded, labelRemoved) to one
  final verdict per message: fetch it again, or it is gone.
- ``Cursor``: the source's cursor (JSON), see its docstring.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from connectors._imap_parse import HEADER_FIELDS, parse_headers
from rules.text_signals import judge
from syncd.errors import ProtocolError
from syncd.model import Message

SCOPE = "mailbox"
# metadataHeaders: exactly the headers the rules read (the IMAP source fetches the same list).
METADATA_HEADERS: tuple[str, ...] = HEADER_FIELDS
# Labels that change what a message means to the rules; others (UNREAD, STARRED, ...) do not.
GONE_LABELS = frozenset({"SPAM", "TRASH", "DRAFT"})
MEANINGFUL = GONE_LABELS | {"SENT", "INBOX"}


def meaningful(label: str) -> bool:
    return label in MEANINGFUL or label.startswith("CATEGORY_")


# A snippet is one line (Gmail folds the text's line breaks): put back the breaks around the
# markers where quoted or forwarded text starts (and between a quoted header's fields), so
# ``judge`` tells the author's words from them and reads who wrote the quote.
_BREAK_BEFORE = re.compile(
    r"\s+(?=(?-i:On)\s.{4,120}?\swrote:|-{2,}\s*(?:original message|forwarded message|"
    r"forwarded by|begin forwarded)|(?-i:(?:From|Sent|To|Cc|cc|Subject)):\s|>\s)", re.IGNORECASE)
_BREAK_AFTER = re.compile(r"(?<=\swrote:)\s+")
# Lotus Notes: "Name Surname 10/17/2000 01:19 PM To: ..." becomes name, stamp and To: lines.
_NOTES = re.compile(
    r"\s+((?:[A-Z][\w.'@&/-]*\s+){1,3}?)(\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*[AP]M)?)\s+(?=To:\s)")


def snippet_text(snippet: str) -> str:
    """Gmail's ``snippet`` (HTML entities such as ``&#39;``) as text for ``judge``."""
    text = _NOTES.sub(lambda m: f"\n{m[1].strip()}\n{m[2]}\n", html.unescape(snippet))
    return _BREAK_AFTER.sub("\n", _BREAK_BEFORE.sub("\n", text))


def get_fields(*, preview: bool) -> str:
    """What messages.get returns: what ``parse_message`` reads and nothing else."""
    return "id,threadId,labelIds,internalDate,payload/headers" + (",snippet" if preview else "")


def parse_message(resource: Mapping[str, Any], *, account: str,
                  preview: bool = False) -> Message:
    """One metadata resource to a ``Message``; ``ProtocolError`` when it is unusable.
    ``preview``: judge the ``snippet`` (absent: no flags, the headers decide)."""
    native_id = str(resource.get("id") or "")
    if not native_id:
        raise ProtocolError("a Gmail message without an id", account=account)
    payload = resource.get("payload") or {}
    headers = payload.get("headers") if isinstance(payload, Mapping) else None
    if not isinstance(headers, list):
        raise ProtocolError(f"{native_id}: no headers in the metadata answer", account=account)
    raw = b"".join(
        f"{h.get('name', '')}: {h.get('value', '')}\r\n".encode("utf-8", "surrogatepass")
        for h in headers if isinstance(h, Mapping))
    message = parse_headers(raw + b"\r\n", account=account, native_id=native_id,
                            internaldate=internal_date(resource.get("internalDate")),
                            labels=tuple(str(x) for x in resource.get("labelIds") or ()),
                            scope=SCOPE, thread_id=resource.get("threadId") or None)
    snippet = resource.get("snippet")
    if preview and isinstance(snippet, str):
        return replace(message, signals=judge(snippet_text(snippet), message.sender,
                                              (*message.to, *message.cc)))
    return message


def internal_date(value: object) -> datetime | None:
    """``internalDate`` is epoch milliseconds, as a string."""
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def is_gone(labels: Iterable[str]) -> bool:
    """Spam, trash and drafts are not mail that happened (messages.list leaves them out)."""
    return not GONE_LABELS.isdisjoint(labels)


@dataclass(frozen=True, slots=True)
class Changes:
    fetch: tuple[str, ...]  # new or meaningfully relabelled: get their metadata
    removed: tuple[str, ...]  # deleted, or now spam / trash / draft


def collapse(records: Iterable[Mapping[str, Any]]) -> Changes:
    """History records in order, to one final verdict per message id."""
    state: dict[str, str] = {}  # id -> "fetch" | "removed"
    for record in records:
        for entry in record.get("messagesAdded") or ():
            message = entry.get("message") or {}
            if mid := message.get("id"):
                state.pop(mid, None)
                state[mid] = "removed" if is_gone(message.get("labelIds") or ()) else "fetch"
        for kind in ("labelsAdded", "labelsRemoved"):
            for entry in record.get(kind) or ():
                message = entry.get("message") or {}
                mid = message.get("id")
                if not mid or state.get(mid) == "deleted":
                    continue
                if not any(meaningful(x) for x in entry.get("labelIds") or ()):
                    continue
                state.pop(mid, None)
                state[mid] = "removed" if is_gone(message.get("labelIds") or ()) else "fetch"
        for entry in record.get("messagesDeleted") or ():
            if mid := (entry.get("message") or {}).get("id"):
                state.pop(mid, None)
                state[mid] = "deleted"
    return Changes(tuple(m for m, v in state.items() if v == "fetch"),
                   tuple(m for m, v in state.items() if v in ("removed", "deleted")))


@dataclass(frozen=True, slots=True)
class Cursor:
    """The Gmail source's cursor.

    ``history``: the mailbox historyId everything up to which is stored (incremental sync
    starts there). While a full listing runs, ``history`` is None and ``start`` holds the
    historyId noted *before* the listing began, ``listing`` the listing token and
    ``page_token`` the messages.list page to resume at (None: the first).
    """

    history: str | None = None
    start: str | None = None
    listing: str | None = None
    page_token: str | None = None

    def dumps(self) -> str:
        return json.dumps({"v": 1, **{k: v for k, v in asdict(self).items() if v is not None}},
                          sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != 1:
            raise ValueError("not a Gmail cursor of this version")
        values = {k: data.get(k) for k in ("history", "start", "listing", "page_token")}
        if any(v is not None and not isinstance(v, str) for v in values.values()):
            raise ValueError("malformed Gmail cursor")
        return cls(**values)
