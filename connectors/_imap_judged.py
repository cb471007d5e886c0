"""What the preview found in each message's text, for its copies in other folders and chunks.

The same message often sits in several folders of one account (Gmail's "[Gmail]/All Mail" and
INBOX or Sent; copies people file; the Enron mailboxes hold 12,466 files and 5,157 distinct
bodies). Its text, and so its flags, are the same in every folder: one sync judges it once
(``connectors/_imap_preview.chunk_signals``) and its other copies reuse the flags, without
fetching their text again.

A copy is a message with the same sender and recipients (To + Cc) as parsed, the inputs
``rules.text_signals.judge`` takes besides the text, the same Date and subject, and the same
``BODYSTRUCTURE`` (every part's type, encoding, charset, size in bytes and lines: the same
body). The Message-ID is left out on purpose: archives and exports give each copy an id of its
own (the Enron release does: its 12,466 files carry 12,466 Message-IDs for 5,157 bodies), and
two copies with the same id but another body (a list's copy of a post, with its footer) must
not share flags. ``copy_key`` makes a compact key of them (a 16-byte BLAKE2b digest);
``Judged`` holds key -> flags (``None``: judged, no flags) for at most ``bound`` messages, the
least recently used evicted first, the flags tuples interned (most messages share one of a
few). No text is ever held. It holds about 80 bytes a message (tracemalloc: 403 KB for the
5,168 distinct messages of the Enron mailboxes), about 5 MB at the default bound.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Final

from syncd.model import Message

Flags = tuple[str, ...] | None

BOUND: Final = 65_536  # messages remembered: about 80 bytes each, about 5 MB when full
_INTERNED: Final = 1_024  # distinct flags tuples shared (most messages carry one of a few)


class Unseen:
    """The answer of ``Judged.get`` for a message not judged in this sync (or evicted)."""

    __slots__ = ()


UNSEEN: Final = Unseen()


def copy_key(m: Message, structure: object) -> bytes:
    """The key of a message's copies: its sender, recipients (To + Cc), Date and subject as
    parsed, and its ``BODYSTRUCTURE`` as the server read it (each part's type, encoding, size in
    bytes and lines), hashed."""
    digest = hashlib.blake2b(repr((m.date.isoformat(), m.subject, structure)).encode(
        "utf-8", "surrogatepass"), digest_size=16)
    for address in (m.sender, *m.to, *m.cc):
        if address is None:
            digest.update(b"\x00-")
        else:
            digest.update(f"\x00{address.email}\x01{address.name}".encode(
                "utf-8", "surrogatepass"))
    return digest.digest()


class Judged:
    """The flags of the messages judged in one sync, by ``copy_key``; at most ``bound``."""

    def __init__(self, bound: int = BOUND) -> None:
        if bound < 1:
            raise ValueError("bound must be at least 1")
        self.bound = bound
        self._flags: OrderedDict[bytes, Flags] = OrderedDict()
        self._interned: dict[tuple[str, ...], tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._flags)

    def get(self, key: bytes) -> Flags | Unseen:
        """The flags judged for ``key``, or ``UNSEEN``."""
        found = self._flags.get(key, UNSEEN)
        if found is not UNSEEN:
            self._flags.move_to_end(key)
        return found

    def put(self, key: bytes, flags: Flags) -> None:
        if flags is not None:
            shared = self._interned.get(flags)
            if shared is not None:
                flags = shared
            elif len(self._interned) < _INTERNED:
                self._interned[flags] = flags
        self._flags[key] = flags
        self._flags.move_to_end(key)
        if len(self._flags) > self.bound:
            self._flags.popitem(last=False)

    def clear(self) -> None:
        self._flags.clear()
        self._interned.clear()
