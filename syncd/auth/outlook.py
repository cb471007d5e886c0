"""`syncd auth NAME` for Outlook accounts: the OAuth 2.0 device-code flow with msal.

Works with no terminal input and no browser on this machine: the code and the URL are printed,
the user signs in anywhere, and msal polls the token endpoint until it is granted (or the code
expires). The tokens land in the account's persistent msal cache
(``connectors/_graph_auth.py``); every later cycle only calls ``acquire_token_silent``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from connectors._graph_auth import build_app, open_cache, scopes, token_path
from syncd.errors import AuthError, TransientError

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from syncd.config import OutlookAccount


def run_outlook_auth(account: OutlookAccount, console: Console) -> int:
    path = token_path(account.name)
    with requests.Session() as http:
        return _flow(account, console, build_app(account, open_cache(path), http), path)


def _flow(account: OutlookAccount, console: Console, app: Any, path: Path) -> int:
    try:
        flow = app.initiate_device_flow(scopes=scopes(account))
        if "user_code" not in flow:
            raise AuthError(f"the sign-in service refused the device-code flow "
                            f"({flow.get('error', '?')}: {flow.get('error_description', '')}); "
                            "check client_id and that public client flows are allowed in the "
                            "app registration", account=account.name)
        console.print(str(flow.get("message") or f"Open {flow['verification_uri']} and enter "
                          f"the code {flow['user_code']}"), markup=False)
        result = app.acquire_token_by_device_flow(flow)
    except requests.RequestException as exc:
        raise TransientError(f"cannot reach the sign-in service: {type(exc).__name__}",
                             account=account.name) from None
    if "access_token" not in result:
        raise AuthError(f"sign-in did not complete ({result.get('error', '?')}: "
                        f"{str(result.get('error_description', '')).splitlines()[0:1]})",
                        account=account.name)
    who = (result.get("id_token_claims") or {}).get("preferred_username") or "your account"
    console.print(f"{account.name}: signed in as {who}; tokens kept in {path}", markup=False)
    return 0
