"""What the preview found in each message's text, for its copies in other folders and chunks.

The same message often sits in several folders of one account (Gmail's "[Gmail]/All Mail" and
INBOX or Sent; copies people file; the Enron mailboxes hold 12,466 files and 5,157 distinct
bodies). Its text, and so its flags, are the same in every folder: one sync judges it once
(``connectors/_imap_preview.chunk_signals``) and its other copies reuse the flags. Two keys:

- ``copy_key``: the same Message-ID, sender and recipients (To, Cc) as parsed, Date, subject
  and ``BODYSTRUCTURE`` (every part's type, encoding, charset, size in bytes and lines). A copy
  found by it takes the flags without its text being fetched. The Date, subject and structure
  keep apart what a Message-ID alone would join: a list's copy of a post, with its footer.
- ``text_key``: the same bytes of the same text part (subtype, encoding, charset), with the same
  sender and recipients: everything ``rules.text_signals.judge`` reads. A message found by it
  is fetched but not judged again. Archives and exports give each copy a Message-ID of its own
  (the Enron release gives its 12,466 files 12,466 ids): their copies are found by this key.

Keys are Python's own 64-bit hashes of these (SipHash, salted per process, for the bytes and
strings): two different messages share one with odds under one in a billion a sync of 100,000
messages, and a 16-byte BLAKE2b digest cost 7 µs a message more (adversarial mailbox: +6-10%
CPU on the preview sync). ``Judged`` holds key -> flags (``None``: judged, no flags) for at
most ``bound`` keys (two a message), about the least recently used evicted first, the flags
tuples interned (most messages share one of a few). No text is held, only hashes of it, in
memory, for one pull (``ImapSource.pull`` drops them at its end): never stored or logged.
About 76 bytes a key: about 2.5 MB at the default bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from syncd.model import Address, Message

Flags = tuple[str, ...] | None

BOUND: Final = 32_768  # keys held at most (two a message): about 76 bytes each, 2.5 MB when full
_INTERNED: Final = 1_024  # distinct flags tuples shared (most messages carry one of a few)


class Unseen:
    """The answer of ``Judged.get`` for a message not judged in this sync (or evicted)."""

    __slots__ = ()


UNSEEN: Final = Unseen()


def copy_key(m: Message, structure: object) -> int:
    """The key of a message's copies: Message-ID, sender, To, Cc, Date and subject as parsed,
    and its ``BODYSTRUCTURE`` as the server read it."""
    try:
        return hash(("copy", m.message_id, m.sender, m.to, m.cc, m.date, m.subject, structure))
    except TypeError:  # a structure with lists in it (imapclient's multipart form)
        return hash(("copy", m.message_id, m.sender, m.to, m.cc, m.date, m.subject,
                     repr(structure)))


def text_key(raw: bytes, part: str, sender: Address | None,
             recipients: Sequence[Address]) -> int:
    """The key of what ``judge`` reads: the bytes fetched of a text part, how they are
    decoded (``part``: subtype, encoding, charset), the sender and recipients."""
    return hash(("text", raw, part, sender, tuple(recipients)))


class Judged:
    """The flags of the messages judged in one sync, by ``copy_key`` and ``text_key``.

    Two generations of at most ``bound // 2`` keys each: a key is put (or, found in the old
    one, moved) into the young one; when that is full it becomes the old one and the old one
    is dropped. So the ``bound // 2`` keys used last are always held, ``bound`` at most: the
    least recently used go first, without the cost of an ordered map."""

    def __init__(self, bound: int = BOUND) -> None:
        if bound < 2:
            raise ValueError("bound must be at least 2")
        self.bound = bound
        self._half = bound // 2
        self._young: dict[int, Flags] = {}
        self._old: dict[int, Flags] = {}
        self._interned: dict[tuple[str, ...], tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def get(self, key: int) -> Flags | Unseen:
        """The flags judged for ``key``, or ``UNSEEN``."""
        found = self._young.get(key, UNSEEN)
        if isinstance(found, Unseen) and self._old:
            found = self._old.pop(key, UNSEEN)
            if not isinstance(found, Unseen):
                self._keep(key, found)  # used again: young
        return found

    def put(self, key: int, flags: Flags) -> None:
        if flags is not None:
            shared = self._interned.get(flags)
            if shared is not None:
                flags = shared
            elif len(self._interned) < _INTERNED:
                self._interned[flags] = flags
        self._old.pop(key, None)
        self._keep(key, flags)

    def _keep(self, key: int, flags: Flags) -> None:
        self._young[key] = flags
        if len(self._young) >= self._half:
            self._old, self._young = self._young, {}

    def close(self) -> None:
        """Forget every key (the end of a pull)."""
        self._young, self._old = {}, {}
        self._interned.clear()
