"""CardDAV: address books as a source of ``Contact`` records (never interactions).

Discovery follows RFC 6352: the current-user-principal, its addressbook-home-set, and the
address books in it (``addressbooks`` in the config selects them by display name). Each book
is read incrementally, with the same discipline as CalDAV (``connectors/caldav.py``):

- where the book supports RFC 6578 sync-collection, from the stored sync-token; a refused token
  (403 valid-sync-token, or 409/412) lists the book afresh;
- where it does not, by CTag and ETags: an unchanged CTag costs one PROPFIND; otherwise the
  ETags are compared with the cursor's;
- changed cards are read with addressbook-multiget (chunks of ``MULTIGET_CHUNK``, one page
  each) and parsed with ``vobject`` (``connectors/_vcard.py``); each changed card's path is in
  ``Page.removed`` before its fresh entry, so a broken card is quarantined (its earlier version
  removed) and not offered again until it changes;
- a full listing carries a ``listing`` id, its last page ``listing_complete`` (upsert, then
  sweep); a deleted card is in ``Page.removed``; a book that is gone is swept.

Native ids are card paths; ``scope`` is the book's path. The cursor format is in
``connectors/_carddav_cursor.py``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape

from connectors._carddav_cursor import BookMark, BookState, parse_book_cursor
from connectors._dav import Dav, resource_path
from connectors._dav_xml import members as _members
from connectors._dav_xml import text as _text
from connectors._vcard import contact_from_vcard
from syncd.config import CarddavAccount
from syncd.errors import ConnectorError, ProtocolError
from syncd.model import Contact, Page

log = logging.getLogger(__name__)
MULTIGET_CHUNK = 200
D, C, CS = "DAV:", "urn:ietf:params:xml:ns:carddav", "http://calendarserver.org/ns/"
_NS = f'xmlns:D="{D}" xmlns:C="{C}" xmlns:CS="{CS}"'


def _propfind(props: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?><D:propfind {_NS}><D:prop>{props}</D:prop>' \
           "</D:propfind>"


class CarddavSource:
    """Address-book entries from a CardDAV account (``Source`` protocol)."""

    def __init__(self, account: CarddavAccount, password: str, *,
                 chunk: int = MULTIGET_CHUNK) -> None:
        self.name = account.name
        self._account = account
        self._chunk = chunk
        self._dav = Dav(account.url, account.username, password, timeout=account.timeout,
                        account=account.name)

    def close(self) -> None:
        self._dav.close()

    def pull(self, cursor: str | None) -> Iterator[Page]:
        state = parse_book_cursor(cursor)
        known = set(state.books)
        books = self._selected()
        for path, (ctag, syncs) in books.items():
            mark = state.books.get(path)
            if syncs:
                pages = self._by_token(path, state, mark)
            else:
                pages = self._by_etags(path, state, mark, ctag)
            for page, after in pages:
                state = after
                yield page
        for path in sorted((known | set(state.books)) - set(books)):
            state = state.without(path)  # gone or no longer selected: an empty listing sweeps
            yield Page(items=(), cursor=state.dump(), scope=path, listing=uuid.uuid4().hex,
                       listing_complete=True)

    # -- discovery -------------------------------------------------------------------------

    def _selected(self) -> dict[str, tuple[str | None, bool]]:
        """Book path -> (CTag, supports sync-collection), for the selected books."""
        found: dict[str, tuple[str, str | None, bool]] = {}
        for home in self._homes():
            answer = self._dav.xml("PROPFIND", home, _propfind(
                "<D:resourcetype/><D:displayname/><CS:getctag/><D:supported-report-set/>"),
                depth=1, what="listing address books")
            for href, prop in _responses(answer.tree):
                kinds = prop.find(f"{{{D}}}resourcetype")
                if kinds is None or kinds.find(f"{{{C}}}addressbook") is None:
                    continue
                path = resource_path(self._dav.absolute(href))
                name = _text(prop, D, "displayname") or path.rstrip("/").rsplit("/", 1)[-1]
                reports = prop.find(f"{{{D}}}supported-report-set")
                syncs = reports is not None and reports.find(f".//{{{D}}}sync-collection") \
                    is not None
                found[path] = (name, _text(prop, CS, "getctag"), syncs)
        wanted = self._account.addressbooks
        if wanted:
            names = [n for n, _, _ in found.values()]
            missing = [n for n in wanted if n not in names]
            if missing:
                raise ConnectorError(
                    f"no address book named {', '.join(map(repr, missing))}; the server has: "
                    f"{', '.join(map(repr, names)) or '(none)'}", account=self.name)
        return {p: (ctag, syncs) for p, (n, ctag, syncs) in sorted(found.items())
                if not wanted or n in wanted}

    def _homes(self) -> list[str]:
        root = resource_path(self._dav.url)
        answer = self._dav.xml("PROPFIND", root, _propfind("<D:current-user-principal/>"),
                               depth=0, what="finding the principal")
        principal = root
        for _, prop in _responses(answer.tree):
            href = prop.find(f"{{{D}}}current-user-principal/{{{D}}}href")
            if href is not None and href.text:
                principal = resource_path(self._dav.absolute(href.text.strip()))
        answer = self._dav.xml("PROPFIND", principal, _propfind("<C:addressbook-home-set/>"),
                               depth=0, what="finding the address book home")
        homes = [resource_path(self._dav.absolute(h.text.strip()))
                 for _, prop in _responses(answer.tree)
                 for h in prop.findall(f"{{{C}}}addressbook-home-set/{{{D}}}href") if h.text]
        return homes or [principal]

    # -- reading ---------------------------------------------------------------------------

    def _by_token(self, path: str, state: BookState, mark: BookMark | None
                  ) -> Iterator[tuple[Page, BookState]]:
        token = mark.token if mark is not None else None
        answer = self._sync(path, token)
        if answer is None:
            log.info("%s: %s: the sync-token was refused; listing again", self.name, path)
            answer = self._sync(path, None)
            token = None
        if answer is None:
            raise ConnectorError("the server refused a sync-collection without token",
                                 account=self.name)
        new_token, changed, deleted = answer
        after = BookMark(token=new_token)
        yield from self._pages(path, state, after, sorted(changed), tuple(deleted),
                               listing=token is None)

    def _sync(self, path: str, token: str | None
              ) -> tuple[str, list[str], list[str]] | None:
        body = (f'<?xml version="1.0" encoding="utf-8"?><D:sync-collection {_NS}>'
                f"<D:sync-token>{escape(token or '')}</D:sync-token>"
                "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
                "</D:sync-collection>")
        answer = self._dav.xml("REPORT", path, body, depth=0, what="sync-collection")
        if answer.status in (403, 409, 412):
            if token is None:
                raise ConnectorError(f"sync-collection: HTTP {answer.status}",
                                     account=self.name)
            return None
        changed: list[str] = []
        deleted: list[str] = []
        for href, status, _ in _members(answer.tree):
            card = resource_path(self._dav.absolute(href))
            if card.rstrip("/") == path.rstrip("/"):
                continue
            (deleted if status == 404 else changed).append(card)
        new_token = answer.tree.findtext(f"{{{D}}}sync-token")
        if not new_token:
            raise ConnectorError("the server answered sync-collection without a sync-token",
                                 account=self.name)
        return new_token.strip(), changed, deleted

    def _by_etags(self, path: str, state: BookState, mark: BookMark | None, ctag: str | None
                  ) -> Iterator[tuple[Page, BookState]]:
        if mark is not None and ctag is not None and mark.ctag == ctag:
            return  # nothing changed: one PROPFIND was the whole poll
        answer = self._dav.xml("PROPFIND", path, _propfind("<D:getetag/>"), depth=1,
                               what="listing cards")
        etags: dict[str, str] = {}
        for href, prop in _responses(answer.tree):
            card = resource_path(self._dav.absolute(href))
            if card.rstrip("/") != path.rstrip("/"):
                etags[card] = _text(prop, D, "getetag") or ""
        before = mark.etags if mark is not None else {}
        changed = sorted(c for c, e in etags.items() if before.get(c) != e or not e)
        deleted = tuple(sorted(set(before) - set(etags)))
        after = BookMark(ctag=ctag, etags=etags)
        yield from self._pages(path, state, after, changed, deleted, listing=mark is None)

    def _pages(self, path: str, state: BookState, after: BookMark, changed: list[str],
               deleted: tuple[str, ...], *, listing: bool) -> Iterator[tuple[Page, BookState]]:
        listing_id = uuid.uuid4().hex if listing else None
        size = self._chunk
        chunks = [changed[i:i + size] for i in range(0, len(changed), size)]
        for n, chunk in enumerate(chunks or [[]]):
            last = n == max(len(chunks), 1) - 1
            items, broken = self._read(path, chunk)
            if last:
                state = state.marked(path, after)
            # every changed card is removed, then what could be read is put back: a card that
            # became a group card, broken or gone in between leaves no stale entry behind
            removed = (deleted if n == 0 else ()) + tuple(chunk)
            yield Page(items=tuple(items), cursor=state.dump(), removed=removed, scope=path,
                       listing=listing_id, listing_complete=listing and last,
                       quarantined=tuple(broken)), state

    def _read(self, path: str, cards: list[str]) -> tuple[list[Contact], list[str]]:
        if not cards:
            return [], []
        hrefs = "".join(f"<D:href>{escape(self._dav.absolute(c))}</D:href>" for c in cards)
        body = (f'<?xml version="1.0" encoding="utf-8"?><C:addressbook-multiget {_NS}>'
                f"<D:prop><D:getetag/><C:address-data/></D:prop>{hrefs}"
                "</C:addressbook-multiget>")
        answer = self._dav.xml("REPORT", path, body, depth=1, what="addressbook-multiget")
        if answer.status in (403, 409, 412):
            raise ConnectorError(f"addressbook-multiget: HTTP {answer.status}",
                                 account=self.name)
        items: list[Contact] = []
        broken: list[str] = []
        for href, status, prop in _members(answer.tree):
            card = resource_path(self._dav.absolute(href))
            data = None if prop is None else prop.findtext(f"{{{C}}}address-data")
            if status == 404 or not data:
                continue  # deleted between the listing and the multiget
            try:
                entry = contact_from_vcard(data, source=self.name, native_id=card, scope=path)
            except ProtocolError as exc:
                log.warning("%s: quarantined %s: %s", self.name, card, exc)
                broken.append(card)
                continue
            if entry is not None:
                items.append(entry)
        return items, broken


def _responses(tree: Any) -> Iterator[tuple[str, Any]]:
    """(href, prop) of each DAV:response whose propstat is 200."""
    for href, status, prop in _members(tree):
        if status == 200 and prop is not None:
            yield href, prop
