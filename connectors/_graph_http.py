"""HTTP to Microsoft Graph for one mailbox: tokens, throttling, retries, errors.

- At most ``CONCURRENCY`` (4) requests in flight per mailbox, across every client of that
  account in the process (Outlook's MailboxConcurrency limit).
- 429 / 503 / 504 and dropped connections on safe requests are retried with tenacity, waiting
  what ``Retry-After`` says (else exponential backoff), at most ``attempts`` times; then a
  ``TransientError`` carrying ``retry_after``. The wait is remembered in a small state file
  (``$XDG_STATE_HOME/syncd/throttle/<account>.json``) with the count of requests in the current
  10-minute window, so a restarted syncd does not hammer a mailbox that asked it to wait.
- 401: the token is refreshed once and the request repeated. 403: ``AuthError`` (a permission
  is missing). 410, or a 4xx whose code is ``syncStateNotFound`` / ``resyncRequired``:
  ``DeltaExpired``. Every request carries ``Prefer: IdType="ImmutableId"``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from connectors import _neterr
from syncd.errors import AuthError, ConnectorError, CursorExpired, TransientError
from syncd.files import write_private

log = logging.getLogger(__name__)

CONCURRENCY = 4
WINDOW = 600.0  # Outlook counts 10,000 requests per app and mailbox in 10 minutes
WINDOW_BUDGET = 9000  # stay under it
RETRY_STATUS = frozenset({429, 503, 504})
EXPIRED_CODES = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})
IMMUTABLE = 'IdType="ImmutableId"'
_LIMITS: dict[str, threading.BoundedSemaphore] = {}
_LIMITS_LOCK = threading.Lock()


class TokenSource(Protocol):
    def token(self, *, force_refresh: bool = False) -> str: ...

    def close(self) -> None: ...


class DeltaExpired(CursorExpired):
    """The delta or skip token is no longer honoured: list that scope again."""


class _Retry(Exception):  # internal signal for tenacity
    def __init__(self, reason: str, retry_after: float | None, *, network: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.network = network  # the connection failed (else Graph answered "busy")


def semaphore(account: str) -> threading.BoundedSemaphore:
    with _LIMITS_LOCK:
        return _LIMITS.setdefault(account, threading.BoundedSemaphore(CONCURRENCY))


class Budget:
    """Requests in the current window and a server-imposed wait, kept across restarts."""

    def __init__(self, path: Path | None, clock: Callable[[], float] = time.time) -> None:
        self._path, self._clock = path, clock
        self.blocked_until, self.window_start, self.requests = 0.0, 0.0, 0
        if path is not None and path.exists():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                self.blocked_until = float(doc.get("blocked_until", 0))
                self.window_start = float(doc.get("window_start", 0))
                self.requests = int(doc.get("requests", 0))
            except (ValueError, TypeError, AttributeError, OSError):
                log.warning("ignoring unreadable throttle state %s", path)

    def spend(self, account: str) -> None:
        """Count one request, or raise ``TransientError`` while the mailbox asked us to wait."""
        now = self._clock()
        if now < self.blocked_until:
            raise TransientError("Microsoft Graph asked us to slow down; waiting",
                                 account=account, retry_after=self.blocked_until - now)
        if now - self.window_start >= WINDOW:
            self.window_start, self.requests = now, 0
        if self.requests >= WINDOW_BUDGET:
            self.block(self.window_start + WINDOW - now)
            raise TransientError(f"{WINDOW_BUDGET} requests in 10 minutes; pausing",
                                 account=account, retry_after=self.blocked_until - now)
        self.requests += 1

    def block(self, seconds: float) -> None:
        self.blocked_until = max(self.blocked_until, self._clock() + seconds)
        self.save()

    def save(self) -> None:
        if self._path is None:
            return
        write_private(self._path, json.dumps({
            "blocked_until": self.blocked_until, "window_start": self.window_start,
            "requests": self.requests}))


class GraphClient:
    """Requests to one mailbox's Graph, with the rules in the module docstring."""

    def __init__(self, account: str, root: str, tokens: TokenSource, *, timeout: float,
                 budget: Budget, attempts: int = 5, max_wait: float = 120.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.account, self.root = account, root.rstrip("/")
        self._tokens, self._timeout, self.budget = tokens, timeout, budget
        self._attempts, self._max_wait, self._sleep = attempts, max_wait, sleep
        self._session = requests.Session()
        self._token: str | None = None
        self.requests = 0  # sent by this client (the benchmark reads it)

    def close(self) -> None:
        self._session.close()
        self._tokens.close()
        self.budget.save()

    def url(self, path: str) -> str:
        return path if path.startswith("https://") else f"{self.root}/v1.0{path}"

    def get(self, path: str, *, params: Mapping[str, str] | None = None,
            prefer: tuple[str, ...] = ()) -> dict[str, Any]:
        response = self.send("GET", path, params=params, prefer=prefer)
        try:
            body = response.json()
        except ValueError:
            raise TransientError("Microsoft Graph sent a truncated answer",
                                 account=self.account) from None
        if not isinstance(body, dict):
            raise TransientError("Microsoft Graph sent an unexpected answer",
                                 account=self.account)
        return body

    def send(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
             body: Mapping[str, Any] | None = None, prefer: tuple[str, ...] = (),
             headers: Mapping[str, str] | None = None,
             allow: frozenset[int] = frozenset()) -> requests.Response:
        """One request, retried as the module docstring says; ``allow`` lists error statuses
        the caller handles itself (404, 412)."""
        retrying = Retrying(stop=stop_after_attempt(self._attempts), wait=self._wait,
                            retry=retry_if_exception_type(_Retry), sleep=self._sleep,
                            reraise=True)
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, params, body, prefer, headers or {},
                                      allow)
        except _Retry as exc:
            wait = exc.retry_after or 30.0
            self.budget.block(wait)
            said = f"{exc}; will retry" if exc.network else \
                f"Microsoft Graph is busy ({exc}); retry later"
            raise TransientError(said, account=self.account, retry_after=wait) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = getattr(exc, "retry_after", None)
        backoff = min(2.0 ** state.attempt_number, 30.0)
        return float(min(hinted if hinted is not None else backoff, self._max_wait))

    def _once(self, method: str, path: str, params: Mapping[str, str] | None,
              body: Mapping[str, Any] | None, prefer: tuple[str, ...],
              extra: Mapping[str, str], allow: frozenset[int]) -> requests.Response:
        response = self._send(method, path, params, body, prefer, extra)
        if response.status_code == 401:
            self._token = self._tokens.token(force_refresh=True)
            response = self._send(method, path, params, body, prefer, extra)
        status = response.status_code
        if status < 300 or status in allow:
            return response
        code, message = _error(response)
        if status in RETRY_STATUS:
            raise _Retry(f"HTTP {status} {code}".strip(), _retry_after(response))
        if status == 410 or code.lower() in EXPIRED_CODES:
            raise DeltaExpired(f"the delta token expired ({status} {code})",
                               account=self.account)
        if status in (401, 403):
            raise AuthError(f"Microsoft Graph refused access ({status} {code}: {message}); "
                            f"run `syncd auth {self.account}` and grant the permissions in "
                            "README.md", account=self.account)
        if status >= 500:
            raise TransientError(f"Microsoft Graph failed ({status} {code})",
                                 account=self.account)
        raise ConnectorError(f"Microsoft Graph refused {method} {path.split('?')[0]} "
                             f"({status} {code}: {message})", account=self.account)

    def _send(self, method: str, path: str, params: Mapping[str, str] | None,
              body: Mapping[str, Any] | None, prefer: tuple[str, ...],
              extra: Mapping[str, str]) -> requests.Response:
        if self._token is None:
            self._token = self._tokens.token()
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json",
                   "Prefer": ", ".join((IMMUTABLE, *prefer)), **extra}
        self.budget.spend(self.account)
        self.requests += 1
        with semaphore(self.account):
            try:
                response = self._session.request(method, self.url(path), params=params,
                                                 json=body, headers=headers,
                                                 timeout=self._timeout)
                if method == "GET":
                    _ = response.content  # read it all here: a drop mid-body is retried
                return response
            except requests.exceptions.SSLError as exc:
                if "CERTIFICATE_VERIFY_FAILED" not in str(exc):  # a handshake cut short
                    raise self._failed(method, exc) from None
                raise TransientError(
                    f"the TLS certificate of {self.root} could not be verified ({exc}); a "
                    "private CA can be trusted with REQUESTS_CA_BUNDLE",
                    account=self.account) from None
            except requests.RequestException as exc:
                raise self._failed(method, exc) from None

    def _failed(self, method: str, exc: requests.RequestException) -> Exception:
        said = _neterr.failed(self.root, exc)
        if method in ("GET", "DELETE"):  # safe to repeat
            return _Retry(said, None, network=True)
        return TransientError(f"{said} (during {method}); will retry", account=self.account)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def _error(response: requests.Response) -> tuple[str, str]:
    try:
        err = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return "", ""
    if not isinstance(err, dict):
        return str(err), ""
    return str(err.get("code") or ""), str(err.get("message") or "")[:200]
