"""A local HTTPS server answering Microsoft Graph v1.0's documented shapes (samples in
../shared/data/msgraph-docs and msgraph-devproxy-mocks) and the Entra sign-in endpoints
(``tests/fakes/entra.py``), for tests and the benchmark. Loopback only, with a throwaway CA from
trustme (msal refuses http authorities): point REQUESTS_CA_BUNDLE at ``server.ca_file``.

State is plain data tests change through the helpers ("the user" moves or deletes an event).
Mail and calendarView changes go to one append-only log; delta and skip tokens name a position
in it, so pages resume exactly. Faults: ``fail(match, status, ...)`` answers the next requests
whose ``"METHOD /path?query"`` contains ``match``; ``drop=True`` carries the request out, then
cuts the connection half-way through the body (before any answer when there is no body);
``expire_before`` makes older delta tokens answer 410 (or ``expire_code``).
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

from tests.fakes.entra import Answer, Entra, _json
from tests.fakes.graph_sink import SinkRoutes


@dataclass
class Fault:
    match: str
    status: int = 429
    code: str = "TooManyRequests"
    retry_after: str | None = None
    drop: bool = False
    times: int = 1


@dataclass
class GraphFake:
    base: str = ""
    me: str = "dana@example.org"
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> full row
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # primary calendar
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # /me/contacts
    folders: dict[str, str] = field(default_factory=dict)  # custom folder display name -> id
    log: list[tuple[int, str, str, str, dict[str, Any]]] = field(default_factory=list)
    seq: int = 0
    expire_before: int = 0  # delta tokens older than this position are refused
    expire_code: str = ""  # "" -> 410 Gone; else 400 with this error code
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    prefer: list[tuple[str, str]] = field(default_factory=list)  # (request line, Prefer)
    entra: Entra = field(default_factory=Entra)
    sink: SinkRoutes = field(default_factory=SinkRoutes)
    static_tokens: set[str] = field(default_factory=lambda: {"static-token"})
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- scripting ---------------------------------------------------------------------------

    def fail(self, match: str, status: int = 429, code: str = "TooManyRequests", *,
             retry_after: str | None = None, drop: bool = False, times: int = 1) -> None:
        self.faults.append(Fault(match, status, code, retry_after, drop, times))

    def _change(self, scope: str, kind: str, item_id: str, fields: dict[str, Any]) -> None:
        self.seq += 1
        self.log.append((self.seq, scope, item_id, kind, fields))

    def add_message(self, folder: str, row: dict[str, Any]) -> str:
        with self.lock:
            item_id = row.get("id") or f"AAMkAG{next(self._ids):06d}="
            self.messages[item_id] = {**row, "id": item_id, "parentFolderId": folder}
            self._change(folder, "upsert", item_id, {})
            return str(item_id)

    def touch(self, item_id: str, **fields: Any) -> None:
        """A change Graph reports as a partial row (e.g. ``isRead=True``)."""
        with self.lock:
            self.messages[item_id].update(fields)
            self._change(self.messages[item_id]["parentFolderId"], "partial", item_id, fields)

    def move(self, item_id: str, folder: str) -> None:
        with self.lock:
            old = self.messages[item_id]["parentFolderId"]
            self.messages[item_id]["parentFolderId"] = folder
            self._change(old, "remove", item_id, {})
            self._change(folder, "upsert", item_id, {})

    def delete(self, item_id: str) -> None:
        with self.lock:
            row = self.messages.pop(item_id)
            self._change(row["parentFolderId"], "remove", item_id, {})

    def add_event(self, row: dict[str, Any]) -> str:
        with self.lock:
            item_id = row.get("id") or f"AAMkEV{next(self._ids):06d}="
            self.events[item_id] = {**row, "id": item_id}
            self._change("calendarView", "upsert", item_id, {})
            return str(item_id)

    def put_contact(self, row: dict[str, Any]) -> str:
        """Create or replace a contact ("the user" edits it in Outlook)."""
        with self.lock:
            item_id = row.get("id") or f"AAMkCT{next(self._ids):06d}="
            self.contacts[item_id] = {**row, "id": item_id}
            self._change("contacts", "upsert", item_id, {})
            return str(item_id)

    def delete_contact(self, item_id: str) -> None:
        with self.lock:
            del self.contacts[item_id]
            self._change("contacts", "remove", item_id, {})

    # -- delta -------------------------------------------------------------------------------

    def _delta_rows(self, scope: str, since: int, upto: int, select: list[str]
                    ) -> list[dict[str, Any]]:
        last: dict[str, tuple[str, dict[str, Any]]] = {}
        for seq, where, item_id, kind, fields in self.log:
            if where == scope and since < seq <= upto:
                prev = last.get(item_id)
                if kind == "partial" and prev is not None and prev[0] != "remove":
                    kind = prev[0] if prev[0] == "upsert" else "partial"
                    fields = {**prev[1], **fields}
                last[item_id] = (kind, fields)
        store = {"calendarView": self.events, "contacts": self.contacts}.get(scope,
                                                                              self.messages)
        rows: list[dict[str, Any]] = []
        for item_id, (kind, fields) in sorted(last.items()):
            if kind == "remove" or item_id not in store or (
                    store is self.messages and store[item_id]["parentFolderId"] != scope):
                if since >= 0:
                    rows.append({"id": item_id, "@removed": {"reason": "deleted"}})
            elif kind == "partial" and since >= 0:
                rows.append({"id": item_id, **fields})
            else:
                full = store[item_id]
                rows.append({"id": item_id, **({k: full.get(k) for k in select} if select
                                               else full)})
        return rows

    def delta(self, scope: str, query: dict[str, str], page_size: int) -> Answer:
        if "$skiptoken" in query:
            state = json.loads(base64.urlsafe_b64decode(query["$skiptoken"]))
        elif "$deltatoken" in query:
            state = json.loads(base64.urlsafe_b64decode(query["$deltatoken"]))
            state = {**state, "s": state["u"], "u": self.seq, "o": 0}
        else:
            select = [s for s in query.get("$select", "").split(",") if s]
            state = {"s": -1, "u": self.seq, "o": 0, "sel": select}
        if 0 <= state["s"] < self.expire_before:
            if self.expire_code:
                return _json(400, {"error": {"code": self.expire_code, "message": "resync"}})
            return 410, {"Location": "delta?$deltatoken=", "Content-Type": "application/json"}, \
                json.dumps({"error": {"code": "SyncStateNotFound", "message": "gone"}}).encode()
        rows = self._delta_rows(scope, state["s"], state["u"], state.get("sel", []))
        page = rows[state["o"]:state["o"] + page_size]
        root = f"{self.base}/v1.0/{_delta_path(scope)}"
        body: dict[str, Any] = {"@odata.context": f"{self.base}/v1.0/$metadata", "value": page}
        if state["o"] + page_size < len(rows):
            token = _b64({**state, "o": state["o"] + page_size})
            body["@odata.nextLink"] = f"{root}?$skiptoken={token}"
        else:
            body["@odata.deltaLink"] = f"{root}?$deltatoken={_b64({**state, 'o': 0})}"
        return _json(200, body)

    # -- routing -----------------------------------------------------------------------------

    def route(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(target)
        path = unquote(url.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if not path.startswith("/v1.0/"):
            found = self.entra.answer(method, target, body)
            return found or _json(404, {"error": "not_found"})
        auth = headers.get("authorization", "").removeprefix("Bearer ")
        if auth not in self.entra.access_tokens and auth not in self.static_tokens:
            return _json(401, {"error": {"code": "InvalidAuthenticationToken",
                                         "message": "Access token is empty or invalid."}})
        prefer = headers.get("prefer", "")
        size = 10
        for part in prefer.split(","):
            if part.strip().startswith("odata.maxpagesize="):
                size = int(part.strip().split("=", 1)[1])
        p = path[len("/v1.0/"):]
        if p == "me":
            return _json(200, {"mail": self.me, "userPrincipalName": self.me})
        if p == "me/mailFolders" and method == "GET":
            name = query.get("$filter", "").split("'")[1:2]
            ids = [i for n, i in self.folders.items() if [n] == name]
            return _json(200, {"value": [{"id": i, "displayName": name[0]} for i in ids]})
        if p.startswith("me/mailFolders/") and p.endswith("/messages/delta"):
            return self.delta(p.split("/")[2], query, size)
        if p == "me/calendarView/delta":
            return self.delta("calendarView", query, size)
        if p == "me/contacts/delta":
            return self.delta("contacts", query, size)
        if p.startswith("me/messages/") and method == "GET":
            row = self.messages.get(p.split("/")[2])
            sel = [s for s in query.get("$select", "").split(",") if s]
            if row is None:
                return _json(404, {"error": {"code": "ErrorItemNotFound", "message": "gone"}})
            return _json(200, {"id": row["id"], **{k: row.get(k) for k in sel}})
        return self.sink.route(method, p, query, headers, body) or _json(
            400, {"error": {"code": "BadRequest", "message": f"no route {method} {p}"}})


def _delta_path(scope: str) -> str:
    if scope == "calendarView":
        return "me/calendarView/delta"
    if scope == "contacts":
        return "me/contacts/delta"
    return f"me/mailFolders/{scope}/messages/delta"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: GraphFake

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client died mid-request: Graph never sees half a request
            self.close_connection = True
            return
        fake = self.fake
        line = f"{self.command} {unquote(self.path)}"
        headers = {k.lower(): v for k, v in self.headers.items()}
        with fake.lock:
            fake.requests.append(line)
            if self.path.startswith("/v1.0/"):
                fake.prefer.append((line, headers.get("prefer", "")))
            fault = next((f for f in fake.faults if f.times > 0 and f.match in line), None)
            if fault is not None:
                fault.times -= 1
            if fault is None or fault.drop:
                status, extra, data = fake.route(self.command, self.path, headers, body)
            else:
                status, extra, data = _json(fault.status, {"error": {
                    "code": fault.code, "message": "scripted fault"}})
                if fault.retry_after is not None:
                    extra["Retry-After"] = fault.retry_after
        if fault is not None and fault.drop and not data:  # nothing to cut half-way: no answer
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.send_response(status)
        for key, value in extra.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault is not None and fault.drop:
            self.wfile.write(data[:max(len(data) // 2, 1)])
            self.wfile.flush()
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve


@dataclass
class GraphServer:
    fake: GraphFake
    base: str
    ca_file: Path
    authority: str  # https://127.0.0.1:PORT (msal adds the tenant)


@contextmanager
def start_graph_server() -> Iterator[GraphServer]:
    """Serve a fresh ``GraphFake`` over HTTPS on 127.0.0.1 with its own CA."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    fake = GraphFake()
    handler = type("Handler", (_Handler,), {"fake": fake})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    base = f"https://127.0.0.1:{httpd.server_address[1]}"
    fake.base = fake.entra.base = fake.sink.base = base
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory() as tmp:
        ca_file = Path(tmp) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        try:
            yield GraphServer(fake, base, ca_file, base)
        finally:
            httpd.shutdown()
            httpd.server_close()
