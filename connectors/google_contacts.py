"""Google Contacts (People API): address-book entries, never interactions.

``people.connections.list`` on ``people/me`` with ``personFields=names,emailAddresses,
birthdays,memberships`` and ``requestSyncToken``; the ``nextSyncToken`` of the last page is the
cursor. A first pull is a listing (pages carry a listing token and checkpoint the page token;
the last page sweeps what it did not see). Incremental pulls pass the sync token: a person
whose ``metadata.deleted`` is set is a tombstone. An expired token (410, or the documented
``EXPIRED_SYNC_TOKEN`` / ``FAILED_PRECONDITION``) is ``CursorExpired``: the engine lists once
more. Contact groups are read with ``contactGroups.list`` and become tags. Scope:
``contacts.readonly`` only.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from googleapiclient.errors import HttpError

from connectors._google_http import Policy, reason_of, status_of
from connectors._google_session import Session, read_cursor
from connectors._people_parse import group_names, is_deleted, parse_person
from syncd.config import GoogleAccount
from syncd.errors import CursorExpired, ProtocolError
from syncd.model import Contact, Page

log = logging.getLogger(__name__)
PERSON_FIELDS = "names,emailAddresses,birthdays,memberships"
SCOPE = "people/me"


class GoogleContactsSource:
    """Address-book entries from one Google account (``Source`` protocol)."""

    def __init__(self, account: GoogleAccount, *, state_dir: Path | None = None,
                 policy: Policy | None = None, page_size: int = 1000) -> None:
        self.name = account.name
        self.session = Session(account, "people", state_dir=state_dir, policy=policy)
        self.page_size = page_size

    def close(self) -> None:
        self.session.close()

    def pull(self, cursor: str | None) -> Iterator[Page]:
        state = read_cursor(cursor, "contacts", self.name)
        try:
            yield from self._pull(state)
        except HttpError as exc:
            if status_of(exc) == 410 or _expired(exc):
                raise CursorExpired("the contacts sync token expired", account=self.name) \
                    from None
            raise self.session.error(exc) from None
        finally:
            self.session.finish()

    def _groups(self, service: Any) -> dict[str, str]:
        found: list[dict[str, Any]] = []
        page_token = None
        while True:
            answer = self.session.caller.call(service.contactGroups().list(
                groupFields="name,groupType", pageSize=1000, pageToken=page_token).execute)
            found += answer.get("contactGroups") or []
            page_token = answer.get("nextPageToken")
            if not page_token:
                return group_names(found)

    def _pull(self, state: dict[str, Any]) -> Iterator[Page]:
        service = self.session.service()
        groups = self._groups(service)
        token = state.get("token")
        listing = None if token else (state.get("listing") or uuid.uuid4().hex)
        page_token = state.get("page_token")
        while True:
            args: dict[str, Any] = {"resourceName": SCOPE, "personFields": PERSON_FIELDS,
                                    "pageSize": self.page_size, "requestSyncToken": True,
                                    "pageToken": page_token}
            if token:
                args["syncToken"] = token
            answer = self.session.caller.call(
                service.people().connections().list(**args).execute)
            items: list[Contact] = []
            removed: list[str] = []
            quarantined: list[str] = []
            for person in answer.get("connections") or ():
                if is_deleted(person):
                    removed.append(str(person.get("resourceName")))
                    continue
                try:
                    items.append(parse_person(person, account=self.name, groups=groups))
                except ProtocolError as exc:
                    log.warning("%s: quarantined %s: %s", self.name,
                                person.get("resourceName"), exc)
                    quarantined.append(str(person.get("resourceName") or "?"))
            page_token = answer.get("nextPageToken")
            last = not page_token
            if last:
                after = {"v": 1, "token": answer.get("nextSyncToken")}
            elif token:
                after = {"v": 1, "token": token}  # resume re-reads this round: idempotent
            else:
                after = {"v": 1, "listing": listing, "page_token": page_token}
            yield Page(tuple(items), json.dumps(after, sort_keys=True),
                       removed=tuple(removed), scope=SCOPE, listing=listing,
                       listing_complete=last and listing is not None,
                       quarantined=tuple(quarantined))
            if last:
                return


def _expired(exc: HttpError) -> bool:
    text = exc.content.decode("utf-8", "replace") if exc.content else ""
    return "EXPIRED_SYNC_TOKEN" in text or (status_of(exc) == 400 and
                                            reason_of(exc) == "FAILED_PRECONDITION"
                                            and "sync" in text.lower())
