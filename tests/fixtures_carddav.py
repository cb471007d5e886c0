"""CardDAV helpers for the tests: address books on the local Radicale (``caldav_server``),
written the way another client would (MKCOL, PUT, DELETE), not through syncd's connector."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from caldav.lib import error as caldav_error

from syncd.config import CarddavAccount
from syncd.localservers.caldav import CaldavServer

PASSWORD_ENV = "SYNCD_TEST_CARDDAV_PASSWORD"


def carddav_account(server: CaldavServer, *, name: str = "book",
                    addressbooks: tuple[str, ...] = ()) -> CarddavAccount:
    return CarddavAccount(type="carddav", name=name, url=server.url, username=server.user,
                          password_env=PASSWORD_ENV, addressbooks=addressbooks, timeout=20)


def create_addressbook(server: CaldavServer, slug: str, name: str) -> str:
    """MKCOL an address book with display name ``name`` under the user's home; its URL."""
    url = urljoin(server.url, f"/{server.user}/{slug}/")
    body = ('<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype>'
            "<D:collection/><C:addressbook/></D:resourcetype>"
            f"<D:displayname>{name}</D:displayname></D:prop></D:set></D:mkcol>")
    response = server.client().request(url, "MKCOL", body,
                                       {"Content-Type": "application/xml"})
    if response.status not in (200, 201):
        raise RuntimeError(f"MKCOL {url}: {response.status} {response.reason}")
    return url


def put_card(server: CaldavServer, book_url: str, href: str, vcard: str) -> None:
    response = server.client().put(urljoin(book_url, href), vcard,
                                   {"Content-Type": "text/vcard; charset=utf-8"})
    if response.status not in (200, 201, 204):
        raise RuntimeError(f"PUT {href}: {response.status} {response.reason}")


def delete_card(server: CaldavServer, book_url: str, href: str) -> None:
    with suppress(caldav_error.NotFoundError):
        server.client().delete(urljoin(book_url, href))


def write_raw(server: CaldavServer, book_url: str, href: str, data: str) -> None:
    """Drop a file straight into Radicale's storage, bypassing its validation."""
    path = unquote(urlsplit(book_url).path).strip("/")
    folder = server.storage / "collection-root" / Path(*path.split("/"))
    (folder / href).write_text(data, encoding="utf-8")


def vcard(uid: str, *lines: str, version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", f"UID:{uid}", *lines,
                        "END:VCARD", ""])
