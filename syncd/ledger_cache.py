"""A person's ledger as one stored row: everything ``syncd.ledger.build`` derives but the full
history (read back from the touches when a rule needs it) and the ``now``-dependent counts
(``settle`` recomputes them), with the display names and addresses the person was seen with.
Pure: JSON text in and out.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from syncd.interactions import Interaction
from syncd.ledger import PersonLedger

_TIMES = ("first_seen", "last_touch", "last_inbound", "last_outbound", "first_meeting",
          "first_exchange")
_COUNTS = ("messages_in", "messages_out", "meetings", "initiated_by_me", "initiated_by_them",
           "replies_by_me", "replies_by_them")


@dataclass(frozen=True, slots=True)
class Seen:
    """The display names (with how often each came) and addresses a person was seen with."""

    names: Counter[str]
    addresses: frozenset[str]


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _pack(i: Interaction | None) -> list[Any] | None:
    if i is None:
        return None
    return [i.at.timestamp(), i.direction, i.thread, i.ref, i.subject, i.direct]


def _unpack(person: str, raw: list[Any] | None) -> Interaction | None:
    if raw is None:
        return None
    at, direction, thread, ref, subject, direct = raw
    return Interaction(datetime.fromtimestamp(at, UTC), person, direction, thread, ref,
                       subject, bool(direct))


def dump(ledger: PersonLedger, seen: Seen) -> str:
    data: dict[str, Any] = {name: _ts(getattr(ledger, name)) for name in _TIMES}
    data.update({name: getattr(ledger, name) for name in _COUNTS})
    data.update(
        asks=[_pack(i) for i in ledger.asks], owed=_pack(ledger.owed),
        helped=_pack(ledger.helped), last=_pack(ledger.last),
        latencies_me=ledger.latencies_me, latencies_them=ledger.latencies_them,
        ask_times=[t.timestamp() for t in ledger.ask_times],
        owed_times=[t.timestamp() for t in ledger.owed_times],
        names=dict(seen.names), addresses=sorted(seen.addresses))
    return json.dumps(data, separators=(",", ":"))


def load(person: str, text: str) -> tuple[PersonLedger, Seen]:
    data = json.loads(text)
    ledger = PersonLedger(person)
    for name in _TIMES:
        setattr(ledger, name, _dt(data[name]))
    for name in _COUNTS:
        setattr(ledger, name, int(data[name]))
    ledger.asks = [i for raw in data["asks"] if (i := _unpack(person, raw)) is not None]
    ledger.owed = _unpack(person, data["owed"])
    ledger.helped = _unpack(person, data["helped"])
    ledger.last = _unpack(person, data["last"])
    ledger.latencies_me = [float(v) for v in data["latencies_me"]]
    ledger.latencies_them = [float(v) for v in data["latencies_them"]]
    ledger.ask_times = [datetime.fromtimestamp(t, UTC) for t in data["ask_times"]]
    ledger.owed_times = [datetime.fromtimestamp(t, UTC) for t in data["owed_times"]]
    return ledger, Seen(Counter(data["names"]), frozenset(data["addresses"]))
