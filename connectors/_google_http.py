"""The Google client library, pointed where the config says, with retries and a quota budget.

- ``build_service`` uses the discovery documents shipped in google-api-python-client
  (``static_discovery=True``) with ``client_options["api_endpoint"]``: that option replaces
  rootUrl + servicePath, so Calendar gets ``<root>calendar/v3/`` and Gmail the root itself.
  ``new_batch`` builds ``BatchHttpRequest(batch_uri=root + batchPath)`` because the service's own
  ``new_batch_http_request()`` ignores the override (DESIGN.md section 8).
- ``Caller.call`` runs one request under the budget, retrying 429, 403 rateLimitExceeded /
  userRateLimitExceeded and 5xx, and dropped connections, with tenacity: exponential backoff
  with jitter, a Retry-After honoured, a bounded number of attempts. What remains is mapped onto
  ``syncd/errors.py`` (or left as ``HttpError`` for the connector to read: 404, 409, 410).
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import google.auth.exceptions
import google_auth_httplib2
import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from connectors import _neterr
from connectors._google_token import refresh_error
from syncd.errors import AuthError, ConnectorError, TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_ROOTS = {"gmail": "https://gmail.googleapis.com/",
                 "calendar": "https://www.googleapis.com/",
                 "people": "https://people.googleapis.com/"}
SERVICE_PATHS = {"gmail": "", "calendar": "calendar/v3/", "people": ""}
BATCH_PATHS = {"gmail": "batch", "calendar": "batch/calendar/v3", "people": "batch"}
VERSIONS = {"gmail": "v1", "calendar": "v3", "people": "v1"}
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError, httplib2.HttpLib2Error, http.client.HTTPException, ssl.SSLError)


class Garbled(http.client.HTTPException):
    """A JSON API answered with something that is not JSON (a body cut short): retried."""


def root_url(api: str, api_endpoint: str | None) -> str:
    root = api_endpoint or DEFAULT_ROOTS[api]
    return root if root.endswith("/") else root + "/"


def build_service(api: str, credentials: Credentials, api_endpoint: str | None,
                  timeout: float) -> Any:
    root = root_url(api, api_endpoint)
    authed = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
    return build(api, VERSIONS[api], http=authed, static_discovery=True, cache_discovery=False,
                 client_options={"api_endpoint": root + SERVICE_PATHS[api]})


def new_batch(api: str, api_endpoint: str | None, callback: Callable[..., None]
              ) -> BatchHttpRequest:
    return BatchHttpRequest(callback=callback,
                            batch_uri=root_url(api, api_endpoint) + BATCH_PATHS[api])


def reason_of(exc: HttpError) -> str:
    """The first ``errors[].reason`` of a Google error body ("" when there is none)."""
    try:
        body = json.loads(exc.content.decode("utf-8", "replace"))
        error = body.get("error", {})
        if isinstance(error, dict):
            errors = error.get("errors") or [{}]
            return str(errors[0].get("reason") or error.get("status") or "")
        return str(error)
    except (ValueError, AttributeError, IndexError, TypeError):
        return ""


def status_of(exc: HttpError) -> int:
    return int(exc.resp.status)


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, HttpError):
        status = status_of(exc)
        return status == 429 or status >= 500 or (status == 403 and reason_of(exc) in RATE_REASONS)
    return isinstance(exc, NETWORK_ERRORS)


def retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header (delta or HTTP date), else None."""
    if not isinstance(exc, HttpError):
        return None
    value = exc.resp.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass
class Policy:
    """How hard to retry. Tests inject a tiny ``base_wait`` and a recording ``sleep``."""

    attempts: int = 6
    base_wait: float = 1.0
    max_wait: float = 64.0
    longest_retry_after: float = 120.0  # longer: give up now, remember it, come back later
    sleep: Callable[[float], None] = field(default=time.sleep)


class Caller:
    """Runs requests for one account: budget, retries, error mapping."""

    def __init__(self, account: str, policy: Policy,
                 acquire: Callable[[float], None] | None = None, *, root: str = "") -> None:
        self.account = account
        self.root = root  # the API's root URL, named in a connection failure
        self.policy = policy
        self.acquire = acquire or (lambda units: None)
        self.requests = 0  # HTTP requests sent (a batch counts once)
        self.deferred: float | None = None  # a Retry-After we chose not to wait out

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        jitter = wait_random_exponential(multiplier=self.policy.base_wait,
                                         max=self.policy.max_wait)(state)
        return max(jitter, retry_after(exc) or 0.0) if exc else jitter

    def _should_retry(self, exc: BaseException) -> bool:
        after = retry_after(exc)
        if after is not None and after > self.policy.longest_retry_after:
            return False
        return retryable(exc)

    def call(self, run: Callable[[], T], units: float = 0.0) -> T:
        """``run()`` (one HTTP request) under the budget, retried; errors mapped."""
        retrying = Retrying(stop=stop_after_attempt(self.policy.attempts), wait=self._wait,
                            retry=retry_if_exception(self._should_retry),
                            sleep=self.policy.sleep, reraise=True,
                            before_sleep=lambda s: log.info(
                                "%s: retrying after %s", self.account,
                                s.outcome.exception() if s.outcome else "?"))
        try:
            for attempt in retrying:
                with attempt:
                    self.acquire(units)
                    self.requests += 1
                    answer = run()
                    if isinstance(answer, str | bytes):  # the client's fallback for bad JSON
                        raise Garbled(f"an unreadable answer ({len(answer)} characters)")
                    return answer
        except HttpError as exc:
            if retryable(exc) or status_of(exc) == 401:
                raise self.mapped(exc) from None
            raise
        except (google.auth.exceptions.RefreshError,
                google.auth.exceptions.TransportError) as exc:
            raise refresh_error(self.account, exc) from None
        except NETWORK_ERRORS as exc:
            raise self.mapped(exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def mapped(self, exc: BaseException) -> ConnectorError:
        """The syncd error for a failure that retries did not cure."""
        if isinstance(exc, HttpError) and status_of(exc) == 401:
            return AuthError(f"Google refused the access token; run `syncd auth {self.account}`",
                             account=self.account)
        after = retry_after(exc)
        if after is not None:
            self.deferred = after
        if isinstance(exc, HttpError):
            what = f"Google API: HTTP {status_of(exc)} {reason_of(exc)}".strip()
        else:
            what = _neterr.failed(self.root or "Google API", exc)
        return TransientError(f"{what}; will retry later", account=self.account,
                              retry_after=after)
