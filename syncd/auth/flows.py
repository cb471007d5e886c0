"""`syncd auth NAME`: the one place for interactive OAuth flows (DESIGN.md sections 6 and 7).

``run_auth`` dispatches on the account type; each provider's flow lives in its own module
(``syncd/auth/google.py`` for gmail and google_calendar). Connectors never open a browser: they
only load and refresh the token files these flows write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncd.errors import ConfigError, Problem

if TYPE_CHECKING:
    from rich.console import Console

    from syncd.config import Config


def run_auth(config: Config, name: str, console: Console, *, headless: bool) -> int:
    """Run the authorisation flow for account ``name``; return the exit code."""
    try:
        account = config.account(name)
    except KeyError:
        names = ", ".join(a.name for a in config.accounts) or "(no accounts yet)"
        raise ConfigError([Problem("", f"no account named {name!r}",
                                   f"name one of: {names}")]) from None
    if account.type == "outlook":
        from syncd.auth.outlook import run_outlook_auth
        from syncd.config import OutlookAccount

        assert isinstance(account, OutlookAccount)
        return run_outlook_auth(account, console)
    if account.type in ("gmail", "google_calendar", "google_contacts"):
        from syncd.auth.google import run_google_auth
        from syncd.config import GoogleAccount

        assert isinstance(account, GoogleAccount)
        return run_google_auth(account, console, headless=headless)
    raise ConfigError([Problem("", f"{name!r} is a {account.type} account: it has no OAuth "
                                   "flow", "its password comes from password_command or "
                                   "password_env")])
