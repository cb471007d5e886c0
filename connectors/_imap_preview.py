"""The start of a message's text over IMAP, for the text signals (DESIGN.md section 3).

``first_text_part`` reads a ``BODYSTRUCTURE`` answer and names the first text part (text/plain
before text/html) with its transfer encoding and charset; the connector then fetches
``BODY.PEEK[part]<0.2048>`` for a chunk of messages at once, one round trip per distinct part
number. ``decode`` turns those bytes into text (quoted-printable, base64, charsets, HTML tags
dropped); ``signals`` judges them (``rules.text_signals``). The text lives only in these calls:
it is never returned to the store, logged or kept. A part that cannot be decoded gives no flags,
never an error. A message is judged once a sync, whatever folders and chunks hold copies of it
(``connectors/_imap_judged.py``: its copies take its flags).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import quopri
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connectors._imap_judged import Flags, Judged, Unseen, copy_key, text_key
from rules.text_signals import PREVIEW_BYTES, judge
from syncd.model import Address, Message

_TAG = re.compile(r"<(?:style|script)\b.*?</(?:style|script)\s*>|<[^>]*>",
                  re.IGNORECASE | re.DOTALL)
_BLOCK = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TextPart:
    section: str  # "1", "1.2", "TEXT" (a single-part message)
    subtype: str  # "plain" or "html"
    encoding: str  # "7bit", "quoted-printable", "base64" ...
    charset: str

    @property
    def item(self) -> str:
        return f"BODY.PEEK[{self.section}]<0.{PREVIEW_BYTES}>"

    @property
    def key(self) -> bytes:
        return f"BODY[{self.section}]<0>".encode()


def _s(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").lower()
    return str(value).lower() if value is not None else ""


def _charset(params: object) -> str:
    if isinstance(params, tuple | list):
        items = list(params)
        for name, value in zip(items[::2], items[1::2], strict=False):
            if _s(name) == "charset":
                return _s(value) or "us-ascii"
    return "us-ascii"


def first_text_part(structure: object) -> TextPart | None:
    """The first text/plain part (else the first text/html part) of a BODYSTRUCTURE, skipping
    attachments; None when there is none or the structure is not understood."""
    found: list[TextPart] = []
    try:
        _walk(structure, "", True, found)
    except (TypeError, IndexError, ValueError):
        return None
    plain = [p for p in found if p.subtype == "plain"]
    chosen = plain or found
    return chosen[0] if chosen else None


def _walk(node: object, path: str, top: bool, found: list[TextPart]) -> None:
    """Add the text parts of ``node`` (section ``path``) to ``found``, in order. A function of
    its own, not a closure: a recursive closure is a reference cycle, left for the garbage
    collector once per message."""
    if not isinstance(node, tuple | list) or not node:
        return
    if isinstance(node[0], tuple | list):
        # multipart: imapclient nests the parts in a list ([part, part], subtype, ...);
        # the raw form lists them first (part, part, subtype, ...)
        children = node[0] if isinstance(node[0], list) else [
            c for c in node if isinstance(c, tuple | list)]
        for n, child in enumerate(children, start=1):
            _walk(child, f"{path}.{n}" if path else str(n), False, found)
        return
    if len(node) < 7 or _s(node[0]) != "text" or _s(node[1]) not in ("plain", "html"):
        return
    if _attachment(node):
        return
    section = "1" if top else path  # a single-part message: its body is part 1
    found.append(TextPart(section, _s(node[1]), _s(node[5]) or "7bit", _charset(node[2])))


def _attachment(node: tuple[object, ...] | list[object]) -> bool:
    for extra in node[7:]:
        if isinstance(extra, tuple | list) and extra and _s(extra[0]) == "attachment":
            return True
    return False


def decode(raw: bytes, part: TextPart) -> str | None:
    """The text of the first bytes of ``part``, or None when they cannot be decoded."""
    try:
        if part.encoding == "base64":
            clean = re.sub(rb"[^A-Za-z0-9+/=]", b"", raw)
            data = base64.b64decode(clean[: len(clean) - len(clean) % 4])
        elif part.encoding == "quoted-printable":
            data = quopri.decodestring(raw)
        else:
            data = raw
        codecs.lookup(part.charset)
        text = data.decode(part.charset, "replace")
    except (ValueError, LookupError, binascii.Error):
        return None
    if part.subtype == "html":
        text = html.unescape(_TAG.sub(" ", _BLOCK.sub("\n", text)))
    return text


def signals(raw: object, part: TextPart, people: People = (None, ())
            ) -> tuple[str, ...] | None:
    """The flags of the fetched bytes; None when there are none to judge. ``people``: the
    message's sender and recipients, as the header parse read them."""
    if not isinstance(raw, bytes):
        return None
    text = decode(raw, part)
    return None if text is None else judge(text, *people)


People = tuple[Address | None, tuple[Address, ...]]


Fetch = Callable[[list[int], list[str]], Mapping[int, Mapping[bytes, object]]]


def chunk_signals(fetch: Fetch, response: Mapping[int, Mapping[bytes, object]],
                  people: Mapping[int, People], keys: Mapping[int, int] | None = None,
                  judged: Judged | None = None) -> dict[int, tuple[str, ...]]:
    """The text flags of each message of a chunk (``response``: the header fetch, with
    ``BODYSTRUCTURE``): the first ~2 KB of its first text part, fetched with ``fetch``
    (``IMAPClient.fetch``) for all messages sharing a part number at once, judged in memory,
    dropped. ``people``: each message's sender and recipients, from the caller's one parse of
    its headers (to tell the author's own quoted words apart, and whom the asks greet).

    ``keys``: each message's ``copy_key``; a message whose copy was judged earlier (in
    ``judged``, or in this chunk) takes its flags and its text is not fetched; a text fetched
    that was judged before with the same people (``text_key``) is not judged again; what is
    judged here goes into ``judged``. A copy whose text could not be fetched (expunged
    meanwhile) is not remembered: another copy is fetched in its place."""
    judged = judged if judged is not None else Judged()
    out: dict[int, tuple[str, ...]] = {}
    todo = dict(response)
    while todo:
        todo = _judge_once(fetch, todo, people, keys or {}, judged, out)
    return out


def parsed_signals(fetch: Fetch, response: Mapping[int, Mapping[bytes, object]],
                   parsed: Mapping[int, Message], judged: Judged) -> dict[int, tuple[str, ...]]:
    """``chunk_signals`` for the messages the header parse made of ``response``: judged against
    the people of that parse (not a second one), their copies found by ``copy_key``."""
    return chunk_signals(fetch, {uid: response[uid] for uid in parsed},
                         {uid: (m.sender, m.to + m.cc) for uid, m in parsed.items()},
                         {uid: copy_key(m, response[uid].get(b"BODYSTRUCTURE"))
                          for uid, m in parsed.items()}, judged)


def _signals_once(raw: object, part: TextPart, people: People, judged: Judged) -> Flags:
    """``signals``, or the flags of the same bytes judged with the same people before."""
    if not isinstance(raw, bytes):
        return None
    key = text_key(raw, f"{part.subtype} {part.encoding} {part.charset}", *people)
    known = judged.get(key)
    if isinstance(known, Unseen):
        known = signals(raw, part, people)
        judged.put(key, known)
    return known


def _judge_once(fetch: Fetch, response: Mapping[int, Mapping[bytes, object]],
                people: Mapping[int, People], keys: Mapping[int, int], judged: Judged,
                out: dict[int, tuple[str, ...]]) -> dict[int, Mapping[bytes, object]]:
    """One round of ``chunk_signals``: one message of each key judged (or known), its flags
    given to its copies; the copies of a message that could not be fetched come back."""
    parts: dict[int, TextPart] = {}
    copies: dict[int, int] = {}
    first: set[int] = set()
    here: dict[int, Flags] = {}  # this round's, whatever ``judged`` evicts meanwhile
    for uid, entry in response.items():
        key = keys.get(uid)
        if key is not None:
            known = judged.get(key)
            if not isinstance(known, Unseen):
                if known is not None:
                    out[uid] = known
                continue
            if key in first:
                copies[uid] = key
                continue
            first.add(key)
        part = first_text_part(entry.get(b"BODYSTRUCTURE"))
        if part is not None:
            parts[uid] = part
        elif key is not None:
            here[key] = None  # no text to judge: nor in its copies
            judged.put(key, None)
    by_item: dict[str, list[int]] = {}
    for uid, part in parts.items():
        by_item.setdefault(part.item, []).append(uid)
    for item, uids in by_item.items():
        for uid, entry in fetch(uids, [item]).items():
            part = parts.get(uid)
            if part is None:
                continue
            found = _signals_once(entry.get(part.key), part, people.get(uid, (None, ())),
                                  judged)
            if found is not None:
                out[uid] = found
            key = keys.get(uid)
            if key is not None:
                here[key] = found
                judged.put(key, found)
    again: dict[int, Mapping[bytes, object]] = {}
    for uid, key in copies.items():
        if key in here:
            if (found := here[key]) is not None:
                out[uid] = found
        else:
            again[uid] = response[uid]  # its first copy was not fetched: judge this one
    return again
