"""Microsoft sign-in state for one Outlook account: the msal app and its persistent cache.

The token cache is an msal serialized cache (a format other tools read) at
``$XDG_STATE_HOME/syncd/tokens/<account>.msal.json``: 0600 in a 0700 directory, kept by
msal-extensions under a file lock, so ``syncd auth`` and a running cycle never clobber each
other's refresh tokens (Microsoft rotates them). ``syncd auth NAME`` fills it with the
device-code flow (``syncd/auth/outlook.py``); connectors only call ``GraphTokens.token``, which
is ``acquire_token_silent`` and never prompts.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import msal
import msal.exceptions
import requests
from msal_extensions import FilePersistence, PersistedTokenCache

from connectors import _neterr
from syncd.config import OutlookAccount, default_state_dir
from syncd.errors import AuthError, TransientError
from syncd.files import write_private

log = logging.getLogger(__name__)

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
# Microsoft's own clouds: msal may ask login.microsoftonline.com to vouch for these.
MICROSOFT_HOSTS = frozenset({
    "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
    "login.microsoftonline.de", "login.windows.net", "login.microsoft.com",
})
# The user has to come back (consent gone, password changed, refresh token expired).
PERMANENT = frozenset({"invalid_grant", "interaction_required", "consent_required",
                       "login_required", "invalid_client", "unauthorized_client"})


def scopes(account: OutlookAccount) -> list[str]:
    """Delegated permissions; msal adds offline_access (and openid, profile) by itself."""
    return [account.mail_permission, "Calendars.ReadWrite"] + (
        ["Contacts.Read"] if account.contacts else [])


def token_path(name: str) -> Path:
    return default_state_dir() / "tokens" / f"{name}.msal.json"


def open_cache(path: Path) -> PersistedTokenCache:
    """The account's persistent cache (file created 0600 on first save; directory 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)
    return PersistedTokenCache(AtomicFilePersistence(str(path)))


class AtomicFilePersistence(FilePersistence):  # type: ignore[misc]  # msal_extensions is untyped
    """msal-extensions' file persistence truncates the cache, then writes it: a process killed
    in between loses the sign-in. Write a new 0600 file beside it and rename it into place."""

    def save(self, content: str) -> None:
        write_private(Path(self.get_location()), content)


def build_app(account: OutlookAccount, cache: PersistedTokenCache,
              http: requests.Session) -> msal.PublicClientApplication:
    base = account.authority or DEFAULT_AUTHORITY
    microsoft = (urlsplit(base).hostname or "") in MICROSOFT_HOSTS
    try:
        return msal.PublicClientApplication(
            account.client_id, authority=f"{base}/{account.tenant}", token_cache=cache,
            instance_discovery=None if microsoft else False, timeout=account.timeout,
            http_client=http)
    except requests.RequestException as exc:
        raise TransientError(f"cannot reach the sign-in service: {_neterr.failed(base, exc)}",
                             account=account.name) from None
    except ValueError as exc:
        raise AuthError(f"the sign-in service at {base} refused tenant {account.tenant!r} "
                        f"({exc}); check tenant and authority in the config",
                        account=account.name) from None


class GraphTokens:
    """Access tokens for one account, silently, from the cache (refreshing when needed)."""

    def __init__(self, account: OutlookAccount) -> None:
        self._account = account
        self._app: msal.PublicClientApplication | None = None
        self._http = requests.Session()

    def close(self) -> None:
        self._http.close()

    def token(self, *, force_refresh: bool = False) -> str:
        name = self._account.name
        again = f"run `syncd auth {name}` to sign in again"
        if self._app is None:
            self._app = build_app(self._account, open_cache(token_path(name)), self._http)
        try:
            accounts = self._app.get_accounts()
            if not accounts:
                raise AuthError(f"not signed in to Microsoft yet; run `syncd auth {name}`",
                                account=name)
            result = self._app.acquire_token_silent_with_error(
                scopes(self._account), accounts[0], force_refresh=force_refresh)
        except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
            where = self._account.authority or DEFAULT_AUTHORITY
            said = _neterr.failed(where, exc) if _neterr.is_network(exc) else _reason(exc)
            raise TransientError(f"cannot refresh the Microsoft token: {said}",
                                 account=name) from None
        if result is None:
            raise AuthError(f"the Microsoft sign-in has expired; {again}", account=name)
        if "access_token" in result:
            return str(result["access_token"])
        error = str(result.get("error", "unknown_error"))
        text = str(result.get("error_description", "")).splitlines()[0:1]
        detail = f"{error}: {text[0]}" if text else error
        if error in PERMANENT:
            raise AuthError(f"Microsoft refused the refresh ({detail}); {again}", account=name)
        raise TransientError(f"refreshing the Microsoft token failed ({detail}); will retry",
                             account=name)


def _reason(exc: BaseException) -> str:
    return type(exc).__name__ if not str(exc) else str(exc).splitlines()[0][:200]
