"""What a Gmail or Calendar connector holds for one account: credentials, service, budget.

Tokens are loaded on first use (never when the source is built), refreshed ahead of expiry and
saved back when they changed; the quota budget is loaded from, and saved to,
``<state>/google/<account>.quota.json``. A Retry-After too long to wait out is remembered there
as "not before": until then a pull fails fast with ``TransientError`` instead of asking again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from googleapiclient.errors import HttpError

from connectors import _google_token as tokens
from connectors._google_http import (
    Caller,
    Policy,
    build_service,
    reason_of,
    root_url,
    status_of,
)
from connectors._quota import Budget
from syncd.config import GoogleAccount, default_state_dir
from syncd.errors import AuthError, ConnectorError, CursorExpired, TransientError


class Session:
    def __init__(self, account: GoogleAccount, api: str, *, state_dir: Path | None = None,
                 policy: Policy | None = None, clock: Callable[[], float] = time.time) -> None:
        self.account = account
        self.api = api
        self.state_dir = state_dir or default_state_dir()
        self.policy = policy or Policy()
        self.clock = clock
        self.token_file = tokens.token_path(account.name, self.state_dir)
        self.quota_file = self.state_dir / "google" / f"{account.name}.quota.json"
        self.budget = Budget.load(self.quota_file, account.quota_per_minute, clock,
                                  self.policy.sleep)
        self.caller = Caller(account.name, self.policy, self.budget.acquire,
                             root=root_url(api, account.api_endpoint))
        self._service: Any = None
        self._credentials: Any = None
        self._saved_token: str | None = None

    @property
    def name(self) -> str:
        return self.account.name

    def service(self) -> Any:
        """The API client, with fresh credentials (``AuthError`` when there are none)."""
        wait = self.budget.not_before - self.clock()
        if wait > 0:
            raise TransientError(f"Google asked us to wait; trying again in {wait:.0f} s",
                                 account=self.name, retry_after=wait)
        if self._credentials is None:
            self._credentials = tokens.load(self.name, self.token_file)
        tokens.ensure_fresh(self.name, self._credentials, self.token_file)
        self._saved_token = self._credentials.token
        if self._service is None:
            self._service = build_service(self.api, self._credentials, self.account.api_endpoint,
                                          self.account.timeout)
        return self._service

    def scopes(self) -> tuple[str, ...]:
        """The scopes the stored token was granted (after ``service()``)."""
        return tuple(getattr(self._credentials, "scopes", None) or ())

    def finish(self) -> None:
        """Save what changed: a token refreshed on a 401, the budget, a deferral."""
        credentials = self._credentials
        if credentials is not None and credentials.token != self._saved_token:
            tokens.save(credentials, self.token_file)
            self._saved_token = credentials.token
        if self.caller.deferred is not None:
            self.budget.not_before = self.clock() + self.caller.deferred
            self.caller.deferred = None
        self.budget.save(self.quota_file)

    def close(self) -> None:
        """Close the HTTP connections (a new one opens on the next request)."""
        service = self._service
        if service is not None:
            service.close()

    def error(self, exc: HttpError) -> ConnectorError:
        """An ``HttpError`` the connector did not expect, as a syncd error."""
        status, reason = status_of(exc), reason_of(exc)
        if status in (401, 403) and reason in ("insufficientPermissions", "forbidden",
                                               "authError", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"):
            return AuthError(f"Google refused access ({reason}); run `syncd auth {self.name}`",
                             account=self.name)
        return ConnectorError(f"Google API answered HTTP {status} {reason}".strip(),
                              account=self.name)


def read_cursor(cursor: str | None, what: str, account: str) -> dict[str, Any]:
    """A Google connector's JSON cursor (version 1); ``{}`` for none. An unreadable one is
    ``CursorExpired``: one bounded full resync, never a crash."""
    try:
        state = json.loads(cursor) if cursor else {}
        if not isinstance(state, dict) or state.get("v", 1) != 1:
            raise ValueError(f"not a {what} cursor")
    except ValueError as exc:
        raise CursorExpired(f"unreadable {what} cursor ({exc})", account=account) from None
    return state
