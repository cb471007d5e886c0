"""The local Google wire-format server and accounts pointed at it (no Google contacted)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from connectors._google_http import Policy
from connectors._google_token import token_path
from syncd.config import GoogleAccount
from tests.fakes.google_server import GoogleServer


@dataclass
class Waits:
    """Records the backoff waits a connector asks for, and returns at once."""

    asked: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


def policy(waits: Waits, attempts: int = 4) -> Policy:
    return Policy(attempts=attempts, base_wait=0.01, max_wait=0.05, sleep=waits)


def google_account(server: GoogleServer, name: str, kind: str = "gmail",
                   **extra: Any) -> GoogleAccount:
    values = {"client_secrets": "/nonexistent.json", "api_endpoint": server.root, **extra}
    return GoogleAccount(name=name, type=kind, **values)  # type: ignore[arg-type]


def write_token(server: GoogleServer, state: Path, name: str, refresh: str = "rt-1",
                scopes: tuple[str, ...] = ()) -> Path:
    path = token_path(name, state)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(server.token_json(refresh, scopes))
    path.chmod(0o600)
    return path


def header_list(n: int, *, sender: str | None = None, to: str = "dana@example.org",
                date: str = "Mon, 02 Feb 2026 10:00:00 +0000",
                extra: tuple[tuple[str, str], ...] = ()) -> list[tuple[str, str]]:
    return [("From", sender or f"P{n} <p{n}@gmail-contract.example>"), ("To", to),
            ("Subject", f"item {n}"), ("Date", date), ("Message-ID", f"<g{n}@example.org>"),
            ("X-Not-Wanted", "dropped by metadataHeaders"), *extra]


@pytest.fixture
def google_server() -> Iterator[GoogleServer]:
    server = GoogleServer()
    try:
        yield server
    finally:
        server.close()


def client_secrets_file(server: GoogleServer, tmp_path: Path) -> Path:
    """A Desktop-app OAuth client file whose token endpoint is ``server``'s."""
    path = tmp_path / "client.json"
    path.write_text(json.dumps({"installed": {
        "client_id": "cid.apps.example", "client_secret": "s3cret",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": f"{server.root}token", "redirect_uris": ["http://localhost"]}}))
    return path
