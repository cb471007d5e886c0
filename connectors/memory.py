"""In-memory source and sink: they pass the contract suites and serve unit tests.

``MemorySource`` serves a list of items as pages of ``page_size``; its cursor is the index of the
next item, so appending items and pulling again yields only the new ones. ``MemorySink`` keeps
events in a dict, as a calendar would; tests play the user by editing ``events`` directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from syncd.errors import CursorExpired
from syncd.model import FollowUp, Item, Page, Remote, Written


@dataclass
class MemorySource:
    name: str
    items: list[Item] = field(default_factory=list)
    page_size: int = 100
    epoch: int = 0  # bump to invalidate cursors, as a provider would
    pulls: int = 0

    def pull(self, cursor: str | None) -> Iterator[Page]:
        self.pulls += 1
        start = 0
        if cursor is not None:
            epoch, _, index = cursor.partition(":")
            if int(epoch) != self.epoch:
                raise CursorExpired("cursor from an older epoch", account=self.name)
            start = int(index)
        listing = f"memory-{self.epoch}" if cursor is None else None
        end = len(self.items)
        if start >= end and listing is None:
            return
        for offset in range(start, max(end, start + 1), self.page_size):
            chunk = self.items[offset:offset + self.page_size]
            stop = offset + len(chunk)
            yield Page(tuple(chunk), f"{self.epoch}:{stop}", listing=listing,
                       listing_complete=listing is not None and stop >= end)

    def close(self) -> None:
        return None


@dataclass
class MemorySink:
    name: str = "memory"
    events: dict[str, FollowUp] = field(default_factory=dict)  # href -> what stands there
    writes: int = 0

    def snapshot(self) -> Mapping[str, Remote]:
        return {f.key: Remote(f.key, href, self._etag(f), f.start)
                for href, f in self.events.items()}

    def create(self, followup: FollowUp) -> Written:
        self.writes += 1
        href = f"{followup.key}.ics"
        self.events[href] = followup
        return _written(followup, href, self._etag(followup))

    def update(self, followup: FollowUp, written: Written) -> Written:
        self.writes += 1
        self.events[written.remote_id] = replace(followup, key=written.key)
        return _written(followup, written.remote_id, self._etag(followup))

    def cancel(self, written: Written) -> None:
        self.writes += 1
        self.events.pop(written.remote_id, None)

    def close(self) -> None:
        return None

    @staticmethod
    def _etag(f: FollowUp) -> str:
        return f'"{hash((f.start, f.title, f.description)) & 0xFFFFFFFF:x}"'


def _written(f: FollowUp, href: str, etag: str | None) -> Written:
    return Written(key=f.key, base_key=f.base_key, remote_id=href, etag=etag, start=f.start,
                   anchor=f.anchor, kind=f.kind, person_id=f.person_id)
