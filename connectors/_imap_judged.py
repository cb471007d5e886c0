"""What the preview found in each message's text, for its copies in other folders and chunks.

The same message often sits in several folders of one account (Gmail's "[Gmail]/All Mail" and
INBOX or Sent; copies people file; the Enron mailboxes hold 12,466 files and 5,157 distinct
bodies). Its text, and so its flags, are the same in every folder: one sync judges it once
(``connectors/_imap_preview.chunk_signals``) and its other copies reuse the flags. Two keys:

- ``copy_key``: the same Message-ID, sender and recipients (To + Cc) as parsed, Date, subject
  and ``BODYSTRUCTURE`` (every part's type, encoding, charset, size in bytes and lines). A copy
  found by it takes the flags without its text being fetched. The Date, subject and structure
  keep apart what a Message-ID alone would join: a list's copy of a post, with its footer.
- ``text_key``: the same bytes of the same text part (subtype, encoding, charset), with the same
  sender and recipients: everything ``rules.text_signals.judge`` reads. A message found by it
  is fetched but not judged again. Archives and exports give each copy a Message-ID of its own
  (the Enron release gives its 12,466 files 12,466 ids): their copies are found by this key.

Keys are 16-byte BLAKE2b digests. ``Judged`` holds key -> flags (``None``: judged, no flags) for
at most ``bound`` keys (two a message), the least recently used evicted first, the flags tuples
interned (most messages share one of a few). No text is ever held, only digests of it, in
memory, for one pull (``ImapSource.pull`` drops them at its end): never stored or logged.
About 80 bytes a key (tracemalloc: 1.4 MB for the 17,597 keys of the Enron mailboxes), about
5 MB at the default bound.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final

from syncd.model import Address, Message

Flags = tuple[str, ...] | None

BOUND: Final = 65_536  # keys remembered (two a message): about 80 bytes each, 5 MB when full
_INTERNED: Final = 1_024  # distinct flags tuples shared (most messages carry one of a few)


class Unseen:
    """The answer of ``Judged.get`` for a message not judged in this sync (or evicted)."""

    __slots__ = ()


UNSEEN: Final = Unseen()


def copy_key(m: Message, structure: object) -> bytes:
    """The key of a message's copies: Message-ID, sender, recipients (To + Cc), Date and subject
    as parsed, and its ``BODYSTRUCTURE`` as the server read it, hashed."""
    return hashlib.blake2b(repr((
        "copy", m.message_id, _people(m.sender, m.to + m.cc), m.date.isoformat(), m.subject,
        structure)).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def text_key(raw: bytes, part: str, sender: Address | None,
             recipients: Sequence[Address]) -> bytes:
    """The key of what ``judge`` reads: the bytes fetched of a text part, how they are
    decoded (``part``: subtype, encoding, charset), the sender and recipients; hashed."""
    digest = hashlib.blake2b(repr(("text", part, _people(sender, recipients))).encode(
        "utf-8", "surrogatepass"), digest_size=16)
    digest.update(raw)
    return digest.digest()


def _people(sender: Address | None, recipients: Sequence[Address]) -> object:
    return (None if sender is None else (sender.email, sender.name),
            tuple((a.email, a.name) for a in recipients))


class Judged:
    """The flags of the messages judged in one sync, by ``copy_key`` and ``text_key``; at
    most ``bound`` keys."""

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

    def close(self) -> None:
        """Forget every key (the end of a pull)."""
        self._flags.clear()
        self._interned.clear()
