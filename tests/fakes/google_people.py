"""The People API part of the local Google fake (``google_server.GoogleFake.people``):
``people.connections.list`` with sync tokens and ``contactGroups.list``, in the documented
shapes (../shared/data/google-discovery/people.v1.json). Tests edit the state directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class PeopleState:
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)  # resourceName -> person
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    seq: int = 0
    floor: int = 0  # syncToken below this: expired
    expired_status: int = 400  # 400 FAILED_PRECONDITION (documented) or 410

    def put(self, resource: str, *, names: tuple[str, ...] = (), emails: tuple[str, ...] = (),
            groups: tuple[str, ...] = (), birthday: dict[str, int] | None = None,
            raw: dict[str, Any] | None = None) -> None:
        """Create or replace a contact ("the user" edits it on the phone)."""
        self.seq += 1
        person: dict[str, Any] = raw if raw is not None else {
            "resourceName": resource, "etag": f"%E{self.seq}",
            "names": [{"displayName": n, "metadata": {"primary": i == 0}}
                      for i, n in enumerate(names)],
            "emailAddresses": [{"value": e, "metadata": {"primary": i == 0}}
                               for i, e in enumerate(emails)],
            "memberships": [{"contactGroupMembership": {
                "contactGroupId": g.split("/", 1)[1], "contactGroupResourceName": g}}
                for g in ["contactGroups/myContacts", *groups]],
        }
        if birthday is not None:
            person["birthdays"] = [{"date": birthday, "metadata": {"primary": True}}]
        self.persons[resource] = {**person, "_seq": self.seq}

    def delete(self, resource: str) -> None:
        self.seq += 1
        self.persons[resource] = {"resourceName": resource, "etag": f"%E{self.seq}",
                                  "metadata": {"deleted": True}, "_seq": self.seq}

    def group(self, resource: str, name: str, *, system: bool = False) -> None:
        self.groups[resource] = {"resourceName": resource, "name": name,
                                 "formattedName": name,
                                 "groupType": "SYSTEM_CONTACT_GROUP" if system
                                 else "USER_CONTACT_GROUP"}

    def connections(self, q: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        if "personFields" not in q:
            return 400, _status(400, "INVALID_ARGUMENT", "personFields mask is required")
        rows = sorted(self.persons.values(), key=lambda p: p["_seq"])
        if "syncToken" in q:
            since = int(q["syncToken"][0].removeprefix("p"))
            if since < self.floor:
                return self.expired_status, _status(
                    self.expired_status, "FAILED_PRECONDITION",
                    "Sync token is expired. Clear local cache and retry call without the "
                    "sync token.", reason="EXPIRED_SYNC_TOKEN")
            rows = [p for p in rows if p["_seq"] > since]
        else:
            rows = [p for p in rows if not p.get("metadata", {}).get("deleted")]
        size = int(q.get("pageSize", ["100"])[0])
        start = int(q.get("pageToken", ["0"])[0] or 0)
        page = rows[start:start + size]
        out: dict[str, Any] = {"connections": [
            {k: v for k, v in p.items() if not k.startswith("_")} for p in page],
            "totalItems": len(rows)}
        if start + size < len(rows):
            out["nextPageToken"] = str(start + size)
        elif q.get("requestSyncToken") == ["true"]:
            out["nextSyncToken"] = f"p{self.seq}"
        return 200, out

    def contact_groups(self) -> dict[str, Any]:
        return {"contactGroups": list(self.groups.values()), "totalItems": len(self.groups)}


def _status(code: int, status: str, message: str, *, reason: str = "") -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                             "reason": reason, "domain": "people.googleapis.com"}]
    return {"error": error}
