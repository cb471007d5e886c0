"""Outlook / Microsoft 365 source over Microsoft Graph: mail metadata and meetings.

Mail (reference/sync_engines.md 1.3): one delta per folder (Inbox, Sent Items, then the
configured folders), ``$select`` of only what the rules read, ``Prefer: odata.maxpagesize`` and
immutable ids. One ``Page`` per delta page, scope = the folder; its cursor resumes after it
(``connectors/_graph_cursor.py``). A first round, or one whose token expired (410,
``syncStateNotFound``, ``resyncRequired``), is a full listing of that folder: ``Page.listing``
on every page, ``listing_complete`` on the last, so the store sweeps what is gone (upsert, then
sweep). ``@removed`` rows become ``Page.removed``. Partial rows (only changed properties) that
touch nothing syncd keeps are skipped; others are re-read and merged, never letting a null
overwrite a value. Sent Items messages carry the label ``SENT``.

Meetings (1.4): ``/me/calendarView/delta`` over ``window_past`` .. ``window_future``, scope
``calendar``, listed again when the window's end comes near (like the CalDAV source).

Contacts (``contacts = true``, the default; the sign-in then asks ``Contacts.Read``):
``/me/contacts/delta`` with ``$select``, scope ``contacts``, the same delta discipline; each
row becomes a ``Contact`` (``connectors/_graph_contacts.py``): an address-book entry, never an
interaction.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from connectors import _graph_cursor as cur
from connectors._graph_auth import GraphTokens
from connectors._graph_contacts import CONTACT_SELECT, parse_contact
from connectors._graph_http import Budget, DeltaExpired, GraphClient
from connectors._graph_parse import (
    has_rule_fields,
    is_partial,
    merge,
    message_select,
    parse_event,
    parse_message,
    window,
)
from syncd.config import OutlookAccount, default_state_dir
from syncd.errors import CursorExpired, ProtocolError, TransientError
from syncd.model import Item, Page

log = logging.getLogger(__name__)

DEFAULT_GRAPH = "https://graph.microsoft.com"
WELL_KNOWN: tuple[tuple[str, tuple[str, ...]], ...] = (("inbox", ("\\Inbox",)),
                                                       ("sentitems", ("SENT",)))
UTC_PREFER = 'outlook.timezone="UTC"'


def make_client(account: OutlookAccount, *, sleep: Callable[[float], None] | None = None,
                tokens: Any = None) -> GraphClient:
    budget = Budget(default_state_dir() / "throttle" / f"{account.name}.json")
    return GraphClient(account.name, account.graph_endpoint or DEFAULT_GRAPH,
                       tokens or GraphTokens(account), timeout=account.timeout, budget=budget,
                       sleep=sleep or time.sleep)


class OutlookSource:
    """``Source`` over one Outlook account (mail and calendar, one sign-in)."""

    def __init__(self, account: OutlookAccount, *, now: Callable[[], datetime],
                 client: GraphClient | None = None, preview: bool = False) -> None:
        self.name = account.name
        self.account = account
        # bodyPreview needs Mail.Read: with Mail.ReadBasic the headers alone decide
        self.preview = preview and account.mail_permission == "Mail.Read"
        self._now = now
        self.client = client or make_client(account)

    def close(self) -> None:
        self.client.close()

    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            state = cur.loads(cursor)
        except ValueError as exc:
            raise CursorExpired(f"unreadable Outlook cursor ({exc}); starting over",
                                account=self.name) from None
        if state.me is None:
            me = self.client.get("/me", params={"$select": "mail,userPrincipalName"})
            state.me = str(me.get("mail") or me.get("userPrincipalName") or "") or None
        for key, path, labels in self._folders(state):
            yield from self._pull(key, state.folders.get(key), labels, state,
                                  partial(self._first_mail_url, path),
                                  partial(state.folders.__setitem__, key))
        yield from self._pull_calendar(state)
        if self.account.contacts:
            yield from self._pull("contacts", state.contacts, (), state,
                                  lambda: self.client.url(
                                      f"/me/contacts/delta?$select={CONTACT_SELECT}"),
                                  partial(setattr, state, "contacts"))

    # -- mail ----------------------------------------------------------------------------------

    def _folders(self, state: cur.CursorState) -> list[tuple[str, str, tuple[str, ...]]]:
        found = [(key, key, labels) for key, labels in WELL_KNOWN]
        for name in self.account.folders:
            if name not in state.ids:
                quoted = name.replace("'", "''")
                rows = self.client.get("/me/mailFolders", params={
                    "$filter": f"displayName eq '{quoted}'", "$select": "id,displayName"})
                ids = [r["id"] for r in rows.get("value", []) if isinstance(r, dict)]
                if not ids:
                    log.warning("%s: no mail folder named %r; skipped", self.name, name)
                    continue
                state.ids[name] = str(ids[0])
            found.append((name, state.ids[name], ()))
        return found

    def _first_mail_url(self, folder: str) -> str:
        headers = self.account.mail_permission == "Mail.Read" and folder != "sentitems"
        return self.client.url(f"/me/mailFolders/{folder}/messages/delta?$select="
                               + message_select(headers=headers, preview=self.preview))

    def _pull(self, key: str, mark: cur.Mark | None, labels: tuple[str, ...],
              state: cur.CursorState, first_url: Callable[[], str],
              keep: Callable[[cur.Mark], None]) -> Iterator[Page]:
        calendar = key == "calendar"
        url, listing = (mark.link, mark.listing) if mark else (first_url(), _token())
        restarted = False
        prefer = (f"odata.maxpagesize={self.account.page_size}",) + (
            (UTC_PREFER,) if calendar else ())
        while True:
            try:
                body = self.client.get(url, prefer=prefer)
            except DeltaExpired:
                if restarted:
                    raise TransientError(f"{key}: the fresh delta was refused too; will retry",
                                         account=self.name) from None
                log.info("%s: %s: delta token expired; listing it again", self.name, key)
                url, listing, restarted = first_url(), _token(), True
                continue
            items, removed, quarantined = self._rows(body.get("value"), key, labels, state)
            link = body.get("@odata.nextLink")
            delta = body.get("@odata.deltaLink")
            if not isinstance(link, str) and not isinstance(delta, str):
                raise TransientError(f"{key}: a delta page without nextLink or deltaLink",
                                     account=self.name)
            done = not isinstance(link, str)
            keep(cur.Mark(str(delta if done else link), None if done else listing))
            yield Page(tuple(items), state.dumps(), removed=tuple(removed), scope=key,
                       listing=listing, listing_complete=done and listing is not None,
                       quarantined=tuple(quarantined))
            if done:
                return
            url = str(link)

    def _rows(self, rows: object, key: str, labels: tuple[str, ...], state: cur.CursorState
              ) -> tuple[list[Item], list[str], list[str]]:
        items: list[Item] = []
        removed: list[str] = []
        quarantined: list[str] = []
        calendar = key == "calendar"
        for row in rows if isinstance(rows, list) else ():
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                continue
            native = row["id"] if calendar or key == "contacts" else f"{key}/{row['id']}"
            if "@removed" in row:
                removed.append(native)
                continue
            try:
                if key == "contacts":
                    items.append(parse_contact(row, account=self.name))
                    continue
                if calendar:
                    if "start" not in row:
                        row = self._reread(f"/me/events/{row['id']}", row, {})
                    if row is not None:
                        items.append(parse_event(row, account=self.name, me=state.me))
                    continue
                if is_partial(row):
                    if not has_rule_fields(row):
                        continue  # e.g. only isRead changed: nothing syncd keeps
                    select = message_select(headers=self.account.mail_permission == "Mail.Read"
                                            and key != "sentitems", preview=self.preview)
                    row = self._reread(f"/me/messages/{row['id']}", row, {"$select": select})
                if row is not None:
                    items.append(parse_message(row, account=self.name, folder=key,
                                               labels=labels, preview=self.preview))
            except ProtocolError as exc:
                log.warning("%s: quarantined %s: %s", self.name, native, exc)
                quarantined.append(native)
        return items, removed, quarantined

    def _reread(self, path: str, partial: dict[str, Any], params: dict[str, str]
                ) -> dict[str, Any] | None:
        response = self.client.send("GET", path, params=params, allow=frozenset({404}),
                                    prefer=(UTC_PREFER,))
        if response.status_code == 404:
            return None  # gone since: its @removed row follows
        return merge(response.json(), partial)

    # -- calendar ------------------------------------------------------------------------------

    def _pull_calendar(self, state: cur.CursorState) -> Iterator[Page]:
        now = self._now().astimezone(UTC)
        mark = state.calendar
        since = mark.since if mark is not None else None
        if since is None or now - self.account.window_past < since:
            since, mark = now - self.account.window_past, None  # first sync, or a wider past
        elif mark is not None and mark.until is not None and mark.listing is None \
                and mark.until - now < self.account.window_future / 2:
            log.info("%s: listing the calendar again to extend its window", self.name)
            mark = None
        span = [since, mark.until if mark is not None and mark.until else now]

        def first() -> str:
            span[1] = now + self.account.window_future
            start, end = window(span[0], timedelta(0), span[1] - span[0])
            return self.client.url(f"/me/calendarView/delta?startDateTime={start}"
                                   f"&endDateTime={end}")

        def keep(new: cur.Mark) -> None:
            state.calendar = cur.Mark(new.link, new.listing, span[0], span[1])

        yield from self._pull("calendar", mark, (), state, first, keep)


def _token() -> str:
    return secrets.token_hex(8)
