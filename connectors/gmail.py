"""Gmail source: message metadata over the Gmail API (DESIGN.md section 7).

Full sync (no cursor, or after ``CursorExpired``): note the mailbox historyId first
(users.getProfile), then messages.list 500 ids a page, and for each page batched
messages.get ``format=metadata`` with ``metadataHeaders`` = exactly the headers the rules read.
Each list page becomes one ``Page`` whose cursor resumes at the next list page (a checkpoint per
page); pages carry a listing token and the last one ``listing_complete`` (upsert, then sweep).
Then an incremental pull from the noted historyId catches what changed during the listing.

Incremental: history.list from the stored historyId over all its pages, collapsed per message;
new and meaningfully relabelled messages are fetched, deleted ones (and spam, trash, drafts)
removed. A 404 (historyId too old) is ``CursorExpired``: the engine runs one full resync.

Text signals (``preview``: the account opted in with ``message_text = "preview"``): the same
messages.get also asks for ``snippet`` when the stored token was granted gmail.readonly; the
snippet is judged in memory (``_gmail_parse.parse_message``) and dropped, only flags are kept.
A token granted gmail.metadata alone gives no snippet: the source falls back to headers and logs
it once per process (``syncd status`` and ``check-config`` say it too, with the fix: ``syncd auth
NAME``).

Batches hold at most 50 requests and no more than the quota burst allows; a batch with failed
parts (429, 403 rate limits, 5xx) shrinks by half, only the failed parts are retried after a
backoff, and it grows back after successes. A part answered 404 was deleted meanwhile.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from googleapiclient.errors import HttpError

from connectors._gmail_parse import (
    METADATA_HEADERS,
    SCOPE,
    Cursor,
    collapse,
    get_fields,
    is_gone,
    parse_message,
)
from connectors._google_http import Policy, new_batch, retry_after, retryable, status_of
from connectors._google_session import Session
from connectors._google_token import allows_text
from syncd.config import GoogleAccount
from syncd.errors import AuthError, CursorExpired, ProtocolError
from syncd.model import Message, Page

log = logging.getLogger(__name__)
HISTORY_TYPES = ["messageAdded", "messageDeleted", "labelAdded", "labelRemoved"]
LIST_PAGE = 500
BATCH_MAX = 50
_TOLD: set[str] = set()  # accounts whose text fallback was logged (once per process)


class GmailSource:
    """``Source`` over one Gmail mailbox."""

    def __init__(self, account: GoogleAccount, *, state_dir: Path | None = None,
                 policy: Policy | None = None, clock: Callable[[], float] | None = None,
                 list_page: int = LIST_PAGE, preview: bool = False) -> None:
        self.name = account.name
        self.preview = preview  # asked for; whether the token allows it is known on first use
        self._reads_text: bool | None = None
        self.account = account
        extra = {"clock": clock} if clock is not None else {}
        self.session = Session(account, "gmail", state_dir=state_dir, policy=policy, **extra)
        per_burst = self.session.budget.capacity // max(account.quota_messages_get, 1)
        self.batch_cap = int(max(1, min(BATCH_MAX, per_burst)))
        self.batch_size = self.batch_cap
        self.list_page = list_page
        self._good = 0

    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            state = Cursor.loads(cursor)
        except (ValueError, TypeError) as exc:
            raise CursorExpired(f"unreadable Gmail cursor ({exc}); starting over",
                                account=self.name) from None
        try:
            if state.history:
                yield from self._incremental(state.history)
            else:
                yield from self._full(state)
        except HttpError as exc:
            raise self.session.error(exc) from None
        finally:
            self.session.finish()

    def close(self) -> None:
        self.session.close()

    def reads_text(self) -> bool:
        """Whether this pull judges snippets: asked for, and allowed by the token's scopes."""
        if self._reads_text is None:
            self.session.service()  # loads the token
            allowed = allows_text(self.session.scopes())
            if self.preview and not allowed and self.name not in _TOLD:
                _TOLD.add(self.name)
                log.warning("%s: message_text = \"preview\" but the stored token allows only "
                            "gmail.metadata, which gives no snippet; the headers decide. Run "
                            "`syncd auth %s` to grant gmail.readonly", self.name, self.name)
            self._reads_text = self.preview and allowed
        return self._reads_text

    # -- full --------------------------------------------------------------------------------

    def _full(self, state: Cursor) -> Iterator[Page]:
        users = self.session.service().users()
        if state.listing is None or state.start is None:
            profile = self.session.caller.call(users.getProfile(userId="me").execute, 1)
            state = Cursor(start=str(profile["historyId"]), listing=uuid.uuid4().hex)
        start, listing = state.start, state.listing
        assert start is not None
        since = _since(self.account.since)
        token = state.page_token
        while True:
            request = users.messages().list(userId="me", maxResults=self.list_page,
                                            pageToken=token,
                                            fields="messages(id,threadId),nextPageToken")
            answer = self.session.caller.call(request.execute, self.account.quota_messages_list)
            ids = [str(m["id"]) for m in answer.get("messages") or ()]
            items, quarantined, _gone = self._fetch(ids)
            older = since is not None and bool(items) and all(m.date < since for m in items)
            if since is not None:
                items = [m for m in items if m.date >= since]
            token = answer.get("nextPageToken")
            last = not token or older  # newest first: a page all before `since` ends it
            after = Cursor(history=start) if last else Cursor(start=start, listing=listing,
                                                               page_token=token)
            yield Page(tuple(items), after.dumps(), scope=SCOPE, listing=listing,
                       listing_complete=last, quarantined=tuple(quarantined))
            if last:
                break
        yield from self._incremental(start)

    # -- incremental -------------------------------------------------------------------------

    def _incremental(self, history: str) -> Iterator[Page]:
        users = self.session.service().users()
        records: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            request = users.history().list(userId="me", startHistoryId=history,
                                           historyTypes=HISTORY_TYPES, maxResults=500,
                                           pageToken=token)
            try:
                answer = self.session.caller.call(request.execute,
                                                  self.account.quota_history_list)
            except HttpError as exc:
                if status_of(exc) == 404:
                    raise CursorExpired("the stored Gmail historyId is too old",
                                        account=self.name) from None
                raise
            records += answer.get("history") or ()
            token = answer.get("nextPageToken")
            if not token:
                newest = str(answer.get("historyId") or history)
                break
        changes = collapse(records)
        if not changes.fetch and not changes.removed:
            if newest != history:
                yield Page((), Cursor(history=newest).dumps(), scope=SCOPE)
            return
        chunks = [changes.fetch[i:i + LIST_PAGE] for i in range(0, len(changes.fetch), LIST_PAGE)]
        for n, chunk in enumerate(chunks or [()]):
            items, quarantined, gone = self._fetch(list(chunk))
            last = n == max(len(chunks), 1) - 1
            removed = (changes.removed if n == 0 else ()) + tuple(gone)
            cursor = Cursor(history=newest if last else history).dumps()
            yield Page(tuple(items), cursor, removed=removed, scope=SCOPE,
                       quarantined=tuple(quarantined))

    # -- batched metadata --------------------------------------------------------------------

    def _fetch(self, ids: list[str]) -> tuple[list[Message], list[str], list[str]]:
        """Metadata for ``ids``: messages (in order), quarantined ids, ids that are gone."""
        found: dict[str, Message] = {}
        quarantined: list[str] = []
        gone: list[str] = []
        tries: dict[str, int] = {}
        pending = list(ids)
        failures = 0
        while pending:
            chunk, pending = pending[:self.batch_size], pending[self.batch_size:]
            answers = self._batch(chunk)
            failed: list[str] = []
            errors: list[HttpError] = []
            for mid in chunk:
                answer = answers.get(mid)
                if isinstance(answer, dict):
                    try:
                        message = parse_message(answer, account=self.name,
                                                preview=self.reads_text())
                    except ProtocolError as exc:
                        log.warning("%s: quarantined %s: %s", self.name, mid, exc)
                        quarantined.append(mid)
                        continue
                    if is_gone(message.labels):
                        gone.append(mid)
                    else:
                        found[mid] = message
                elif isinstance(answer, HttpError) and status_of(answer) == 404:
                    gone.append(mid)  # deleted between list and get
                elif isinstance(answer, HttpError) and status_of(answer) == 401:
                    raise AuthError(f"Google refused the token; run `syncd auth {self.name}`",
                                    account=self.name)
                elif isinstance(answer, HttpError) and not retryable(answer):
                    log.warning("%s: quarantined %s: %s", self.name, mid, answer)
                    quarantined.append(mid)
                else:
                    failed.append(mid)
                    if isinstance(answer, HttpError):
                        errors.append(answer)
            if not failed:
                self._good += 1
                if self._good >= 2 and self.batch_size < self.batch_cap:
                    self.batch_size = min(self.batch_cap, self.batch_size * 2)
                    self._good = 0
                continue
            self._good, failures = 0, failures + 1
            self.batch_size = max(1, self.batch_size // 2)
            for mid in failed:
                tries[mid] = tries.get(mid, 0) + 1
                if tries[mid] >= self.session.policy.attempts:
                    raise self.session.caller.mapped(errors[0] if errors else ConnectionError(
                        f"no answer for message {mid} in {tries[mid]} batches"))
            pending = failed + pending
            self._backoff(failures, errors)
        return [found[m] for m in ids if m in found], quarantined, gone

    def _batch(self, chunk: list[str]) -> dict[str, Any]:
        messages = self.session.service().users().messages()
        endpoint = self.account.api_endpoint
        fields = get_fields(preview=self.reads_text())

        def run() -> dict[str, Any]:
            answers: dict[str, Any] = {}

            def done(request_id: str, response: Any, exception: Any) -> None:
                answers[request_id] = exception if exception is not None else response

            batch = new_batch("gmail", endpoint, done)
            for mid in chunk:
                batch.add(messages.get(userId="me", id=mid, format="metadata",
                                       metadataHeaders=list(METADATA_HEADERS), fields=fields),
                          request_id=mid)
            batch.execute()
            return answers

        return self.session.caller.call(run, self.account.quota_messages_get * len(chunk))

    def _backoff(self, failures: int, errors: list[HttpError]) -> None:
        policy = self.session.policy
        wait = min(policy.max_wait, policy.base_wait * 2 ** (failures - 1)) * random.random()  # noqa: S311
        wait = max([wait, *(retry_after(e) or 0.0 for e in errors)])
        log.info("%s: %d batch part(s) failed; batch size now %d, waiting %.1f s",
                 self.name, len(errors), self.batch_size, wait)
        policy.sleep(wait)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)
