"""The few CalDAV requests syncd makes, over the ``caldav`` library, with syncd's errors.

``Dav`` is the only place that touches ``caldav``: discovery of the calendars (the library's
principal and calendar-home lookups), the RFC 6578 sync-collection REPORT and calendar-multiget
(sent and read here, through the library's ``request``, as CardDAV's are), and conditional
GET / PUT / DELETE of single objects. Every failure leaves as one of ``syncd.errors``: 401/403
as ``AuthError``, network trouble, 429 and 5xx as ``TransientError`` (with ``retry_after`` when
the server gave one).

caldav is pinned to 2.2.4, a release that talks HTTP through ``requests`` (README: "Why caldav
2.2.4"); its errors carry no HTTP status, so ``Dav`` notes the status, Retry-After and the
short body of the last failed answer with a response hook on the library's session.

Resources are named by their *path*, percent-decoded (``/dana/work/a1.ics``): that is the
resource id syncd stores; the URL to request is rebuilt from the account URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

from caldav.davclient import DAVClient
from caldav.lib import error as dav_error

from connectors import _neterr
from connectors._dav_xml import members, text
from syncd.errors import AuthError, ConnectorError, TransientError
from syncd.net import is_loopback

log = logging.getLogger(__name__)
D, C = "DAV:", "urn:ietf:params:xml:ns:caldav"
_NS = f'xmlns:D="{D}" xmlns:C="{C}"'
_ERROR_BODY = 4096  # of a failed answer, enough for a DAV:error precondition


@dataclass(frozen=True, slots=True)
class SyncResult:
    """One sync-collection answer: members changed since the token, members removed."""

    token: str
    changed: dict[str, str]  # resource path -> URL to fetch it from
    deleted: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Fetched:
    path: str
    data: str | None  # None: the server no longer has it
    etag: str | None


def resource_path(url: object) -> str:
    """The percent-decoded path of ``url``: the resource id syncd stores."""
    return unquote(urlsplit(str(url)).path)


class Dav:
    """A CalDAV client for one account; connects on first use."""

    def __init__(self, url: str, username: str, password: str, *, timeout: float,
                 account: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ConnectorError(f"url {url!r}: expected an https:// URL", account=account)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            raise ConnectorError("plain http is allowed only to a loopback host; use https://",
                                 account=account)
        self.url = url if url.endswith("/") else url + "/"
        self.account = account
        self._client: Any = DAVClient(
            url=self.url, username=username or None, password=password or None,
            timeout=max(1, round(timeout)), ssl_verify_cert=True, enable_rfc6764=False,
        )
        self._failed: _Failed | None = None  # the last answer, when it was 400 or more
        self._client.session.hooks["response"].append(self._note)

    def _last_failure(self) -> _Failed | None:
        return self._failed

    def _note(self, response: Any, *args: object, **kwargs: object) -> None:
        """Response hook: what the last answer said when it failed (a 401 challenge the
        library answers with credentials is forgotten by the answer that follows)."""
        self._failed = None if response.status_code < 400 else _Failed(
            response.status_code, response.headers.get("Retry-After"),
            response.content[:_ERROR_BODY])

    def close(self) -> None:
        self._client.close()

    def xml(self, method: str, path: str, body: str, *, depth: int, what: str) -> Any:
        """A PROPFIND or REPORT on ``path``; the ``caldav`` response (``.status``, ``.tree``).
        Statuses of 400 and more raise, but 403/409/412 on a REPORT are returned: the caller
        tells a refused sync-token from a refused request."""
        headers = {"Depth": str(depth), "Content-Type": 'application/xml; charset="utf-8"'}
        with self._errors(what):
            try:
                response = self._client.request(self.absolute(path), method, body, headers)
            except dav_error.AuthorizationError:
                failed = self._last_failure()
                if method == "REPORT" and failed is not None and failed.status == 403:
                    return _Refused(403, body=failed.body)
                raise
        if not (method == "REPORT" and response.status in (403, 409, 412)):
            self._check(response, what)
        return response

    def absolute(self, path: str) -> str:
        return urljoin(self.url, quote(path, safe="/@:+,;=~!$&'()*"))

    # -- collections -------------------------------------------------------------------------

    def calendars(self) -> list[tuple[str, str]]:
        """(display name, URL) of every calendar of the logged-in user."""
        with self._errors("listing calendars"):
            found = []
            for calendar in self._client.principal().calendars():
                url = str(calendar.url)
                name = calendar.get_display_name() or resource_path(url).rstrip("/")
                found.append((str(name), url))
            return found

    def make_calendar(self, name: str, slug: str) -> str:
        """MKCALENDAR ``name`` under the user's calendar home; returns its URL."""
        with self._errors(f"creating calendar {name!r}"):
            principal = self._client.principal()
            try:
                calendar = principal.make_calendar(name=name, cal_id=slug)
            except dav_error.MkcalendarError:
                calendar = principal.make_calendar(name=name)  # the slug is taken: any id
            return str(calendar.url)

    def sync(self, calendar_url: str, token: str | None) -> SyncResult | None:
        """RFC 6578 sync-collection (sync-level 1, getetag only, no limit).

        ``token=None`` lists every member. Returns None when the server refuses ``token``
        (403/409 with DAV:valid-sync-token; 412 on Xandikos): the caller lists afresh.
        """
        own = resource_path(calendar_url)
        body = (f'<?xml version="1.0" encoding="utf-8"?><D:sync-collection {_NS}>'
                f"<D:sync-token>{escape(token or '')}</D:sync-token>"
                "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
                "</D:sync-collection>")
        answer = self.xml("REPORT", own, body, depth=0, what="sync-collection")
        if answer.status in (403, 409, 412):
            if token is not None and _expired_token(answer.status, _body(answer)):
                return None
            if answer.status == 403:
                raise AuthError("sync-collection: permission denied (HTTP 403); check that the "
                                "user may read and write this calendar", account=self.account)
            raise ConnectorError(f"sync-collection: HTTP {answer.status}", account=self.account)
        new_token = answer.tree.findtext(f"{{{D}}}sync-token") if answer.tree is not None \
            else None
        if not new_token or not new_token.strip():
            raise ConnectorError("the server answered sync-collection without a sync-token",
                                 account=self.account)
        changed: dict[str, str] = {}
        deleted: set[str] = set()
        for href, status, _ in members(answer.tree):
            path = resource_path(self.absolute(href))
            if path.rstrip("/") == own.rstrip("/"):
                continue
            if status == 404:
                deleted.add(path)
            else:
                changed[path] = self.absolute(path)
        for path in deleted:
            changed.pop(path, None)
        return SyncResult(new_token.strip(), changed, tuple(sorted(deleted)))

    def multiget(self, calendar_url: str, urls: Sequence[str]) -> list[Fetched]:
        """calendar-multiget: data and ETag of many objects in one REPORT; a member the server
        no longer has comes back with ``data=None``."""
        if not urls:
            return []
        hrefs = "".join(f"<D:href>{escape(self.absolute(resource_path(u)))}</D:href>"
                        for u in urls)
        body = (f'<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget {_NS}>'
                f"<D:prop><D:getetag/><C:calendar-data/></D:prop>{hrefs}"
                "</C:calendar-multiget>")
        answer = self.xml("REPORT", resource_path(calendar_url), body, depth=1,
                          what="calendar-multiget")
        if answer.status in (403, 409, 412):
            raise ConnectorError(f"calendar-multiget: HTTP {answer.status}",
                                 account=self.account)
        fetched = []
        for href, status, prop in members(answer.tree):
            path = resource_path(self.absolute(href))
            data = prop.findtext(f"{{{C}}}calendar-data") if prop is not None else None
            etag = text(prop, D, "getetag") if prop is not None else None
            fetched.append(Fetched(path, data if status == 200 and data else None, etag))
        return fetched

    # -- single objects ------------------------------------------------------------------------

    def get(self, path: str) -> Fetched | None:
        """GET one object; None when it is not there."""
        with self._errors(f"GET {path}"):
            try:
                response = self._client.request(self.absolute(path), "GET")
            except dav_error.NotFoundError:
                return None
        if response.status == 404:
            return None
        self._check(response, f"GET {path}")
        return Fetched(path, _text(response.raw), response.headers.get("ETag"))

    def put(self, path: str, body: bytes, *, if_match: str | None = None,
            if_none_match: bool = False) -> tuple[int, str | None]:
        """Conditional PUT; returns (status, ETag or None). 412 is returned, not raised."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if if_match is not None:
            headers["If-Match"] = if_match
        if if_none_match:
            headers["If-None-Match"] = "*"
        with self._errors(f"PUT {path}"):
            response = self._client.put(self.absolute(path), body.decode("utf-8"), headers)
        if response.status != 412:
            self._check(response, f"PUT {path}")
        return response.status, response.headers.get("ETag")

    def delete(self, path: str, *, if_match: str | None = None) -> int:
        """Conditional DELETE; returns the status (404 and 412 are returned, not raised)."""
        headers = {"If-Match": if_match} if if_match else {}
        with self._errors(f"DELETE {path}"):
            try:
                response = self._client.request(self.absolute(path), "DELETE", "", headers)
            except dav_error.NotFoundError:
                return 404
        if response.status not in (404, 412):
            self._check(response, f"DELETE {path}")
        return int(response.status)

    # -- errors ----------------------------------------------------------------------------------

    def _check(self, response: Any, what: str) -> None:
        status = int(response.status)
        if status < 400:
            return
        if status == 429 or status >= 500:
            raise TransientError(f"{what}: HTTP {status}", account=self.account,
                                 retry_after=_neterr.retry_after(response.headers.get("Retry-After")))
        raise ConnectorError(f"{what}: HTTP {status} {_reason(response)}",
                             account=self.account)

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        self._failed = None
        try:
            yield
        except dav_error.AuthorizationError:
            failed = self._last_failure()
            if failed is not None and failed.status == 403:
                raise AuthError(f"{what}: permission denied (HTTP 403); check that the user "
                                "may read and write this calendar", account=self.account) from None
            raise AuthError(f"{what}: the server refused the login (HTTP 401); check username "
                            "and password_env / password_command", account=self.account) from None
        except dav_error.DAVError as exc:
            failed = self._last_failure()
            if failed is None and _neterr.is_network(exc):
                raise TransientError(_neterr.failed(self.url, exc),
                                     account=self.account) from None
            if failed is not None and failed.status == 429:
                raise TransientError(f"{what}: the server asks us to slow down (HTTP 429)",
                                     account=self.account,
                                     retry_after=_neterr.retry_after(failed.retry_after)) from None
            if failed is None or failed.status >= 500:
                retry = _neterr.retry_after(failed.retry_after) if failed is not None else None
                raise TransientError(f"{what}: {_describe(exc, failed)}", account=self.account,
                                     retry_after=retry) from None
            raise ConnectorError(f"{what}: {_describe(exc, failed)}",
                                 account=self.account) from None
        except OSError as exc:  # niquests/requests errors are OSErrors; so are socket errors
            raise TransientError(_neterr.failed(self.url, exc), account=self.account) from None
        except SyntaxError as exc:  # lxml's XMLSyntaxError: a proxy's HTML page, a cut answer
            raise TransientError(f"{what}: unreadable answer from the server: {_short(exc)}",
                                 account=self.account) from None


@dataclass(frozen=True, slots=True)
class _Failed:
    """What the last answer of 400 or more said: the library's errors do not carry it."""

    status: int
    retry_after: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class _Refused:
    status: int
    tree: None = None
    body: bytes = b""


def _body(answer: Any) -> bytes:
    raw = answer.body if isinstance(answer, _Refused) else getattr(answer, "raw", b"")
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else bytes(raw or b"")


def _expired_token(status: int, body: bytes) -> bool:
    if b"valid-sync-token" in body:
        return True
    # Some servers say "token gone" with a bare 409 or 412 (RFC 6578 names only 403).
    return b"<" not in body and status in (409, 412)


def _reason(response: Any) -> str:
    return str(getattr(response, "reason", "") or "")


def _describe(exc: dav_error.DAVError, failed: _Failed | None) -> str:
    status = f"HTTP {failed.status} " if failed is not None else ""
    return f"{status}{_short(exc)}"


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _text(raw: object) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return str(raw)
