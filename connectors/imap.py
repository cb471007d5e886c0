"""IMAP source: message metadata from INBOX and Sent (or the configured folders), by header fetch.

Per folder (reference/sync_engines.md section 1.5): a cheap ``STATUS`` decides whether there
is anything new; then ``EXAMINE``, ``UID SEARCH UID last+1:*`` and ``UID FETCH`` of
``BODY.PEEK[HEADER.FIELDS (...)]`` + ``INTERNALDATE`` in explicit UID chunks; one ``Page`` per
chunk, whose cursor resumes right after it (``connectors/_imap_cursor.py`` has the format).
A first sync of a folder, or a UIDVALIDITY change, is a full listing (``Page.listing``) so the
store can sweep the stale locations; messages merge by Message-ID there, so nothing doubles.

Errors: login refused -> ``AuthError``; network trouble or a server refusing a command ->
``TransientError`` (the cursor of the last page stays valid); an unusable header block ->
quarantined by native id, the cursor still advances; an unreadable cursor -> ``CursorExpired``.
The password never appears in a message.
"""

from __future__ import annotations

import imaplib
import logging
import secrets
import selectors
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from datetime import date
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from imapclient.imapclient import SENT, SocketTimeout

from connectors import _imap_cursor as cur
from connectors import _imap_fetch, _imap_parse, _neterr
from connectors._imap_judged import Judged
from connectors._imap_parse import HEADER_FIELDS, parse_fetch_entry
from connectors._imap_preview import parsed_signals
from syncd.config import ImapAccount
from syncd.errors import (
    AuthError,
    ConfigError,
    CursorExpired,
    Problem,
    ProtocolError,
    TransientError,
)
from syncd.model import Message, Page, with_signals
from syncd.net import is_loopback

log = logging.getLogger(__name__)
# imapclient traces the whole IMAP conversation at DEBUG, message text included (the preview
# fetch): never let `--debug` write it to a log (DESIGN.md section 10).
logging.getLogger("imapclient.imaplib").setLevel(logging.INFO)

_HEADER_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS).upper()})]"
_GMAIL_ITEMS = ["X-GM-MSGID", "X-GM-THRID", "X-GM-LABELS"]
_IDLE_RENEW = 540.0  # re-issue IDLE well inside the 10 minutes NAT boxes tolerate
_CHANGES = frozenset({b"EXISTS", b"EXPUNGE", b"RECENT", b"FETCH"})


class ImapSource:
    """``Source`` over one IMAP account (DESIGN.md section 7).

    One connection is kept between pulls; after ``stale_after`` seconds unused it is checked
    with a NOOP first and replaced if the server (or a NAT box) has dropped it meanwhile.
    """

    stale_after = 60.0

    def __init__(self, account: ImapAccount, password: str, *, chunk: int = 2000,
                 connect_timeout: float | None = None, preview: bool = False) -> None:
        if account.security == "none" and not is_loopback(account.host):
            raise ConfigError([Problem(
                f"accounts.{account.name}.security",
                "plaintext IMAP is allowed only to a loopback host",
                'use security = "tls" (port 993) or "starttls" (port 143)')])
        if chunk < 1:
            raise ValueError("chunk must be at least 1")
        self.name = account.name
        self.account = account
        self.chunk = chunk
        self.preview = preview  # read the start of the text for the text signals
        self._password = password
        self._timeout = SocketTimeout(connect_timeout or account.timeout, account.timeout)
        self._client: IMAPClient | None = None
        self._used = 0.0
        self._idle_mark: tuple[object, ...] | None = None  # INBOX after a quiet IDLE
        self._judged = Judged()  # each text judged once a pull, in whatever folders it sits

    # -- Source --------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            state = cur.loads(cursor)
        except (ValueError, TypeError) as exc:
            raise CursorExpired(f"unreadable IMAP cursor ({exc}); starting over",
                                account=self.name) from None
        with self._errors(), closing(self._judged):  # forgotten at the end of each pull
            client = self._connect()
            for folder, labels in self._folders(client, state):
                yield from self._pull_folder(client, folder, labels, state)

    def login(self) -> None:
        """Connect and log in, nothing more (``syncd check-config --online``)."""
        with self._errors():
            self._connect()

    def close(self) -> None:
        _imap_parse.forget()  # the address lists remembered while parsing
        client, self._client = self._client, None
        if client is not None:
            with suppress(OSError, imaplib.IMAP4.error):
                client.logout()

    def wait_for_change(self, timeout: float) -> bool:
        """Block until INBOX changes (IDLE) or ``timeout`` passes; True if something changed,
        also between two calls (INBOX's UIDVALIDITY, UIDNEXT, EXISTS against the last quiet
        call's). Without IDLE on the server this just sleeps and returns True (poll now)."""
        with self._errors():
            client = self._connect()
            if not client.has_capability("IDLE"):
                time.sleep(timeout)
                return True
            state = client.select_folder("INBOX", readonly=True)
            mark = (state.get(b"UIDVALIDITY"), state.get(b"UIDNEXT"), state.get(b"EXISTS"))
            seen, self._idle_mark = self._idle_mark, None  # only a quiet IDLE vouches for one
            deadline = time.monotonic() + timeout
            try:
                if seen is not None and mark != seen:
                    self._idle_mark = mark  # came between two IDLE commands; compare anew next
                    return True
                while (remaining := deadline - time.monotonic()) > 0:
                    client.idle()
                    _wait_readable(client.socket(), min(remaining, _IDLE_RENEW))
                    # DONE, then a blocking read: idle_check can split a line (seen with pymap)
                    _, replies = client.idle_done()
                    if any(len(r) > 1 and r[1] in _CHANGES for r in replies):
                        return True
                self._idle_mark = mark  # quiet throughout: INBOX is still as selected
                return False
            finally:
                if client.has_capability("UNSELECT"):  # else stay selected: harmless, read-only
                    client.unselect_folder()

    # -- one folder ----------------------------------------------------------------------------

    def _pull_folder(self, client: IMAPClient, folder: str, labels: tuple[str, ...],
                     state: cur.CursorState) -> Iterator[Page]:
        condstore = client.has_capability("CONDSTORE")
        what = [b"UIDVALIDITY", b"UIDNEXT"] + ([b"HIGHESTMODSEQ"] if condstore else [])
        try:
            status = client.folder_status(folder, what)
        except imaplib.IMAP4.error:
            if client.folder_exists(folder):
                raise
            log.warning("%s: folder %r does not exist on the server; skipped", self.name, folder)
            if folder == state.sent:
                state.sent_known = False  # renamed? look for \Sent again next time
            return
        validity, uidnext = int(status.get(b"UIDVALIDITY", 0)), int(status.get(b"UIDNEXT", 0))
        modseq = _opt_int(status.get(b"HIGHESTMODSEQ"))
        known = state.folders.get(folder)
        if known and known.uidvalidity == validity and known.uidnext == uidnext != 0 \
                and known.listing is None:
            return  # nothing new: this STATUS was the whole cost
        selected = client.select_folder(folder, readonly=True)
        validity = int(selected.get(b"UIDVALIDITY", validity))
        uidnext = int(selected.get(b"UIDNEXT", uidnext))
        if known is None or known.uidvalidity != validity:
            if known is not None:
                log.info("%s: UIDVALIDITY of %r changed; listing it again", self.name, folder)
            known = cur.FolderState(validity, 0, 0, None, secrets.token_hex(8))
        listing = known.listing
        criteria: list[Any] = ["UID", f"{known.last_uid + 1}:*"]
        if self.account.since:
            criteria += ["SINCE", date.fromisoformat(self.account.since)]
        uids = sorted(u for u in client.search(criteria) if u > known.last_uid)
        chunks = cur.uid_chunks(uids, self.chunk) or [[]]
        for number, part in enumerate(chunks, start=1):
            items, quarantined = self._fetch(client, folder, validity, part, labels)
            last = number == len(chunks)
            known = cur.FolderState(
                validity, part[-1] if part else known.last_uid,
                uidnext if last else known.uidnext,
                modseq if last else known.highestmodseq,
                None if last else listing)
            state.folders[folder] = known
            yield Page(tuple(items), state.dumps(), scope=folder, listing=listing,
                       listing_complete=last and listing is not None,
                       quarantined=tuple(quarantined))

    def _fetch(self, client: IMAPClient, folder: str, validity: int, uids: list[int],
               labels: tuple[str, ...]) -> tuple[list[Message], list[str]]:
        if not uids:
            return [], []
        gmail = client.has_capability("X-GM-EXT-1")
        data = [_HEADER_ITEM, "INTERNALDATE"] + (_GMAIL_ITEMS if gmail else [])
        response = _imap_fetch.fetch(
            client, uids, data + (["BODYSTRUCTURE"] if self.preview else []))
        parsed: dict[int, Message] = {}
        quarantined: list[str] = []
        for uid in uids:
            entry = response.get(uid)
            if entry is None:
                continue  # expunged between SEARCH and FETCH
            native_id = f"{folder}/{validity}/{uid}"
            try:
                parsed[uid] = parse_fetch_entry(entry, account=self.name, native_id=native_id,
                                                labels=labels, scope=folder)
            except ProtocolError as exc:
                log.warning("%s: quarantined %s: %s", self.name, native_id, exc)
                quarantined.append(native_id)
        if not self.preview:
            return list(parsed.values()), quarantined
        flags = parsed_signals(lambda some, items: _imap_fetch.fetch(client, some, items),
                               response, parsed, self._judged)
        items = [with_signals(m, flags[uid]) if uid in flags else m
                 for uid, m in parsed.items()]
        return items, quarantined

    # -- connection ----------------------------------------------------------------------------

    def _folders(self, client: IMAPClient,
                 state: cur.CursorState) -> list[tuple[str, tuple[str, ...]]]:
        if not state.sent_known:
            found = client.find_special_folder(SENT)
            state.sent, state.sent_known = (str(found) if found else None), True
        names = list(self.account.folders) or ["INBOX"] + (
            [state.sent] if state.sent and state.sent.upper() != "INBOX" else [])
        return [(name, _role(name, state.sent)) for name in names]

    def _connect(self) -> IMAPClient:
        if self._client is not None:
            if time.monotonic() - self._used < self.stale_after:
                return self._client
            try:
                self._client.noop()
                return self._client
            except (OSError, imaplib.IMAP4.error):
                self._drop()  # dropped while we were away: connect again
        account = self.account
        context = ssl.create_default_context()
        tls = account.security == "tls"
        port = account.port or (993 if tls else 143)
        client = IMAPClient(account.host, port, ssl=tls, ssl_context=context if tls else None,
                            timeout=self._timeout)
        try:
            if account.security == "starttls":
                client.starttls(context)
            client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.login(account.username, self._password)
        except LoginError as exc:
            _shutdown(client)
            broken = exc.__context__
            if isinstance(broken, imaplib.IMAP4.abort):  # the line broke, not the login
                raise broken from None
            raise AuthError(
                f"the IMAP server refused the login for {account.username!r} ({_text(exc)}); "
                "check username and password_command / password_env in the config",
                account=self.name) from None
        except BaseException:
            _shutdown(client)
            raise
        client.normalise_times = False  # aware INTERNALDATEs, converted to UTC by the parser
        # imapclient turns imaplib's trace on (level 5) and only its logger drops the lines:
        # imaplib would still format every line of every answer (headers, preview text) first.
        client._imap.debug = 0  # its trace is never logged (above): don't build it either
        self._client, self._used = client, time.monotonic()
        return client

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Network and server trouble -> TransientError (and a fresh connection next time)."""
        where = f"{self.account.host}:{self.account.port or ''}".rstrip(":")
        try:
            yield
            self._used = time.monotonic()
        except (AuthError, CursorExpired, ConfigError):
            raise
        except ssl.SSLCertVerificationError as exc:
            self._drop()
            raise TransientError(
                f"the TLS certificate of {where} could not be verified ({exc.verify_message}); "
                "a private CA can be trusted with SSL_CERT_FILE", account=self.name) from None
        except (OSError, imaplib.IMAP4.abort) as exc:
            self._drop()
            why = _neterr.reason(exc) if isinstance(exc, OSError) else _neterr.reason(
                type(exc)(_text(exc)))
            raise TransientError(f"connection to {where} failed: {why}",
                                 account=self.name) from None
        except imaplib.IMAP4.error as exc:
            self._drop()
            raise TransientError(f"the IMAP server {where} refused a command: {_text(exc)}",
                                 account=self.name) from None

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shutdown(client)


def _shutdown(client: IMAPClient) -> None:
    with suppress(OSError, imaplib.IMAP4.error):
        client.shutdown()


def _wait_readable(sock: socket.socket, timeout: float) -> None:
    """Until the server sends something (or ``timeout``); data already decrypted counts too."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        selector.select(timeout)


def _role(folder: str, sent: str | None) -> tuple[str, ...]:
    if folder.upper() == "INBOX":
        return ("\\Inbox",)
    return ("\\Sent",) if folder == sent else ()


def _opt_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _text(exc: BaseException) -> str:
    text = " ".join(str(a.decode("utf-8", "replace") if isinstance(a, bytes) else a)
                    for a in exc.args)
    return text.strip() or type(exc).__name__
