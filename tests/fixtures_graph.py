"""Helpers for the Outlook / Microsoft Graph tests: the local HTTPS fake, an account pointing at
it, message and event rows in Graph's shape, and a static token provider (the seam that lets
connector tests skip msal; the auth and end-to-end tests go through msal itself)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncd.config import OutlookAccount
from tests.fakes.graph_server import GraphServer, start_graph_server


class StaticTokens:
    def __init__(self) -> None:
        self.forced = 0

    def token(self, *, force_refresh: bool = False) -> str:
        self.forced += force_refresh
        return "static-token"

    def close(self) -> None:
        return None


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[GraphServer]:
    """The fake Graph + Entra; TLS trust and the state directory pointed at test files."""
    with start_graph_server() as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
        monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        yield server


def account_for(server: GraphServer, name: str = "office", **extra: Any) -> OutlookAccount:
    return OutlookAccount(name=name, type="outlook", client_id="client-1", tenant="tenant-1",
                          authority=server.authority, graph_endpoint=server.base, timeout=10,
                          **extra)


def addr(email: str, name: str = "") -> dict[str, Any]:
    return {"emailAddress": {"name": name, "address": email}}


def message_row(n: int, *, sender: str = "", to: str = "dana@example.org",
                when: datetime | None = None, other: bool = False,
                headers: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    moment = (when or datetime.now(UTC) - timedelta(days=n + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sender = sender or f"p{n}@contract.example"
    return {"from": addr(sender, f"P{n}"), "sender": addr(sender, f"P{n}"),
            "toRecipients": [addr(to)], "ccRecipients": [], "subject": f"item {n}",
            "sentDateTime": moment, "receivedDateTime": moment,
            "conversationId": f"conv-{n}", "internetMessageId": f"<graph-{n}@example.org>",
            "inferenceClassification": "other" if other else "focused",
            "internetMessageHeaders": [{"name": k, "value": v} for k, v in headers],
            "isRead": False, "body": {"contentType": "text", "content": "never read"}}


def event_row(n: int, start: datetime, *, me: str = "dana@example.org",
              response: str = "accepted", **extra: Any) -> dict[str, Any]:
    fmt = "%Y-%m-%dT%H:%M:%S.0000000"
    return {"subject": f"meeting {n}", "iCalUId": f"uid-{n}", "isAllDay": False,
            "isCancelled": False, "type": "singleInstance", "seriesMasterId": None,
            "start": {"dateTime": start.astimezone(UTC).strftime(fmt), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(hours=1)).astimezone(UTC).strftime(fmt),
                    "timeZone": "UTC"},
            "responseStatus": {"response": response, "time": "0001-01-01T00:00:00Z"},
            "organizer": {"emailAddress": {"name": f"P{n}", "address": f"p{n}@contract.example"}},
            "attendees": [
                {"type": "required", "status": {"response": "none"}, **addr(me, "Dana")},
                {"type": "required", "status": {"response": "accepted"},
                 **addr(f"p{n}@contract.example", f"P{n}")},
                {"type": "resource", "status": {"response": "accepted"},
                 **addr("room-1@example.org", "Room 1")}], **extra}
