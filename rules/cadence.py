"""Which follow-ups are due, and why: pure functions of (ledger, config, now).

Kinds in this module: ``cadence`` (last touch + ``every`` of the first matching
``[[cadences]]`` entry; any new touch satisfies it) and ``new_contact`` (after a first meeting or
the first two-way exchange, each of ``new_contacts.steps`` in turn; a touch by the user advances
the sequence, a reply from them after such a touch ends it). While a new-contact sequence runs,
the cadence reminder for that person waits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rules.identity import domain_of, normalize_address
from syncd.ledger import PersonLedger

# Lower number wins a slot when a day is full (DESIGN.md section 4).
PRIORITY = {"owed_reply": 0, "nudge": 1, "new_contact": 2, "thank": 3, "cadence": 4,
            "weekly_plan": 5, "reauth": -1}


@dataclass(frozen=True, slots=True)
class CadenceRule:
    name: str
    every: timedelta
    tags: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    min_exchanges: int = 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A follow-up the rules want, before placement in the calendar."""

    base_key: str
    kind: str
    person: str
    due: datetime
    anchor: str  # what produced it; a dismissed follow-up comes back only with a new anchor
    reason: str
    details: tuple[str, ...] = ()  # more lines for the description (the weekly suggestions)

    @property
    def priority(self) -> int:
        return PRIORITY[self.kind]


def base_key(person: str, kind: str) -> str:
    """``sha256(person_id, kind)`` in hex: valid as a CalDAV href and a Google event id."""
    return hashlib.sha256(f"{person}\x1f{kind}".encode()).hexdigest()[:40]


def matching_rule(rules: Sequence[CadenceRule], ledger: PersonLedger, name: str,
                  tags: Sequence[str], addresses: Sequence[str]) -> CadenceRule | None:
    """The first ``[[cadences]]`` entry that matches this person (first match wins)."""
    norm = {normalize_address(a) for a in addresses} | {ledger.person}
    domains = {domain_of(a) for a in norm}
    for rule in rules:
        if ledger.exchanges < rule.min_exchanges:
            continue
        selectors = (rule.tags, rule.people, rule.addresses, rule.domains)
        if not any(selectors):
            return rule
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
    touches = [i for i in ledger.history if i.at > start and i.direction in ("out", "meeting")]
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


def desired(ledgers: Mapping[str, PersonLedger], rules: Mapping[str, CadenceRule | None],
            settings: Settings, now: datetime) -> dict[str, Candidate]:
    """Every follow-up the rules want now, by base key. ``rules``: person -> matching rule.

    The cadence reminder waits while anything more specific is open for the person."""
    from rules import reciprocity

    out: dict[str, Candidate] = {}
    for person, ledger in ledgers.items():
        found = [
            reciprocity.owed_reply(ledger, settings.owed_reply_after),
            reciprocity.nudge(ledger, settings.nudge_after),
            new_contact(ledger, settings.steps, now, settings.horizon),
            reciprocity.thank(ledger, settings.owed_reply_after)
            if settings.thank_helpers else None,
        ]
        # A reply owed, an ask or a thank-you whose moment passed more than `horizon` ago has
        # lapsed: a first sync over years of mail must not turn old threads into reminders.
        specific = [c for c in found if c is not None and c.due >= now - settings.horizon]
        if not specific and (regular := cadence(ledger, rules.get(person))) is not None:
            specific.append(regular)
        for c in specific:
            out[c.base_key] = c
    return out


@dataclass(frozen=True, slots=True)
class Settings:
    """The config values the follow-up rules read."""

    steps: Sequence[timedelta]
    horizon: timedelta
    nudge_after: timedelta
    owed_reply_after: timedelta
    thank_helpers: bool = True
