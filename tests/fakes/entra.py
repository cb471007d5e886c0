"""The fake Microsoft Entra (Azure AD) endpoints msal talks to: tenant discovery, device code,
token (device-code grant and refresh), with scripted failures. Shapes follow the OAuth 2.0
device authorization grant (RFC 8628) and Microsoft's token responses (``client_info``, an
unsigned ``id_token``: msal decodes it without checking the signature)."""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

Answer = tuple[int, dict[str, str], bytes]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _json(status: int, body: dict[str, Any]) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


@dataclass
class Entra:
    base: str = ""  # https://127.0.0.1:PORT
    user: str = "dana@example.org"
    pending_polls: int = 1  # authorization_pending answers before the grant
    expires_in: int = 3600
    revoked: bool = False  # refresh -> invalid_grant
    unavailable: int = 0  # refreshes answered 503 temporarily_unavailable
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    refreshes: int = 0
    device_polls: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def answer(self, method: str, path: str, body: bytes) -> Answer | None:
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) < 2:
            return None
        tenant, rest = parts[0], "/".join(parts[1:])
        root = f"{self.base}/{tenant}"
        if rest == "v2.0/.well-known/openid-configuration" and method == "GET":
            return _json(200, {
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                "issuer": f"{root}/v2.0", "jwks_uri": f"{root}/discovery/v2.0/keys",
                "response_types_supported": ["code"], "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"]})
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if rest == "oauth2/v2.0/devicecode" and method == "POST":
            return _json(200, {
                "device_code": "device-code-1", "user_code": "SYNC-TEST",
                "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900,
                "interval": 1, "message": "To sign in, use a web browser to open the page "
                "https://microsoft.com/devicelogin and enter the code SYNC-TEST."})
        if rest == "oauth2/v2.0/token" and method == "POST":
            return self._token(form, root, tenant)
        return None

    def _token(self, form: dict[str, str], root: str, tenant: str) -> Answer:
        with self.lock:
            grant = form.get("grant_type")
            if grant == DEVICE_GRANT:
                self.device_polls += 1
                if self.pending_polls > 0:
                    self.pending_polls -= 1
                    return _json(400, {"error": "authorization_pending",
                                       "error_description": "AADSTS70016: pending"})
                return self._issue(form, root, tenant)
            if grant == "refresh_token":
                self.refreshes += 1
                if self.unavailable > 0:
                    self.unavailable -= 1
                    return _json(503, {"error": "temporarily_unavailable",
                                       "error_description": "AADSTS50196: try again"})
                if self.revoked or form.get("refresh_token") not in self.refresh_tokens:
                    return _json(400, {"error": "invalid_grant", "error_description":
                                       "AADSTS70008: The refresh token has expired"})
                self.refresh_tokens.discard(form["refresh_token"])  # Microsoft rotates them
                return self._issue(form, root, tenant)
            return _json(400, {"error": "unsupported_grant_type"})

    def _issue(self, form: dict[str, str], root: str, tenant: str) -> Answer:
        n = next(self._ids)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        now = int(time.time())
        claims = {"iss": f"{root}/v2.0", "sub": "user-1", "aud": form.get("client_id", ""),
                  "oid": "user-1", "tid": tenant, "preferred_username": self.user,
                  "name": "Dana Example", "iat": now, "exp": now + 3600}
        id_token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.sig"
        return _json(200, {
            "token_type": "Bearer", "scope": form.get("scope", ""),
            "expires_in": self.expires_in, "ext_expires_in": self.expires_in,
            "access_token": access, "refresh_token": refresh, "id_token": id_token,
            "client_info": _b64({"uid": "user-1", "utid": tenant})})
