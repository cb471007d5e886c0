"""CalDAV: meetings from the user's calendars, follow-up events into one calendar.

``CaldavSource`` reads every selected calendar with an RFC 6578 sync-collection REPORT from the
stored sync-token and fetches the changed objects with calendar-multiget (chunks of
``MULTIGET_CHUNK``), expanding recurring events locally in the window (``connectors/_ics.py``).
One calendar's changes make one page (or one page per chunk), ``scope`` = the calendar URL:

- a removed object's path is in ``Page.removed`` (the store drops it and its occurrences);
- a changed object's path is in ``removed`` too, followed by its fresh occurrences in ``items``,
  so the stale occurrences of an edited series vanish;
- with no token, a refused token, or a window that needs refreshing, the calendar is listed
  afresh: pages carry a ``listing`` id, the last one ``listing_complete`` (upsert, then sweep);
- an object that cannot be parsed goes to ``Page.quarantined`` and the cursor moves on.

The cursor format is in ``connectors/_caldav_cursor.py``.

``CaldavSink`` keeps syncd's follow-ups in one calendar (found by display name, created when
missing): ``<key>.ics`` with UID ``<key>@syncd``, written with ``If-None-Match: *`` /
``If-Match`` so that a repeated create never doubles an event and a user's edit is never
overwritten.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from connectors._caldav_cursor import CalendarMark, CursorState, parse_cursor
from connectors._dav import Dav, Fetched, SyncResult, resource_path
from connectors._ics import followup_to_ics, meetings_from_ics, remote_from_ics
from syncd.config import CaldavAccount
from syncd.errors import ConnectorError, ProtocolError, TransientError
from syncd.model import FollowUp, Meeting, Page, Remote, Written

log = logging.getLogger(__name__)
MULTIGET_CHUNK = 200


class CaldavSource:
    """Meetings from a CalDAV account (``Source`` protocol)."""

    def __init__(self, account: CaldavAccount, password: str, *,
                 now: Callable[[], datetime], exclude: tuple[str, ...] = ()) -> None:
        self.name = account.name
        self._account = account
        self._now = now
        self._exclude = exclude
        self._dav = Dav(account.url, account.username, password, timeout=account.timeout,
                        account=account.name)

    def close(self) -> None:
        self._dav.close()

    def pull(self, cursor: str | None) -> Iterator[Page]:
        now = self._now().astimezone(UTC)
        future = self._account.window_future
        state = parse_cursor(cursor)
        known = set(state.calendars)
        since = state.since
        if since is None or now - self._account.window_past < since:
            # First sync, or window_past grew: every calendar is listed from the new start.
            # No old marks survive, so a crash half-way lists the rest again on resume.
            since = now - self._account.window_past
            state = CursorState(since, {})
        selected = self._selected()
        for url in selected:
            mark = state.calendars.get(url)
            if mark is not None and mark.until - now < future / 2:
                log.info("%s: %s: listing again to extend the window", self.name, url)
                mark = None
            changes = self._dav.sync(url, mark.token) if mark is not None else None
            if mark is not None and changes is None:
                log.info("%s: %s: the sync-token was refused; listing again", self.name, url)
            if changes is not None and mark is not None:
                pages = self._changes(url, changes, state, since, now + future, mark.until)
            else:
                pages = self._listing(url, state, since, now + future)
            for page, after in pages:
                state = after
                yield page
        for url in sorted((known | set(state.calendars)) - set(selected)):
            # The calendar is gone or no longer selected: an empty, complete listing sweeps it.
            state = state.without(url)
            yield Page(items=(), cursor=state.dump(), scope=url, listing=uuid.uuid4().hex,
                       listing_complete=True)

    def _selected(self) -> list[str]:
        calendars = self._dav.calendars()
        names = [name for name, _ in calendars]
        if self._account.calendars:
            missing = [n for n in self._account.calendars if n not in names]
            if missing:
                raise ConnectorError(
                    f"no calendar named {', '.join(map(repr, missing))}; the server has: "
                    f"{', '.join(map(repr, names)) or '(none)'}", account=self.name)
            return [url for name, url in calendars if name in self._account.calendars]
        return [url for name, url in calendars if name not in self._exclude]

    def _changes(self, url: str, changes: SyncResult, state: CursorState, since: datetime,
                 until: datetime, listed_until: datetime
                 ) -> Iterator[tuple[Page, CursorState]]:
        paths = sorted(changes.changed)
        chunks = [paths[i:i + MULTIGET_CHUNK] for i in range(0, len(paths), MULTIGET_CHUNK)]
        for n, chunk in enumerate(chunks or [[]]):
            last = n == max(len(chunks), 1) - 1
            items, quarantined = self._read(url, [changes.changed[p] for p in chunk], since,
                                            until)
            removed = (changes.deleted if n == 0 else ()) + tuple(chunk)
            if last:
                state = state.marked(url, CalendarMark(changes.token, listed_until))
            yield Page(items=tuple(items), cursor=state.dump(), removed=removed, scope=url,
                       quarantined=tuple(quarantined)), state

    def _listing(self, url: str, state: CursorState, since: datetime, until: datetime
                 ) -> Iterator[tuple[Page, CursorState]]:
        everything = self._dav.sync(url, None)
        if everything is None:  # pragma: no cover - a server refusing "no token"
            raise TransientError("the server refused a sync-collection without token",
                                 account=self.name)
        listing = uuid.uuid4().hex
        paths = sorted(everything.changed)
        chunks = [paths[i:i + MULTIGET_CHUNK] for i in range(0, len(paths), MULTIGET_CHUNK)]
        for n, chunk in enumerate(chunks or [[]]):
            last = n == max(len(chunks), 1) - 1
            items, quarantined = self._read(url, [everything.changed[p] for p in chunk],
                                            since, until)
            if last:
                state = state.marked(url, CalendarMark(everything.token, until))
            yield Page(items=tuple(items), cursor=state.dump(), scope=url, listing=listing,
                       listing_complete=last, quarantined=tuple(quarantined)), state

    def _read(self, url: str, urls: list[str], since: datetime, until: datetime
              ) -> tuple[list[Meeting], list[str]]:
        items: list[Meeting] = []
        quarantined: list[str] = []
        for fetched in self._dav.multiget(url, urls):
            if fetched.data is None:
                continue  # deleted between the REPORT and the multiget
            try:
                items += meetings_from_ics(fetched.data, account=self.name,
                                           resource=fetched.path, scope=url,
                                           window_start=since, window_end=until)
            except ProtocolError as exc:
                log.warning("%s: quarantined %s: %s", self.name, fetched.path, exc)
                quarantined.append(fetched.path)
        return items, quarantined


_SAFE_KEY = re.compile(r"[A-Za-z0-9._-]{1,200}")


class CaldavSink:
    """syncd's follow-up events in one CalDAV calendar (``CalendarSink`` protocol).

    The calendar is looked up by display name, and created when missing, on first use (not
    in ``__init__``, so that building the sink never touches the network).
    """

    def __init__(self, account: CaldavAccount, password: str, calendar_name: str) -> None:
        self.name = account.name
        self._calendar_name = calendar_name
        self._dav = Dav(account.url, account.username, password, timeout=account.timeout,
                        account=account.name)
        self._calendar_url: str | None = None

    def close(self) -> None:
        self._dav.close()

    def calendar_url(self) -> str:
        """The follow-up calendar's URL, creating the calendar when it is missing."""
        if self._calendar_url is None:
            found = [url for name, url in self._dav.calendars() if name == self._calendar_name]
            if found:
                self._calendar_url = found[0]
            else:
                slug = re.sub(r"[^a-z0-9]+", "-", self._calendar_name.lower()).strip("-")
                self._calendar_url = self._dav.make_calendar(
                    self._calendar_name, f"syncd-{slug or 'followups'}")
                log.info("%s: created calendar %r", self.name, self._calendar_name)
        return self._calendar_url

    def snapshot(self) -> Mapping[str, Remote]:
        url = self.calendar_url()
        listed = self._dav.sync(url, None)
        if listed is None:  # pragma: no cover - a server refusing "no token"
            raise TransientError("the server refused a sync-collection without token",
                                 account=self.name)
        found: dict[str, Remote] = {}
        paths = sorted(listed.changed)
        for i in range(0, len(paths), MULTIGET_CHUNK):
            chunk = [listed.changed[p] for p in paths[i:i + MULTIGET_CHUNK]]
            for fetched in self._dav.multiget(url, chunk):
                remote = self._remote(fetched)
                if remote is not None:
                    found[remote.key] = remote
        return found

    def create(self, followup: FollowUp) -> Written:
        path = self._path(followup.key)
        body = followup_to_ics(followup)
        status, etag = self._dav.put(path, body, if_none_match=True)
        if status == 412:  # it exists: a crash after the write, before the record
            log.info("%s: %s exists already; updating it in place", self.name, path)
            there = self._dav.get(path)
            status, etag = self._dav.put(path, body, if_match=there.etag if there else None,
                                         if_none_match=there is None)
            if status == 412:
                raise TransientError(f"{path} changed while we wrote it; will retry",
                                     account=self.name)
        return self._written(followup, path, etag or self._etag(path))

    def update(self, followup: FollowUp, written: Written) -> Written:
        path = written.remote_id
        etag = written.etag
        if etag is None:  # we never learnt it: compare with what is there first
            there = self._dav.get(path)
            if there is None or self._moved(there, written):
                return self._kept(followup, written, there)
            etag = there.etag
        status, new_etag = self._dav.put(path, followup_to_ics(followup), if_match=etag)
        if status == 412:  # the user changed it since we wrote it: the user wins
            there = self._dav.get(path)
            log.info("%s: %s was changed in the calendar; keeping the user's version",
                     self.name, path)
            return self._kept(followup, written, there)
        return self._written(followup, path, new_etag or self._etag(path))

    def cancel(self, written: Written) -> None:
        path = written.remote_id
        status = self._dav.delete(path, if_match=written.etag)
        if status == 412:  # changed since: delete what is there now
            there = self._dav.get(path)
            if there is None:
                return
            status = self._dav.delete(path, if_match=there.etag)
            if status == 412:
                raise TransientError(f"{path} keeps changing; will retry", account=self.name)

    # -- helpers ---------------------------------------------------------------------------

    def _path(self, key: str) -> str:
        if not _SAFE_KEY.fullmatch(key):
            raise ProtocolError(f"follow-up key {key!r} is not usable as a file name")
        return resource_path(self.calendar_url()) + f"{key}.ics"

    def _etag(self, path: str) -> str | None:
        """The server sent no ETag with the PUT (RFC 7231 allows that): read it back."""
        there = self._dav.get(path)
        return there.etag if there else None

    def _remote(self, fetched: Fetched) -> Remote | None:
        if fetched.data is None:
            return None
        try:
            return remote_from_ics(fetched.data, fetched.path, fetched.etag)
        except ProtocolError as exc:
            log.warning("%s: ignoring unreadable %s in the follow-up calendar: %s",
                        self.name, fetched.path, exc)
            return None

    def _moved(self, there: Fetched, written: Written) -> bool:
        remote = self._remote(there)
        return remote is None or remote.start != written.start

    def _written(self, f: FollowUp, path: str, etag: str | None) -> Written:
        return Written(key=f.key, base_key=f.base_key, remote_id=path, etag=etag,
                       start=f.start.astimezone(UTC), anchor=f.anchor, kind=f.kind,
                       person_id=f.person_id, state="live", generation=generation_of(f))

    def _kept(self, f: FollowUp, written: Written, there: Fetched | None) -> Written:
        """Our record after the user's edit won: the event's current ETag, and still the start
        *we* wrote, so that a moved event keeps reading as moved (a snooze). Nothing was
        written. The event is gone when ``there`` is None."""
        record = self._written(f, written.remote_id, there.etag if there else None)
        return replace(record, start=written.start,
                       state="live" if there is not None else "dismissed")


def generation_of(f: FollowUp) -> int:
    """The generation in the key's suffix (``<base>g2`` or ``<base>-g2``), else 0."""
    suffix = f.key[len(f.base_key):] if f.key.startswith(f.base_key) else ""
    match = re.fullmatch(r"-?g(\d+)", suffix)
    return int(match.group(1)) if match else 0
