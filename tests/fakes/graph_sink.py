"""The fake Graph's calendars and events (the follow-up sink's half): list and create calendars,
find events by a single-value extended property with ``$filter`` (and return it with
``$expand``), create, PATCH with ``If-Match``, DELETE, GET. Helpers act as "the user"."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.entra import Answer, _json

PROP = "singleValueExtendedProperties"
_VALUE = re.compile(r"ep/value eq '([^']*)'")
_ID = re.compile(r"ep/id eq '([^']*)'")


@dataclass
class SinkRoutes:
    base: str = ""
    calendars: dict[str, str] = field(default_factory=lambda: {"cal-0": "Calendar"})
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> row (+calendar)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- "the user" -------------------------------------------------------------------------

    def user_moves(self, event_id: str, start: str, end: str) -> None:
        row = self.events[event_id]
        row["start"] = {"dateTime": start, "timeZone": "UTC"}
        row["end"] = {"dateTime": end, "timeZone": "UTC"}
        self._etag(row)

    def user_deletes(self, event_id: str) -> None:
        del self.events[event_id]

    def in_calendar(self, name: str) -> list[dict[str, Any]]:
        ids = {i for i, n in self.calendars.items() if n == name}
        return [e for e in self.events.values() if e["calendar"] in ids]

    # -- routes ------------------------------------------------------------------------------

    def route(self, method: str, p: str, query: dict[str, str], headers: dict[str, str],
              body: bytes) -> Answer | None:
        data = json.loads(body) if body else {}
        parts = p.split("/")
        if p == "me/calendars":
            if method == "GET":
                return _json(200, {"value": [{"id": i, "name": n}
                                             for i, n in self.calendars.items()]})
            if method == "POST":
                new = f"cal-{next(self._ids)}"
                self.calendars[new] = data["name"]
                return _json(201, {"id": new, "name": data["name"]})
        if len(parts) == 4 and parts[:2] == ["me", "calendars"] and parts[3] == "events":
            if parts[2] not in self.calendars:
                return _json(404, {"error": {"code": "ErrorItemNotFound", "message": "?"}})
            if method == "GET":
                return self._list(parts[2], query)
            if method == "POST":
                row = {**data, "id": f"EV{next(self._ids):05d}=", "calendar": parts[2]}
                self._etag(row)
                self.events[row["id"]] = row
                return _json(201, self._out(row, expand=True))
        if len(parts) == 3 and parts[:2] == ["me", "events"]:
            row = self.events.get(parts[2])
            if row is None:
                return _json(404, {"error": {"code": "ErrorItemNotFound", "message": "gone"}})
            match = headers.get("if-match")
            if method in ("PATCH", "DELETE") and match and match != row["@odata.etag"]:
                return _json(412, {"error": {"code": "ErrorIrresolvableConflict",
                                             "message": "changed"}})
            if method == "GET":
                return _json(200, self._out(row, expand=False))
            if method == "PATCH":
                props = {p["id"]: p for p in row.get(PROP, [])}
                props.update({p["id"]: p for p in data.pop(PROP, [])})
                row.update(data)
                row[PROP] = list(props.values())
                self._etag(row)
                return _json(200, self._out(row, expand=False))
            if method == "DELETE":
                del self.events[parts[2]]
                return 204, {}, b""
        return None

    def _list(self, calendar: str, query: dict[str, str]) -> Answer:
        where = query.get("$filter", "")
        want_id = _ID.search(where)
        want_value = _VALUE.search(where)
        rows = []
        for row in self.events.values():
            if row["calendar"] != calendar:
                continue
            props = {p["id"].lower(): p["value"] for p in row.get(PROP, [])}
            if want_id and want_id.group(1).lower() not in props:
                continue
            if want_value and want_id and props[want_id.group(1).lower()] != \
                    want_value.group(1):
                continue
            rows.append(self._out(row, expand="$expand" in query))
        return _json(200, {"value": rows})

    def _etag(self, row: dict[str, Any]) -> None:
        row["@odata.etag"] = f'W/"{next(self._ids)}"'

    def _out(self, row: dict[str, Any], *, expand: bool) -> dict[str, Any]:
        out = {k: v for k, v in row.items() if k not in (PROP, "calendar")}
        if expand and row.get(PROP):
            out[PROP] = row[PROP]
        return out
