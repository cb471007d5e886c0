"""A local server that answers the Gmail, Calendar and People wire format (shapes from the discovery
documents in ../shared/data/google-discovery), for tests and benchmarks. Loopback only.

State is plain data tests edit directly ("the user" deletes or moves an event by changing
``calendars``). Faults are scripted with ``fail(match, ...)``: the next requests whose
``"METHOD /path"`` contains ``match`` get that answer (inside a batch too), or, with
``drop=True``, a connection cut half-way through the body; with ``drop=True, process=True``
the request is carried out first (the answer is lost, the change is made).

Scopes, as Google applies them: each refresh token remembers the scope it was granted
(``grants``; a code in ``codes`` grants its scope at the token endpoint) and messages.get answers
``snippet`` only to a token whose scope reads text (gmail.readonly, gmail.modify, mail.google.com)
and does not hold gmail.metadata. ``fields`` (partial response) is honoured on messages.get.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.google_people import PeopleState

Answer = tuple[int, dict[str, str], bytes]
AUTH = "https://www.googleapis.com/auth/"
READS_TEXT = {f"{AUTH}gmail.readonly", f"{AUTH}gmail.modify", "https://mail.google.com/"}


@dataclass
class Fault:
    match: str
    status: int = 500
    reason: str = "backendError"
    retry_after: str | None = None
    drop: bool = False
    times: int = 1
    in_batch: bool | None = None  # None: anywhere; True: only batch parts; False: only top level
    process: bool = False  # with drop: carry the request out, then cut the answer


@dataclass
class GoogleFake:
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    history_id: int = 1000
    history_floor: int = 0  # startHistoryId below this: 404
    calendars: dict[str, dict[str, Any]] = field(default_factory=dict)
    seq: int = 0
    sync_floor: int = 0  # syncToken below this: 410
    people: PeopleState = field(default_factory=PeopleState)
    faults: list[Fault] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> refresh token
    grants: dict[str, str] = field(default_factory=dict)  # refresh token -> granted scope
    codes: dict[str, str] = field(default_factory=dict)  # authorisation code -> granted scope
    revoked: set[str] = field(default_factory=set)
    expires_in: int = 3600
    requests: list[str] = field(default_factory=list)  # "METHOD /path" (batch parts too)
    targets: list[str] = field(default_factory=list)  # "METHOD /path?query", as sent
    http_requests: int = 0  # top-level HTTP requests
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- scripting --------------------------------------------------------------------------

    def fail(self, match: str, status: int = 500, reason: str = "backendError", *,
             retry_after: str | None = None, drop: bool = False, times: int = 1,
             in_batch: bool | None = None, process: bool = False) -> None:
        self.faults.append(Fault(match, status, reason, retry_after, drop, times, in_batch,
                                 process))

    def _fault(self, line: str, in_batch: bool) -> Fault | None:
        for fault in self.faults:
            if fault.match in line and fault.times > 0 and fault.in_batch in (None, in_batch):
                fault.times -= 1
                return fault
        return None

    # -- Gmail state ------------------------------------------------------------------------

    def _record(self, **entry: Any) -> None:
        self.history_id += 1
        self.history.append({"id": str(self.history_id), **entry})

    def add_message(self, headers: list[tuple[str, str]], *, labels: tuple[str, ...] = ("INBOX",),
                    internal_ms: int = 1_700_000_000_000, thread: str | None = None,
                    mid: str | None = None, text: str = "") -> str:
        """``text``: the start of the body; its snippet is what Google would show."""
        with self.lock:
            mid = mid or format(0x18C0000000000 + next(self._ids), "x")
            message = {"id": mid, "threadId": thread or mid, "labelIds": list(labels),
                       "internalDate": str(internal_ms), "sizeEstimate": 1234,
                       "snippet": snippet_of(text),
                       "headers": [{"name": n, "value": v} for n, v in headers]}
            self.messages[mid] = message
            self._record(messages=[{"id": mid, "threadId": message["threadId"]}],
                         messagesAdded=[{"message": self._brief(message)}])
            message["historyId"] = str(self.history_id)
            return mid

    def delete_message(self, mid: str) -> None:
        with self.lock:
            message = self.messages.pop(mid)
            self._record(messages=[{"id": mid}],
                         messagesDeleted=[{"message": self._brief(message)}])

    def relabel(self, mid: str, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> None:
        with self.lock:
            message = self.messages[mid]
            message["labelIds"] = [x for x in message["labelIds"] if x not in remove] + list(add)
            entry: dict[str, Any] = {"messages": [{"id": mid}]}
            if add:
                entry["labelsAdded"] = [{"message": self._brief(message), "labelIds": list(add)}]
            if remove:
                entry["labelsRemoved"] = [{"message": self._brief(message),
                                           "labelIds": list(remove)}]
            self._record(**entry)

    @staticmethod
    def _brief(message: dict[str, Any]) -> dict[str, Any]:
        return {"id": message["id"], "threadId": message["threadId"],
                "labelIds": list(message["labelIds"])}

    # -- Calendar state ---------------------------------------------------------------------

    def calendar(self, cid: str, summary: str) -> dict[str, Any]:
        with self.lock:
            return self.calendars.setdefault(cid, {"summary": summary, "events": {}})

    def put_event(self, cid: str, event: dict[str, Any]) -> dict[str, Any]:
        """Store (or replace) an event as "the user" or the API would; bumps the sync seq."""
        with self.lock:
            self.seq += 1
            event = {"kind": "calendar#event", "status": "confirmed", **event,
                     "etag": f'"{self.seq}"', "updated": "2026-01-01T00:00:00.000Z",
                     "_seq": self.seq}
            self.calendars[cid]["events"][event["id"]] = event
            return event

    def events(self, cid: str) -> dict[str, dict[str, Any]]:
        return self.calendars[cid]["events"]

    # -- serving ----------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes,
               *, in_batch: bool = False) -> Answer | None:
        split = urlsplit(target)
        path, query = unquote(split.path), parse_qs(split.query)
        line = f"{method} {path}"
        with self.lock:
            self.requests.append(line)
            self.targets.append(f"{method} {target}")
            fault = self._fault(line, in_batch)
        if fault is not None and not fault.process:
            if fault.drop:
                return None
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return _error(fault.status, fault.reason, extra)
        answer = self._route(method, path, query, headers, body)
        return None if fault is not None else answer

    def _route(self, method: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str], body: bytes) -> Answer:
        if path == "/token":
            return self._token(body)
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return _error(401, "authError", {"WWW-Authenticate": "Bearer"})
        try:
            with self.lock:
                if path.startswith("/gmail/v1/users/me/"):
                    scope = self.grants.get(self.tokens[auth[7:]], "").split()
                    return self._gmail(method, path[len("/gmail/v1/users/me/"):], query,
                                       text=bool(READS_TEXT & set(scope))
                                       and f"{AUTH}gmail.metadata" not in scope)
                if path.startswith("/calendar/v3/"):
                    return self._calendar(method, path[len("/calendar/v3/"):], query, body)
                if path == "/v1/people/me/connections" and method == "GET":
                    return _json(*self.people.connections(query))
                if path == "/v1/contactGroups" and method == "GET":
                    return _json(200, self.people.contact_groups())
        except KeyError:
            return _error(404, "notFound")
        return _error(404, "notFound")

    def _token(self, body: bytes) -> Answer:
        form = parse_qs(body.decode())
        refresh = form.get("refresh_token", [""])[0]
        code = form.get("code", [""])[0]
        if form.get("grant_type") == ["authorization_code"] and (
                code == "good-code" or code in self.codes):
            refresh = f"rt-{uuid.uuid4().hex[:8]}"
            if code in self.codes:
                self.grants[refresh] = self.codes.pop(code)
        elif form.get("grant_type") != ["refresh_token"] or not refresh or refresh in self.revoked:
            return _json(400, {"error": "invalid_grant",
                               "error_description": "Token has been expired or revoked."})
        token = f"at-{uuid.uuid4().hex}"
        self.tokens[token] = refresh
        scope = {"scope": self.grants[refresh]} if refresh in self.grants else {}
        return _json(200, {"access_token": token, "expires_in": self.expires_in,
                           "refresh_token": refresh, "token_type": "Bearer", **scope})

    def _gmail(self, method: str, rest: str, q: dict[str, list[str]], *, text: bool) -> Answer:
        if rest == "profile":
            return _json(200, {"emailAddress": "dana@example.org", "historyId":
                               str(self.history_id), "messagesTotal": len(self.messages)})
        if rest == "messages":
            ids = sorted(self.messages, key=lambda m: (int(self.messages[m]["internalDate"]), m),
                         reverse=True)
            ids = [m for m in ids if not {"SPAM", "TRASH"} & set(self.messages[m]["labelIds"])]
            page, token = _page(ids, q, 100)
            out: dict[str, Any] = {"resultSizeEstimate": len(ids)}
            if page:
                out["messages"] = [{"id": m, "threadId": self.messages[m]["threadId"]}
                                   for m in page]
            if token:
                out["nextPageToken"] = token
            return _json(200, out)
        if rest.startswith("messages/"):
            message = self.messages[rest.split("/", 1)[1]]
            wanted = {h.lower() for h in q.get("metadataHeaders", [])}
            hidden = {"headers"} if text else {"headers", "snippet"}
            answer = {**{k: v for k, v in message.items() if k not in hidden},
                      "payload": {"mimeType": "multipart/alternative",
                                  "headers": [h for h in message["headers"]
                                              if h["name"].lower() in wanted]}}
            return _json(200, _partial(answer, q["fields"][0]) if "fields" in q else answer)
        if rest == "history":
            start = int(q["startHistoryId"][0])
            if start < self.history_floor:
                return _error(404, "notFound")
            records = [r for r in self.history if int(r["id"]) > start]
            page, token = _page(records, q, 100)
            out = {"historyId": str(self.history_id)}
            if page:
                out["history"] = page
            if token:
                out["nextPageToken"] = token
            return _json(200, out)
        return _error(404, "notFound")

    def _calendar(self, method: str, rest: str, q: dict[str, list[str]], body: bytes) -> Answer:
        if rest == "users/me/calendarList" and method == "GET":
            items = [{"kind": "calendar#calendarListEntry", "id": cid, "summary": c["summary"],
                      "accessRole": "owner"} for cid, c in self.calendars.items()]
            return _json(200, {"items": items})
        if rest == "calendars" and method == "POST":
            data = json.loads(body)
            cid = f"c{uuid.uuid4().hex[:12]}@group.calendar.google.com"
            self.calendar(cid, data["summary"])
            return _json(200, {"kind": "calendar#calendar", "id": cid, "summary": data["summary"],
                               "timeZone": data.get("timeZone", "UTC")})
        parts = rest.split("/")
        if len(parts) < 3 or parts[0] != "calendars" or parts[2] != "events":
            return _error(404, "notFound")
        cid, events = parts[1], self.calendars[parts[1]]["events"]
        if len(parts) == 3 and method == "GET":
            return self._list_events(events, q)
        if len(parts) == 3 and method == "POST":
            data = json.loads(body)
            if data.get("id") in events:
                return _error(409, "duplicate", message="The requested identifier already "
                                                        "exists.")
            data.setdefault("id", uuid.uuid4().hex)
            return _json(200, _public(self.put_event(cid, data)))
        event = events[parts[3]]
        if method == "GET":
            return _json(200, _public(event))
        if method == "PUT":
            data = json.loads(body)
            return _json(200, _public(self.put_event(cid, {**data, "id": event["id"]})))
        if method == "DELETE":
            if event["status"] == "cancelled":
                return _error(410, "deleted", message="Resource has been deleted")
            self.put_event(cid, {**_public(event), "status": "cancelled"})
            return 204, {}, b""
        return _error(405, "methodNotAllowed")

    def _list_events(self, events: dict[str, dict[str, Any]], q: dict[str, list[str]]) -> Answer:
        rows = sorted(events.values(), key=lambda e: e["_seq"])
        if "syncToken" in q:
            since = int(q["syncToken"][0].removeprefix("s"))
            if since < self.sync_floor:
                return _error(410, "fullSyncRequired", message="Sync token is no longer valid")
            rows = [e for e in rows if e["_seq"] > since]
        elif q.get("showDeleted") != ["true"]:
            rows = [e for e in rows if e["status"] != "cancelled"]
        for prop in q.get("privateExtendedProperty", []):
            k, _, v = prop.partition("=")
            rows = [e for e in rows if (e.get("extendedProperties") or {}).get("private", {})
                    .get(k) == v]
        page, token = _page(rows, q, 250)
        out: dict[str, Any] = {"kind": "calendar#events", "items": [_public(e) for e in page]}
        if token:
            out["nextPageToken"] = token
        else:
            out["nextSyncToken"] = f"s{self.seq}"
        return _json(200, out)

    def batch(self, headers: dict[str, str], body: bytes) -> Answer:
        boundary = headers["content-type"].split("boundary=", 1)[1].strip('"')
        text = body.decode().replace("\r\n", "\n")
        parts = text.split(f"--{boundary}")[1:-1]
        reply_boundary = f"batch_{uuid.uuid4().hex}"
        out: list[str] = []
        for part in parts:
            head, _, inner = part.lstrip("\n").partition("\n\n")
            content_id = next(line.split(":", 1)[1].strip() for line in head.splitlines()
                              if line.lower().startswith("content-id"))
            request_line, _, rest = inner.partition("\n")
            inner_head, _, inner_body = rest.partition("\n\n")
            method, target, _ = request_line.split(" ", 2)
            inner_headers = {k.strip().lower(): v.strip() for k, _, v in
                             (h.partition(":") for h in inner_head.splitlines() if h)}
            inner_headers.setdefault("authorization", headers.get("authorization", ""))
            answer = self.answer(method, target, inner_headers, inner_body.encode(),
                                 in_batch=True) or _error(503, "backendError")
            status, extra, data = answer
            lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
                     "Content-Type: application/json; charset=UTF-8",
                     *(f"{k}: {v}" for k, v in extra.items())]
            out.append(f"--{reply_boundary}\r\nContent-Type: application/http\r\n"
                       f"Content-ID: <response-{content_id.strip('<>')}>\r\n\r\n"
                       + "\r\n".join(lines) + "\r\n\r\n" + data.decode() + "\r\n")
        text = "".join(out) + f"--{reply_boundary}--\r\n"
        return 200, {"Content-Type": f"multipart/mixed; boundary={reply_boundary}"}, text.encode()


_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 409: "Conflict", 410: "Gone",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def snippet_of(text: str) -> str:
    """Google's snippet: the start of the text on one line, HTML-escaped (``&#39;``)."""
    short = " ".join(text.split())[:200]
    for plain, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                          ("'", "&#39;")):
        short = short.replace(plain, entity)
    return short


def _partial(data: dict[str, Any], fields: str) -> dict[str, Any]:
    """A partial response: only the ``fields`` paths (``a,b/c``; no parentheses)."""
    out: dict[str, Any] = {}
    for path in (p.strip() for p in fields.split(",")):
        head, _, rest = path.partition("/")
        if head not in data:
            continue
        value = data[head]
        if rest and isinstance(value, dict):
            out[head] = {**out.get(head, {}), **_partial(value, rest)}
        else:
            out[head] = value
    return out


def _public(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if not k.startswith("_")}


def _page(rows: list[Any], q: dict[str, list[str]], default: int) -> tuple[list[Any], str | None]:
    size = int(q.get("maxResults", [default])[0])
    start = int(q.get("pageToken", ["0"])[0])
    end = start + size
    return rows[start:end], (str(end) if end < len(rows) else None)


def _json(status: int, data: Any, extra: dict[str, str] | None = None) -> Answer:
    return status, dict(extra or {}), json.dumps(data).encode()


def _error(status: int, reason: str, extra: dict[str, str] | None = None, *,
           message: str = "") -> Answer:
    return _json(status, {"error": {"code": status, "message": message or reason,
                                    "errors": [{"domain": "global", "reason": reason,
                                                "message": message or reason}]}}, extra)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: GoogleFake

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client died mid-request: Google never sees half a request
            self.close_connection = True
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.fake.lock:
            self.fake.http_requests += 1
        if self.path.startswith("/batch"):
            line = f"{self.command} {urlsplit(self.path).path}"
            with self.fake.lock:
                fault = self.fake._fault(line, False)
            if fault is not None and not fault.drop:
                answer: Answer | None = _error(fault.status, fault.reason,
                                               {"Retry-After": fault.retry_after}
                                               if fault.retry_after else None)
            else:
                answer = None if fault is not None else self.fake.batch(headers, body)
        else:
            answer = self.fake.answer(self.command, self.path, headers, body)
        if answer is None:  # a connection dropped half-way through the body
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"messages": [{"id": "')
            self.wfile.flush()
            self.close_connection = True
            return
        status, extra, data = answer
        self.send_response(status)
        if "Content-Type" not in extra and data:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class GoogleServer:
    """``GoogleFake`` served on 127.0.0.1 in a thread; ``root`` is the config's api_endpoint."""

    def __init__(self, fake: GoogleFake | None = None) -> None:
        self.fake = fake or GoogleFake()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.root = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def token_json(self, refresh: str = "rt-1", scopes: tuple[str, ...] = ()) -> str:
        """An authorized-user token file whose token_uri is this server (access token valid)."""
        access = f"at-{uuid.uuid4().hex}"
        self.fake.tokens[access] = refresh
        if scopes:
            self.fake.grants[refresh] = " ".join(scopes)
        else:
            self.fake.grants.pop(refresh, None)
        return json.dumps({"token": access, "refresh_token": refresh,
                           "token_uri": f"{self.root}token", "client_id": "cid.example",
                           "client_secret": "secret", "scopes": list(scopes),
                           "expiry": "2999-01-01T00:00:00Z"})

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
