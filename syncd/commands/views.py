"""What the read-only commands show: plain, JSON-ready dicts built from a snapshot (pure).

The field names are the contract of DESIGN.md section 6.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, tzinfo
from typing import IO, Any

from rules.plan import LIVE
from rules.strength import WEIGHTS
from syncd.commands.times import iso, sort_key
from syncd.ledger import PersonLedger
from syncd.model import Written
from syncd.pipeline import Snapshot


def contact(snapshot: Snapshot, ledger: PersonLedger, placed: Mapping[str, datetime],
            tz: tzinfo) -> dict[str, Any]:
    """One person's row; times as ISO 8601 with the offset of ``tz`` (``me.timezone``)."""
    pid = ledger.person
    rule = snapshot.rules.get(pid)
    upcoming = [placed[c.base_key] for c in snapshot.candidates.values()
                if c.person == pid and c.base_key in placed]
    return {
        "id": pid,
        "name": snapshot.directory.name(pid),
        "addresses": list(snapshot.directory.addresses(pid)),
        "tags": list(snapshot.directory.tags(pid)),
        "sources": list(snapshot.directory.sources(pid)),
        "first_seen": iso(ledger.first_seen, tz),
        "last_touch": iso(ledger.last_touch, tz),
        "last_inbound": iso(ledger.last_inbound, tz),
        "last_outbound": iso(ledger.last_outbound, tz),
        "messages_in": ledger.messages_in,
        "messages_out": ledger.messages_out,
        "meetings": ledger.meetings,
        "initiated_by_me": ledger.initiated_by_me,
        "initiated_by_them": ledger.initiated_by_them,
        "replies_by_me": ledger.replies_by_me,
        "replies_by_them": ledger.replies_by_them,
        "median_reply_me_hours": _hours(ledger.median_reply_me),
        "median_reply_them_hours": _hours(ledger.median_reply_them),
        "open_asks": ledger.open_asks,
        "owed_replies": ledger.owed_replies,
        "intros_given": ledger.intros_given,
        "intros_received": ledger.intros_received,
        "given": ledger.given,
        "received": ledger.received,
        "balance": ledger.balance,
        "logged": ledger.logged,
        "cadence": None if rule is None else rule.name,
        "next_follow_up": iso(min(upcoming), tz) if upcoming else None,
        "birthday": b.isoformat() if (b := snapshot.birthdays.get(pid)) else None,
        "strength": found.score if (found := snapshot.strength.get(pid)) else None,
        "rhythm_days": usual.days if (usual := snapshot.rhythm.get(pid)) else None,
    }


def strength_parts(snapshot: Snapshot, pid: str) -> dict[str, Any] | None:
    """Every component of a person's strength (``ledger`` and ``why`` show them)."""
    found = snapshot.strength.get(pid)
    if found is None:
        return None
    usual = snapshot.rhythm.get(pid)
    return {
        "score": found.score,
        "points": {k: round(found.points(k), 1) for k in WEIGHTS},
        "shares": {k: round(v, 3) for k, v in found.shares.items()},
        "decay": round(found.decay, 3),
        "half_life_days": found.half_life_days,
        "days_since_last_touch": found.days_since,
        "touch_days_last_year": found.touch_days_year,
        "meetings_last_year": found.meetings_year,
        "one_way": found.one_way,
        "explain": found.explain(),
        "rhythm": None if usual is None else {
            "days": usual.days, "gaps": usual.gaps, "since": usual.since.isoformat()},
    }


def _hours(value: Any) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


SORTS = ("last-touch", "strength", "balance", "name")


def contacts(snapshot: Snapshot, placed: Mapping[str, datetime], tz: tzinfo,
             sort: str = "last-touch") -> list[dict[str, Any]]:
    """Every person; ``sort``: the most recently touched first, strongest first, most given
    (balance) first, or by name."""
    rows = [contact(snapshot, led, placed, tz) for led in snapshot.ledgers.values()]
    rows.sort(key=lambda r: r["id"])
    if sort == "name":
        rows.sort(key=lambda r: r["name"].casefold())
        return rows
    rows.sort(key=lambda r: (r["last_touch"] is not None, sort_key(r["last_touch"])[1]),
              reverse=True)
    if sort == "strength":
        rows.sort(key=lambda r: r["strength"] or 0, reverse=True)
    elif sort == "balance":
        rows.sort(key=lambda r: r["balance"], reverse=True)
    return rows


def due(snapshot: Snapshot, placed: Mapping[str, datetime], written: Mapping[str, Written],
        tz: tzinfo) -> list[dict[str, Any]]:
    """Each wanted follow-up and where it stands, the soonest first."""
    rows = []
    for cand in snapshot.candidates.values():
        record = written.get(cand.base_key)
        state = "planned"
        start = placed.get(cand.base_key)
        if record is not None and record.anchor == cand.anchor:
            if record.state in LIVE:
                state = "written" if record.state == "live" else "snoozed"
            elif record.state == "dismissed":
                state = "dismissed"
        rows.append({
            "key": record.key if record is not None and state != "planned" else cand.base_key,
            "kind": cand.kind,
            "person": "you" if cand.kind == "weekly_plan" else snapshot.directory.name(
                cand.person),
            "person_id": cand.person,
            "due": cand.due.astimezone(tz).date().isoformat(),  # the day placement sees
            "start": iso(start, tz),
            "reason": cand.reason,
            "state": state,
        })
    rows.sort(key=lambda r: (sort_key(r["start"]), r["key"]))
    return rows


def json_rows(data: Mapping[str, Any]) -> str:
    """``write_json`` to a string."""
    text = io.StringIO()
    write_json(data, text)
    return text.getvalue()


def write_json(data: Mapping[str, Any], file: IO[str]) -> None:
    """``data`` as ``json.dumps(data, indent=2)`` writes it, except that lists of objects are
    written one object per line: the same JSON, and Python's C encoder does the long lists (with
    ``indent`` the pure-Python one writes everything: seconds for a person with 100,000 rows).
    A value that is an iterable other than a list, a dict or a string (``why``'s rows read from
    the store) is such a list, written a row at a time as it is read (by its ``encoded()``
    when it has one: each row as the encoder would give it)."""
    if not data:
        file.write("{}")
        return
    encode = _row_encoder()
    sep = "{\n"
    for key, value in data.items():
        file.write(f"{sep}  {json.dumps(key, ensure_ascii=False)}: ")
        sep = ",\n"
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            value = iter(value)
        elif isinstance(value, (list, dict, str)) or not isinstance(value, Iterable):
            file.write(json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  "))
            continue
        elif callable(encoded := getattr(value, "encoded", None)):  # rows that encode themselves
            _write_rows(encoded(), file, str)
            continue
        _write_rows(iter(value), file, encode)
    file.write("\n}")


def _write_rows(rows: Iterator[Any], file: IO[str], encode: Callable[[Any], str]) -> None:
    first = next(rows, _END)
    if first is _END:
        file.write("[]")
        return
    file.write("[\n    " + encode(first))
    batch: list[str] = []
    for row in rows:
        batch.append(encode(row))
        if len(batch) >= 1000:
            file.write(",\n    " + ",\n    ".join(batch))
            batch.clear()
    if batch:
        file.write(",\n    " + ",\n    ".join(batch))
    file.write("\n  ]")


_END = object()


def _row_encoder() -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False).encode``, with Python's C encoder made once for
    every row, not once a row as ``encode`` makes it (a third of the time of a short row)."""
    plain = json.JSONEncoder(ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # (no C accelerator in this Python)
        return plain.encode
    fast = make(None, plain.default, json.encoder.encode_basestring, None, ": ", ", ", False,
                False, True)
    return lambda row: "".join(fast(row, 0))
