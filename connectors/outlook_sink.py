"""syncd's follow-up events in one Outlook calendar (``CalendarSink`` over Microsoft Graph).

The calendar is found by name (``followups.calendar``) and created when missing, on first use.
Every event carries our key as a single-value extended property (``KEY_PROPERTY``); before any
create, the calendar is searched with ``$filter`` on it, so a crash between the remote write and
the local record never doubles an event. Events are free time (``showAs: free``). Updates are
conditional on the ETag we saw (``If-Match``): an event the user moved keeps the user's time.
``snapshot`` lists the events carrying the property with their start as it stands; an event the
user deleted is simply absent (the planner records the dismissal).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC
from typing import Any

from connectors._graph_http import GraphClient
from connectors._graph_parse import event_body, key_expand, key_filter, remote_from_event
from connectors.caldav import generation_of
from connectors.outlook import UTC_PREFER, make_client
from syncd.config import OutlookAccount
from syncd.errors import TransientError
from syncd.model import FollowUp, Remote, Written

log = logging.getLogger(__name__)
FIELDS = "id,start,subject"


class OutlookSink:
    def __init__(self, account: OutlookAccount, calendar_name: str, *,
                 client: GraphClient | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.name = account.name
        self._calendar_name = calendar_name
        self.client = client or make_client(account, sleep=sleep)
        self._calendar_id: str | None = None

    def close(self) -> None:
        self.client.close()

    def calendar_id(self) -> str:
        """The follow-up calendar's id, creating the calendar when it is missing."""
        if self._calendar_id is None:
            url: str | None = "/me/calendars?$select=id,name"
            while url and self._calendar_id is None:
                body = self.client.get(url)
                for row in body.get("value") or ():
                    if isinstance(row, dict) and row.get("name") == self._calendar_name:
                        self._calendar_id = str(row["id"])
                        break
                nxt = body.get("@odata.nextLink")
                url = nxt if isinstance(nxt, str) else None
            if self._calendar_id is None:
                made = self.client.send("POST", "/me/calendars",
                                        body={"name": self._calendar_name}).json()
                self._calendar_id = str(made["id"])
                log.info("%s: created calendar %r", self.name, self._calendar_name)
        return self._calendar_id

    def snapshot(self) -> Mapping[str, Remote]:
        found: dict[str, Remote] = {}
        for row in self._ours(key_filter()):
            remote = remote_from_event(row)
            if remote is not None:
                found[remote.key] = remote
        return found

    def create(self, followup: FollowUp) -> Written:
        there = self._ours(key_filter(followup.key))
        if there:  # a crash after the write, before the record: update it in place
            log.info("%s: the event for %s exists already; updating it", self.name,
                     followup.key)
            event = self._patch(str(there[0]["id"]), followup, None)
            if event is None:
                raise TransientError("the event changed while we wrote it; will retry",
                                     account=self.name)
        else:
            event = self.client.send("POST", f"/me/calendars/{self.calendar_id()}/events",
                                     body=event_body(followup), prefer=(UTC_PREFER,)).json()
        return self._written(followup, event)

    def update(self, followup: FollowUp, written: Written) -> Written:
        event = self._patch(written.remote_id, followup, written.etag)
        if event is not None:
            return self._written(followup, event)
        # The user changed or deleted it since we wrote it: the user wins; nothing written.
        response = self.client.send("GET", f"/me/events/{written.remote_id}",
                                    params={"$select": FIELDS}, prefer=(UTC_PREFER,),
                                    allow=frozenset({404}))
        gone = response.status_code == 404
        etag = None if gone else response.json().get("@odata.etag")
        log.info("%s: %s was changed in the calendar; keeping the user's version", self.name,
                 written.remote_id)
        return replace(self._written(followup, {"id": written.remote_id, "@odata.etag": etag}),
                       start=written.start, state="dismissed" if gone else "live")

    def cancel(self, written: Written) -> None:
        self.client.send("DELETE", f"/me/events/{written.remote_id}", allow=frozenset({404}))

    # -- helpers ---------------------------------------------------------------------------

    def _ours(self, where: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        url: str | None = f"/me/calendars/{self.calendar_id()}/events"
        params: dict[str, str] | None = {"$filter": where, "$expand": key_expand(),
                                         "$select": FIELDS}
        while url:
            body = self.client.get(url, params=params,
                                   prefer=("odata.maxpagesize=500", UTC_PREFER))
            rows += [r for r in body.get("value") or () if isinstance(r, dict)]
            nxt = body.get("@odata.nextLink")
            url, params = (nxt, None) if isinstance(nxt, str) else (None, None)
        return rows

    def _patch(self, event_id: str, followup: FollowUp, etag: str | None
               ) -> dict[str, Any] | None:
        """PATCH the event; None when it changed (412) or vanished (404) since ``etag``."""
        response = self.client.send(
            "PATCH", f"/me/events/{event_id}", body=event_body(followup), prefer=(UTC_PREFER,),
            headers={"If-Match": etag} if etag else None, allow=frozenset({404, 412}))
        if response.status_code in (404, 412):
            return None
        body = response.json()
        return body if isinstance(body, dict) else {"id": event_id}

    def _written(self, f: FollowUp, event: Mapping[str, Any]) -> Written:
        return Written(key=f.key, base_key=f.base_key, remote_id=str(event["id"]),
                       etag=event.get("@odata.etag") or None, start=f.start.astimezone(UTC),
                       anchor=f.anchor, kind=f.kind, person_id=f.person_id, state="live",
                       generation=generation_of(f))
