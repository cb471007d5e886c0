"""The few CalDAV requests syncd makes, over the ``caldav`` library, with syncd's errors.

``Dav`` is the only place that touches ``caldav``: discovery of the calendars, the RFC 6578
sync-collection REPORT, calendar-multiget, and conditional GET / PUT / DELETE of single
objects. Every failure leaves as one of ``syncd.errors``: 401/403 as ``AuthError``, network
trouble, 429 and 5xx as ``TransientError`` (with ``retry_after`` when the server gave one).

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

from caldav.collection import Calendar
from caldav.davclient import DAVClient
from caldav.elements import dav
from caldav.lib import error as dav_error
from caldav.lib.url import URL

from connectors import _neterr
from syncd.errors import AuthError, ConnectorError, TransientError
from syncd.net import is_loopback

log = logging.getLogger(__name__)


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
            except dav_error.AuthorizationError as exc:
                if method == "REPORT" and exc.status == 403:
                    return _Refused(403)
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
            principal = self._client.get_principal()
            found = []
            for calendar in self._client.get_calendars(principal):
                url = str(calendar.url)
                name = calendar.get_display_name() or resource_path(url).rstrip("/")
                found.append((str(name), url))
            return found

    def make_calendar(self, name: str, slug: str) -> str:
        """MKCALENDAR ``name`` under the user's calendar home; returns its URL."""
        with self._errors(f"creating calendar {name!r}"):
            principal = self._client.get_principal()
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
        calendar: Any = Calendar(client=self._client, url=calendar_url)
        with self._errors("sync-collection"):
            try:
                found = calendar.get_objects_by_sync_token(
                    token, load_objects=False, disable_fallback=True)
            except dav_error.DAVError as exc:
                if token is not None and _expired_token(exc):
                    return None
                raise
        if not found.sync_token:
            raise ConnectorError("the server answered sync-collection without a sync-token",
                                 account=self.account)
        deleted = {resource_path(u) for u in found.deleted_urls}
        own = resource_path(calendar_url)
        changed = {resource_path(o.url): str(o.url) for o in found.objects}
        for path in deleted | {own, own.rstrip("/")}:
            changed.pop(path, None)
        return SyncResult(str(found.sync_token), changed, tuple(sorted(deleted - {own})))

    def multiget(self, calendar_url: str, urls: Sequence[str]) -> list[Fetched]:
        """calendar-multiget: data and ETag of many objects in one REPORT."""
        if not urls:
            return []
        calendar: Any = Calendar(client=self._client, url=calendar_url)
        with self._errors("calendar-multiget"):
            objects = calendar.multiget([URL.objectify(u) for u in urls])
        fetched = []
        for obj in objects:
            data = obj.data if obj.data else None
            etag = obj.props.get(dav.GetEtag.tag) if obj.props else None
            fetched.append(Fetched(resource_path(obj.url), data and str(data), etag))
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
                response = self._client.delete(self.absolute(path), headers)
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
                                 retry_after=_retry_after(response.headers.get("Retry-After")))
        raise ConnectorError(f"{what}: HTTP {status} {response.reason}", account=self.account)

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except dav_error.RateLimitError as exc:
            raise TransientError(f"{what}: the server asks us to slow down (HTTP {exc.status})",
                                 account=self.account,
                                 retry_after=exc.retry_after_seconds) from None
        except dav_error.AuthorizationError as exc:
            if exc.status == 403:
                raise AuthError(f"{what}: permission denied (HTTP 403); check that the user "
                                "may read and write this calendar", account=self.account) from None
            raise AuthError(f"{what}: the server refused the login (HTTP 401); check username "
                            "and password_env / password_command", account=self.account) from None
        except dav_error.DAVError as exc:
            status = exc.status
            if status is None and _neterr.is_network(exc):
                raise TransientError(_neterr.failed(self.url, exc),
                                     account=self.account) from None
            if status is None or status == 429 or status >= 500:
                raise TransientError(f"{what}: {_describe(exc)}", account=self.account) from None
            raise ConnectorError(f"{what}: {_describe(exc)}", account=self.account) from None
        except OSError as exc:  # niquests/requests errors are OSErrors; so are socket errors
            raise TransientError(_neterr.failed(self.url, exc), account=self.account) from None
        except SyntaxError as exc:  # lxml's XMLSyntaxError: a proxy's HTML page, a cut answer
            raise TransientError(f"{what}: unreadable answer from the server: {_short(exc)}",
                                 account=self.account) from None


@dataclass(frozen=True, slots=True)
class _Refused:
    status: int
    tree: None = None


def _expired_token(exc: dav_error.DAVError) -> bool:
    if dav.ValidSyncToken.tag in exc.preconditions:
        return True
    # Some servers say "token gone" with a bare 409 or 412 (RFC 6578 names only 403).
    return not exc.preconditions and exc.status in (409, 412)


def _retry_after(value: str | None) -> float | None:
    return dav_error.parse_retry_after(value) if value else None


def _describe(exc: dav_error.DAVError) -> str:
    status = f"HTTP {exc.status} " if exc.status else ""
    return f"{status}{_short(exc)}"


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _text(raw: object) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return str(raw)
