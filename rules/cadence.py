"""Which follow-ups are due, and why: pure functions of (ledger, config, now).

Kinds in this module: ``cadence`` (last touch + ``every`` of the first matching
``[[cadences]]`` entry; any new touch satisfies it) and ``new_contact`` (after a first meeting or
the first two-way exchange, each of ``new_contacts.steps`` in turn; a touch by the user (a
message, a meeting, a logged touch) advances the sequence, a reply from them after such a
touch ends it). While a new-contact sequence runs, the cadence reminder for that person waits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rules.candidates import Candidate, base_key
from rules.identity import domain_of, normalize_address
from syncd.ledger import PersonLedger


@dataclass(frozen=True, slots=True)
class CadenceRule:
    name: str
    every: timedelta
    tags: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    min_exchanges: int = 0


def matching_rule(rules: Sequence[CadenceRule], ledger: PersonLedger, name: str,
                  tags: Sequence[str], addresses: Sequence[str]) -> CadenceRule | None:
    """The first ``[[cadences]]`` entry that matches this person (first match wins)."""
    norm: set[str] | None = None
    domains: set[str] = set()
    for rule in rules:
        if ledger.exchanges < rule.min_exchanges:
            continue
        selectors = (rule.tags, rule.people, rule.addresses, rule.domains)
        if not any(selectors):
            return rule
        if norm is None:
            norm = {normalize_address(a) for a in addresses} | {ledger.person}
            domains = {domain_of(a) for a in norm}
        if (set(rule.tags) & set(tags) or name in rule.people
                or norm & {normalize_address(a) for a in rule.addresses}
                or any(d == r.lower() or d.endswith("." + r.lower())
                       for d in domains for r in rule.domains)):
            return rule
    return None


def new_contact_start(ledger: PersonLedger, steps: Sequence[timedelta], now: datetime,
                      horizon: timedelta) -> datetime | None:
    """When this person's new-contact sequence started, while it may still run (the rule then
    reads their history); None for an old acquaintance or someone never met nor answered."""
    starts = [t for t in (ledger.first_meeting, ledger.first_exchange) if t is not None]
    if not starts or not steps:
        return None
    start = min(starts)
    return None if now > start + steps[-1] + horizon else start


def new_contact(ledger: PersonLedger, steps: Sequence[timedelta], now: datetime,
                horizon: timedelta) -> Candidate | None:
    start = new_contact_start(ledger, steps, now, horizon)
    if start is None:
        return None  # an old acquaintance (cadences take over), or no exchange yet
    touches = [i for i in ledger.history
               if i.at > start and i.direction in ("out", "meeting", "logged")]
    if touches and any(i.direction == "in" and i.at > touches[0].at for i in ledger.history):
        return None  # they answered a follow-up: the sequence has done its job
    step = len(touches)
    if step >= len(steps):
        return None
    first = "meeting" if start == ledger.first_meeting else "exchange"
    return Candidate(
        base_key(ledger.person, "new_contact"), "new_contact", ledger.person,
        start + steps[step], f"new:{start.isoformat()}:{step}",
        f"step {step + 1} of {len(steps)} after your first {first} on {start.date()}")


def cadence(ledger: PersonLedger, rule: CadenceRule | None) -> Candidate | None:
    if rule is None or ledger.last_touch is None:
        return None
    return Candidate(
        base_key(ledger.person, "cadence"), "cadence", ledger.person,
        ledger.last_touch + rule.every, f"cadence:{ledger.last_touch.isoformat()}",
        f"cadence '{rule.name}': every {rule.every.days} days since your last touch on "
        f"{ledger.last_touch.date()}")
