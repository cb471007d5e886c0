"""The two protocols every connector implements.

Vocabulary (see also ``syncd/model.py``):

- **cursor**: an opaque string a source mints; the store keeps it with the page it follows, in
  one transaction, and hands it back on the next pull. ``None`` means "never synced".
- **native id**: the provider's id for an item, unique within the account.
- **key**: our id for a follow-up event (``FollowUp.key``). A sink addresses events by key only:
  the CalDAV href is ``<key>.ics`` and the UID ``<key>@syncd``, so a repeated create finds the
  event instead of doubling it.
- **tombstone**: a native id in ``Page.removed``: the provider says the item is gone.

A ``Source`` yields pages; it never touches the store. A ``CalendarSink`` writes follow-ups and
reports what stands in the calendar; it never reads interactions. Both raise only the errors of
``syncd/errors.py``: ``AuthError``, ``TransientError``, ``CursorExpired``, ``ProtocolError``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from syncd.model import FollowUp, Page, Remote, Written


class Source(Protocol):
    """Pulls normalised ``Message`` / ``Meeting`` records from a provider."""

    name: str

    def pull(self, cursor: str | None) -> Iterator[Page]:
        """Yield changes since ``cursor`` (None: everything within the account's horizon).

        Each page's cursor resumes after that page. Raises ``CursorExpired`` when the provider
        no longer honours ``cursor``; the engine then pulls again with ``None``.
        """
        ...

    def close(self) -> None:
        """Release connections. Safe to call twice."""
        ...


class CalendarSink(Protocol):
    """Writes follow-up events, idempotently by key."""

    name: str

    def snapshot(self) -> Mapping[str, Remote]:
        """Our events as they stand now, by key (missing key: the event is gone)."""
        ...

    def create(self, followup: FollowUp) -> Written:
        """Create the event for ``followup.key``.

        Safe to repeat: if an event with that key already exists (a crash after the remote
        write, before the local record), it is updated in place and returned.
        """
        ...

    def update(self, followup: FollowUp, written: Written) -> Written:
        """Replace the event ``written`` describes (conditional on its etag where supported)."""
        ...

    def cancel(self, written: Written) -> None:
        """Remove the event. An event that is already gone counts as success."""
        ...

    def close(self) -> None:
        """Release connections. Safe to call twice."""
        ...
