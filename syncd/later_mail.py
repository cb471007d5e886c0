"""What the user's later messages to a person show, looked up when the follow-ups are planned,
for the few people it can change (those the user wrote to after a reply owed to them or an ask
of theirs):

- a new conversation the user started with them picks up the reply owed (``rules.resumed``:
  ``PersonLedger.resumed``);
- their words quoted from mail never synced show they answered the user's ask
  (``rules.quoted_answer``: ``PersonLedger.quoted_answer``).

Both read whole messages (headers and text flags), which the ledger summaries do not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rules.people import Directory
from rules.quoted_answer import quotes_them
from rules.resumed import starts_with
from syncd.ledger import PersonLedger
from syncd.model import Message


@dataclass(frozen=True, slots=True)
class Lookups:
    """``sent_since(since)``: (person, message) for the user's messages that touched each
    person after ``since[person]``; ``stored(message_id)``: is that message among the synced
    mail? ``wrote_on(address, subject, before)``: did the address write a stored message with
    that normalised subject before then?"""

    sent_since: Callable[[Mapping[str, datetime]], list[tuple[str, Message]]]
    stored: Callable[[str], bool]
    wrote_on: Callable[[str, str, datetime], bool]


def note(ledgers: Mapping[str, PersonLedger], directory: Directory, oldest: datetime,
         oldest_ask: datetime, lookups: Lookups) -> None:
    """Set ``resumed`` (for a reply owed since ``oldest``) and ``quoted_answer`` (for an open
    ask made since ``oldest_ask``; older ones have lapsed) on the ledgers they can change."""
    owed_since: dict[str, datetime] = {}
    ask_since: dict[str, datetime] = {}
    since: dict[str, datetime] = {}  # the earlier of the two: what to look up
    for pid, led in ledgers.items():
        if led.last_outbound is None:
            continue
        if led.owed is not None and oldest <= led.owed.at < led.last_outbound:
            owed_since[pid] = since[pid] = led.owed.at
        asks = [a.at for a in (led.due_ask, led.last_ask) if a is not None and a.at >= oldest_ask]
        if asks and min(asks) < led.last_outbound:
            ask_since[pid] = min(asks)
            since[pid] = min(since.get(pid, ask_since[pid]), ask_since[pid])
    if not since:
        return
    sent = lookups.sent_since(since)
    for pid, at in newest(sent, owed_since, directory.person_id,
                          lambda m: starts_with(m, directory.is_self_address)).items():
        ledgers[pid].resumed = at
    for pid, at in newest(sent, ask_since, directory.person_id,
                          lambda m: quotes_them(m, lookups.stored, lookups.wrote_on)).items():
        ledgers[pid].quoted_answer = at


def newest(sent: Iterable[tuple[str, Message]], since: Mapping[str, datetime],
           person_of: Callable[[str], str], names: Callable[[Message], frozenset[str]]
           ) -> dict[str, datetime]:
    """Person -> the newest message of ``sent`` ((person, a message of the user's that touched
    them)) after ``since[person]`` among whose ``names`` (addresses) they are."""
    out: dict[str, datetime] = {}
    for person, m in sent:
        after = since.get(person)
        if after is None or m.date <= after:
            continue
        if any(person_of(a) == person for a in names(m)):
            held = out.get(person)
            out[person] = m.date if held is None else max(held, m.date)
    return out
