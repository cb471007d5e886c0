"""Google Calendar: meetings from the primary calendar, follow-ups into one calendar of ours.

``GcalSource`` lists ``primary`` with ``singleEvents=true`` and ``showDeleted=true`` (one
``Meeting`` per occurrence), a year back; the ``nextSyncToken`` of the last page is the cursor,
and pages of a listing carry a listing token (upsert, then sweep) and checkpoint the page token.
Incremental pulls pass the sync token; cancelled events are tombstones; 410 is
``CursorExpired`` (the engine lists again).

``GcalSink`` finds the follow-up calendar by its summary (calendarList) or creates it. Each
follow-up is an event whose ``id`` is our key, so a repeated insert answers 409: then the event
is read back. Ours and live: updated in place. Cancelled: the user deleted it (Google keeps
deleted ids reserved), so it is recorded as dismissed; a later generation gets a new key
(``<base>g<N>``). An event the user moved keeps the user's time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from googleapiclient.errors import HttpError

from connectors._gcal_parse import (
    TAG,
    TAG_PROP,
    event_body,
    event_id,
    parse_event,
    remote_of,
)
from connectors._google_http import Policy, status_of
from connectors._google_session import Session, read_cursor
from connectors.caldav import generation_of
from syncd.config import GoogleAccount
from syncd.errors import CursorExpired, ProtocolError
from syncd.model import FollowUp, Meeting, Page, Remote, Written

log = logging.getLogger(__name__)
PAST = timedelta(days=365)


class GcalSource:
    """Meetings from one Google Calendar account (``Source`` protocol)."""

    def __init__(self, account: GoogleAccount, *, now: Callable[[], datetime],
                 state_dir: Path | None = None, policy: Policy | None = None,
                 page_size: int = 2500, calendar: str = "primary") -> None:
        self.name = account.name
        self.session = Session(account, "calendar", state_dir=state_dir, policy=policy)
        self._now = now
        self.page_size = page_size
        self.calendar = calendar

    def close(self) -> None:
        self.session.close()

    def pull(self, cursor: str | None) -> Iterator[Page]:
        state = read_cursor(cursor, "calendar", self.name)
        try:
            yield from self._pull(state)
        except HttpError as exc:
            if status_of(exc) == 410:
                raise CursorExpired("the calendar sync token expired", account=self.name) from None
            raise self.session.error(exc) from None
        finally:
            self.session.finish()

    def _pull(self, state: dict[str, Any]) -> Iterator[Page]:
        import json

        events = self.session.service().events()
        token = state.get("token")
        listing = None if token else (state.get("listing") or uuid.uuid4().hex)
        page_token = state.get("page_token")
        while True:
            args: dict[str, Any] = {"calendarId": self.calendar, "singleEvents": True,
                                    "showDeleted": True, "maxResults": self.page_size,
                                    "pageToken": page_token}
            if token:
                args["syncToken"] = token
            else:
                args["timeMin"] = (self._now() - PAST).astimezone(UTC).isoformat()
            answer = self.session.caller.call(events.list(**args).execute)
            items: list[Meeting] = []
            removed: list[str] = []
            quarantined: list[str] = []
            for event in answer.get("items") or ():
                if event.get("status") == "cancelled":
                    removed.append(str(event.get("id")))
                    continue
                try:
                    items.append(parse_event(event, account=self.name, scope=self.calendar))
                except ProtocolError as exc:
                    log.warning("%s: quarantined %s: %s", self.name, event.get("id"), exc)
                    quarantined.append(str(event.get("id")))
            page_token = answer.get("nextPageToken")
            last = not page_token
            if last:
                after = {"v": 1, "token": answer.get("nextSyncToken")}
            elif token:
                after = {"v": 1, "token": token}  # resume re-reads this round: idempotent
            else:
                after = {"v": 1, "listing": listing, "page_token": page_token}
            yield Page(tuple(items), json.dumps(after, sort_keys=True),
                       removed=() if listing else tuple(removed), scope=self.calendar,
                       listing=listing, listing_complete=last and listing is not None,
                       quarantined=tuple(quarantined))
            if last:
                return


class GcalSink:
    """syncd's follow-ups in one Google calendar (``CalendarSink`` protocol)."""

    def __init__(self, account: GoogleAccount, calendar_name: str, *,
                 state_dir: Path | None = None, policy: Policy | None = None) -> None:
        self.name = account.name
        self.calendar_name = calendar_name
        self.session = Session(account, "calendar", state_dir=state_dir, policy=policy)
        self._calendar_id: str | None = None

    def close(self) -> None:
        self.session.finish()
        self.session.close()

    def _call(self, request: Any) -> Any:
        try:
            return self.session.caller.call(request.execute)
        except HttpError as exc:
            if status_of(exc) in (404, 409, 410):
                raise
            raise self.session.error(exc) from None

    def calendar_id(self) -> str:
        if self._calendar_id is None:
            service = self.session.service()
            page: str | None = None
            while self._calendar_id is None:
                answer = self._call(service.calendarList().list(pageToken=page))
                for entry in answer.get("items") or ():
                    if entry.get("summary") == self.calendar_name:
                        self._calendar_id = str(entry["id"])
                        break
                page = answer.get("nextPageToken")
                if not page:
                    break
            if self._calendar_id is None:
                made = self._call(service.calendars().insert(body={"summary": self.calendar_name}))
                self._calendar_id = str(made["id"])
                log.info("%s: created calendar %r", self.name, self.calendar_name)
        return self._calendar_id

    def _events(self) -> Any:
        return self.session.service().events()

    def snapshot(self) -> Mapping[str, Remote]:
        cid, found, page = self.calendar_id(), {}, None
        while True:
            answer = self._call(self._events().list(
                calendarId=cid, privateExtendedProperty=f"{TAG_PROP}={TAG}", singleEvents=True,
                showDeleted=False, maxResults=2500, pageToken=page))
            for event in answer.get("items") or ():
                try:
                    remote = remote_of(event)
                except ProtocolError as exc:
                    log.warning("%s: unreadable event %s: %s", self.name, event.get("id"), exc)
                    continue
                if remote is not None:
                    found[remote.key] = remote
            page = answer.get("nextPageToken")
            if not page:
                return found

    def create(self, followup: FollowUp) -> Written:
        cid, body = self.calendar_id(), event_body(followup)
        try:
            made = self._call(self._events().insert(calendarId=cid, body=body))
        except HttpError as exc:
            if status_of(exc) != 409:
                raise self.session.error(exc) from None
            there = self._call(self._events().get(calendarId=cid, eventId=body["id"]))
            if there.get("status") == "cancelled":  # the user deleted it: the id stays taken
                log.info("%s: %s was deleted in the calendar: dismissed", self.name, body["id"])
                return replace(self._written(followup, there), state="dismissed")
            made = self._call(self._events().update(calendarId=cid, eventId=body["id"],
                                                    body=body))
        return self._written(followup, made)

    def update(self, followup: FollowUp, written: Written) -> Written:
        cid = self.calendar_id()
        try:
            there = self._call(self._events().get(calendarId=cid, eventId=written.remote_id))
        except HttpError as exc:
            if status_of(exc) not in (404, 410):
                raise self.session.error(exc) from None
            there = None
        if there is None or there.get("status") == "cancelled":
            return replace(written, state="dismissed")
        remote = remote_of(there)
        if remote is None or remote.start != written.start:  # the user moved it: they win
            return replace(written, etag=there.get("etag"))
        made = self._call(self._events().update(calendarId=cid, eventId=written.remote_id,
                                                body=event_body(replace(
                                                    followup, key=written.key))))
        return self._written(followup, made)

    def cancel(self, written: Written) -> None:
        try:
            self._call(self._events().delete(calendarId=self.calendar_id(),
                                             eventId=event_id(written.remote_id)))
        except HttpError as exc:
            if status_of(exc) not in (404, 410):  # already gone: fine
                raise self.session.error(exc) from None

    def _written(self, f: FollowUp, event: Mapping[str, Any]) -> Written:
        return Written(key=f.key, base_key=f.base_key, remote_id=str(event.get("id") or f.key),
                       etag=event.get("etag"), start=f.start.astimezone(UTC), anchor=f.anchor,
                       kind=f.kind, person_id=f.person_id, state="live",
                       generation=generation_of(f))
