"""Google OAuth tokens on disk: google-auth's authorized-user JSON, private to the user.

``$XDG_STATE_HOME/syncd/tokens/<account>.json`` holds what ``Credentials.to_json()`` writes
(token, refresh_token, token_uri, client_id, client_secret, scopes, expiry), so other tools can
read it. The file is 0600 in a 0700 directory and replaced atomically (temp file, fsync,
rename). The browser flow that first writes it lives in ``syncd/auth/google.py``; connectors only
load, refresh ahead of expiry and save here. ``invalid_grant`` is permanent: ``AuthError``
naming ``syncd auth NAME``; a refresh that fails for any other reason is transient.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import google.auth.exceptions
import requests
from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials

from connectors import _neterr
from syncd.config import default_state_dir
from syncd.errors import AuthError, TransientError
from syncd.files import write_private

log = logging.getLogger(__name__)

# Gmail: what each scope lets syncd read (README "Gmail message text" has the long version).
# Sources: the users.messages.get reference and its Format enum (developers.google.com/workspace/
# gmail/api/reference/rest/v1/users.messages/get, .../Format): format=metadata "Returns only email
# message ID, labels, and email headers"; full and raw "cannot be used ... using the gmail.metadata
# scope". The scope guide (developers.google.com/workspace/gmail/api/auth/scopes): gmail.metadata
# reads "labels, history records, and email message headers, but not the message body". The
# Message resource: snippet is "A short part of the message text". So gmail.metadata (consent
# text: "View your email message metadata such as labels and headers, but not the email body")
# is taken to give no snippet, and an opted-in account asks gmail.readonly ("View your email
# messages and settings"). snippet is a top-level Message field (format shapes only payload), so
# the same batched messages.get format=metadata asks for it: no extra round trip; when none comes
# the message simply has no flags. gmail.readonly is asked alone: a token that also holds
# gmail.metadata is reported to get the metadata restrictions on every request.
GMAIL_METADATA = "https://www.googleapis.com/auth/gmail.metadata"
GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_SCOPES = (GMAIL_METADATA,)
GMAIL_TEXT_SCOPES = (GMAIL_READONLY,)
_READS_TEXT = frozenset({GMAIL_READONLY, "https://www.googleapis.com/auth/gmail.modify",
                         "https://mail.google.com/"})
CALENDAR_SCOPES = (
    "https://www.googleapis.com/auth/calendar.events.owned",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    "https://www.googleapis.com/auth/calendar.app.created",
)
CONTACTS_SCOPES = ("https://www.googleapis.com/auth/contacts.readonly",)
REFRESH_AHEAD = timedelta(minutes=5)
_PERMANENT = ("invalid_grant", "invalid_client", "unauthorized_client")


def scopes_for(account_type: str, *, text: bool = False) -> tuple[str, ...]:
    """The scopes `syncd auth` asks for; ``text``: a Gmail account that opted in to reading
    snippets (``message_text = "preview"`` on the account itself)."""
    if account_type == "google_contacts":
        return CONTACTS_SCOPES
    if account_type == "gmail":
        return GMAIL_TEXT_SCOPES if text else GMAIL_SCOPES
    return CALENDAR_SCOPES


def allows_text(scopes: Iterable[str]) -> bool:
    """Whether a token granted ``scopes`` gets Gmail's ``snippet``."""
    granted = set(scopes)
    return bool(granted & _READS_TEXT) and GMAIL_METADATA not in granted


def stored_scopes(account: str, state_dir: Path | None = None) -> tuple[str, ...] | None:
    """The scopes the stored token of ``account`` was granted; None when there is no usable
    token file (not authorised yet)."""
    try:
        info = json.loads(token_path(account, state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    scopes = info.get("scopes") if isinstance(info, dict) else None
    if isinstance(scopes, str):
        scopes = scopes.split()
    return tuple(str(s) for s in scopes) if isinstance(scopes, list) else ()


def token_path(account: str, state_dir: Path | None = None) -> Path:
    return (state_dir or default_state_dir()) / "tokens" / f"{account}.json"


def grants_text(account: str, state_dir: Path | None = None) -> bool | None:
    """Whether the stored token of Gmail account ``account`` gets snippets; None: no token."""
    scopes = stored_scopes(account, state_dir)
    return None if scopes is None else allows_text(scopes)


def save(credentials: Credentials, path: Path,
         scopes: Iterable[str] | None = None) -> None:
    """Write the token file atomically, 0600 in a 0700 directory. ``scopes``: what Google
    granted, recorded in place of what was asked (the file's ``scopes`` say what the token
    allows; a refresh keeps them)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    text = credentials.to_json()  # type: ignore[no-untyped-call]
    if scopes is not None:
        text = json.dumps({**json.loads(text), "scopes": list(scopes)})
    write_private(path, text)


def load(account: str, path: Path) -> Credentials:
    """The stored credentials; ``AuthError`` when there are none (or they are unreadable)."""
    fix = f"run `syncd auth {account}`"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        credentials: Credentials = Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
            info)
        if isinstance(info.get("token_uri"), str):  # google-auth ignores it; tests and proxies
            expiry = credentials.expiry
            credentials = credentials.with_token_uri(info["token_uri"])
            credentials.expiry = expiry  # with_token_uri drops it
    except FileNotFoundError:
        raise AuthError(f"not authorised yet; {fix}", account=account) from None
    except (OSError, ValueError) as exc:
        raise AuthError(f"the token file {path} is unusable ({exc}); {fix}",
                        account=account) from None
    return credentials


def refresh_error(account: str, exc: Exception,
                  token_uri: str = "") -> AuthError | TransientError:
    """``invalid_grant`` (revoked, expired, Testing-mode 7 days) parks the account."""
    if isinstance(exc, google.auth.exceptions.TransportError) or _neterr.is_network(exc):
        where = token_uri or "the Google token service"
        return TransientError(f"could not refresh the Google token: "
                              f"{_neterr.failed(where, exc)}", account=account)
    text = str(exc)
    if any(word in text for word in _PERMANENT):
        return AuthError(f"Google refused the stored authorisation ({text.split(':')[0]}); "
                         f"run `syncd auth {account}` again", account=account)
    return TransientError(f"could not refresh the Google token: {text}", account=account)


def ensure_fresh(account: str, credentials: Credentials, path: Path,
                 now: datetime | None = None, *, force: bool = False) -> None:
    """Refresh when the access token expires within ``REFRESH_AHEAD`` (or is missing, or
    ``force``); save."""
    now = now or datetime.now(UTC)
    expiry = credentials.expiry  # naive UTC in google-auth
    if not force and credentials.token and expiry is not None and \
            expiry.replace(tzinfo=UTC) - REFRESH_AHEAD > now:
        return
    if not credentials.refresh_token:
        raise AuthError(f"the token has no refresh token; run `syncd auth {account}`",
                        account=account)
    try:
        with requests.Session() as session:
            credentials.refresh(Request(session))  # type: ignore[no-untyped-call]
    except (google.auth.exceptions.RefreshError, google.auth.exceptions.TransportError) as exc:
        raise refresh_error(account, exc, str(credentials.token_uri or "")) from None
    save(credentials, path)
    log.info("%s: refreshed the Google access token", account)
