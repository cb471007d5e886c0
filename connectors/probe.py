"""One login per account, nothing else: ``syncd check-config --online``.

IMAP logs in; CalDAV finds the principal and lists its calendars; Google and Microsoft refresh
the stored token (a refresh proves the sign-in is still granted). A failure leaves as the
account's usual ``ConnectorError`` (``AuthError``: sign in again or fix the password;
``TransientError``: the server or the network).
"""

from __future__ import annotations

from syncd.auth.secrets import resolve_password
from syncd.config import CaldavAccount, Config, GoogleAccount, ImapAccount, OutlookAccount
from syncd.errors import ConnectorError


def probe(config: Config, name: str) -> str:
    """Try ``name``'s login once; a few words on what worked."""
    account = config.account(name)
    if isinstance(account, ImapAccount | CaldavAccount):
        password = resolve_password(name, account.password_command, account.password_env,
                                    account.password_credential)
        if isinstance(account, ImapAccount):
            from connectors.imap import ImapSource

            source = ImapSource(account, password)
            try:
                source.login()
            finally:
                source.close()
            return f"logged in as {account.username}"
        from connectors._dav import Dav

        dav = Dav(account.url, account.username, password, timeout=account.timeout,
                  account=name)
        try:
            found = dav.calendars()
        finally:
            dav.close()
        return f"logged in; {len(found)} calendar(s)"
    if isinstance(account, GoogleAccount):
        from connectors import _google_token as tokens

        path = tokens.token_path(name)
        credentials = tokens.load(name, path)
        tokens.ensure_fresh(name, credentials, path, force=True)
        return "token refreshed"
    if isinstance(account, OutlookAccount):
        from connectors._graph_auth import GraphTokens

        graph = GraphTokens(account)
        try:
            graph.token(force_refresh=True)
        finally:
            graph.close()
        return "token refreshed"
    raise ConnectorError(f"no login check for {account.type} accounts", account=name)
