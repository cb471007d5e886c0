"""`syncd auth NAME` for gmail and google_calendar accounts: the installed-app OAuth flow.

The user's own OAuth client (a "Desktop app" client JSON from Google Cloud, ``client_secrets``
in the config) and least-privilege scopes (``connectors/_google_token.py`` says which and why):
Gmail asks gmail.metadata, or gmail.readonly alone for an account that opted in to text signals
with its own ``message_text = "preview"``. The token file records the scopes Google granted, which
the Gmail source and ``syncd status`` read to know whether snippets come.
With a browser: google-auth-oauthlib's loopback flow (a one-shot server on 127.0.0.1, a free
port). ``--headless``: the consent URL is printed; the user opens it anywhere, approves, and
pastes back the address the browser was sent to (``http://127.0.0.1:PORT/?code=...``; the page
itself fails to load, which is expected). The token is saved 0600 in a 0700 directory, atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from google_auth_oauthlib.flow import InstalledAppFlow

from connectors import _google_token as tokens
from syncd.errors import AuthError, ConfigError, Problem

if TYPE_CHECKING:
    from rich.console import Console

    from syncd.config import GoogleAccount

HEADLESS_PORT = 8765


def run_google_auth(account: GoogleAccount, console: Console, *, headless: bool,
                    state_dir: Path | None = None,
                    read_line: Callable[[str], str] = input) -> int:
    secrets = Path(account.client_secrets).expanduser()
    if not secrets.is_file():
        raise ConfigError([Problem(
            f"accounts.{account.name}.client_secrets", f"no OAuth client file at {secrets}",
            "create a Desktop app client in Google Cloud and download its JSON there "
            "(README: Gmail and Google Calendar)")])
    text = account.reads_text
    scopes = list(tokens.scopes_for(account.type, text=text))
    console.print(f"{account.name}: asking Google for {', '.join(_short(s) for s in scopes)}"
                  + (' (message_text = "preview": the snippet of each message, for the text '
                     'signals; README: Gmail message text)' if text else ""), markup=False)
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(secrets), scopes=scopes)
    except ValueError as exc:
        raise ConfigError([Problem(f"accounts.{account.name}.client_secrets",
                                   f"{secrets} is not an OAuth client file: {exc}",
                                   "download the JSON of a Desktop app client")]) from None
    try:
        _consent(flow, account, console, headless=headless, read_line=read_line)
    finally:
        flow.oauth2session.close()
    credentials = flow.credentials
    if not credentials.refresh_token:
        raise AuthError("Google sent no refresh token; remove syncd's access at "
                        "https://myaccount.google.com/permissions and try again",
                        account=account.name)
    granted = credentials.granted_scopes or scopes  # what the consent screen allowed
    granted = tuple(granted.split() if isinstance(granted, str) else granted)
    path = tokens.token_path(account.name, state_dir)
    tokens.save(credentials, path, scopes=granted)
    console.print(f"{account.name}: authorised; token saved to {path}", markup=False)
    if text and not tokens.allows_text(granted):
        console.print(f"{account.name}: Google granted {', '.join(map(_short, granted))} "
                      "only, which gives no message text: the headers decide what asks",
                      markup=False)
    return 0


def _short(scope: str) -> str:
    return scope.removeprefix("https://www.googleapis.com/auth/")


def _consent(flow: InstalledAppFlow, account: GoogleAccount, console: Console, *,
             headless: bool, read_line: Callable[[str], str]) -> None:
    if headless:
        flow.redirect_uri = f"http://127.0.0.1:{HEADLESS_PORT}/"
        url, _state = flow.authorization_url(access_type="offline", prompt="consent")
        console.print("Open this address in a browser on any machine, sign in and approve:",
                      markup=False)
        console.print(url, markup=False, soft_wrap=True)
        console.print("The browser then goes to http://127.0.0.1:... and shows an error page; "
                      "copy that page's full address from the address bar and paste it here.",
                      markup=False)
        pasted = read_line("address: ").strip()
        if "code=" not in pasted:
            raise AuthError("that address holds no authorisation code; run "
                            f"`syncd auth {account.name} --headless` again", account=account.name)
        try:  # oauthlib insists on https; the loopback redirect is http by design
            flow.fetch_token(authorization_response=pasted.replace("http://", "https://", 1))
        except Exception as exc:  # noqa: BLE001 - oauthlib raises many types; one clear line
            raise AuthError(f"Google refused the code ({exc}); run `syncd auth "
                            f"{account.name} --headless` again", account=account.name) from None
    else:
        flow.run_local_server(
            host="127.0.0.1", port=0, open_browser=True, access_type="offline",
            prompt="consent",
            authorization_prompt_message="If no browser opened, visit this address: {url}",
            success_message="syncd is authorised; you can close this tab.")
