"""Every follow-up the rules want now: each kind's rule asked in turn, for every person
(DESIGN.md section 4). Pure; ``now`` passed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rules import birthdays as birthday_rule
from rules import reciprocity
from rules.cadence import CadenceRule, cadence, new_contact
from rules.candidates import Candidate
from rules.drift import DriftSettings, drift
from syncd.ledger import PersonLedger
from syncd.model import Birthday


def _no_tags(_person: str) -> tuple[str, ...]:
    return ()


def desired(ledgers: Mapping[str, PersonLedger], rules: Mapping[str, CadenceRule | None],
            settings: Settings, now: datetime, *, birthdays: Mapping[str, Birthday] | None = None,
            tags: Callable[[str], Sequence[str]] = _no_tags) -> dict[str, Candidate]:
    """Every follow-up the rules want now, by base key. ``rules``: person -> matching rule;
    ``birthdays``: person -> birthday (a person with no interaction yet too); ``tags``: a
    person's tags.

    The cadence (or, without a matching cadence, the drift) reminder waits while anything more
    specific is open for the person (a birthday does not: it is about the day, not about the
    conversation)."""
    out = birthday_rule.wanted(birthdays or {}, ledgers, tags, settings.remind_birthdays, now,
                               ZoneInfo(settings.timezone))
    for person, ledger in ledgers.items():
        found = [
            reciprocity.owed_reply(ledger, settings.owed_reply_after, settings.own_domains,
                                   answering=person in settings.answering),
            reciprocity.nudge(ledger, settings.nudge_after, now, settings.heard_until),
            new_contact(ledger, settings.steps, now, settings.horizon),
            reciprocity.thank(ledger, settings.owed_reply_after)
            if settings.thank_helpers else None,
        ]
        # A reply owed, an ask or a thank-you whose moment passed more than `horizon` ago has
        # lapsed: a first sync over years of mail must not turn old threads into reminders.
        specific = [c for c in found if c is not None and c.due >= now - settings.horizon]
        rule = rules.get(person)
        if not specific and (regular := cadence(ledger, rule)) is not None:
            specific.append(regular)
        elif (not specific and rule is None
              and (quiet := drift(ledger, settings.drift)) is not None
              and quiet.due >= now - settings.horizon):  # a silence noticed long ago lapses
            specific.append(quiet)
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
    own_domains: frozenset[str] = frozenset()  # the domains of the user's addresses
    # people whose mail quotes the user's own words: the user has written to them, even if
    # that message was never synced (so their mail is no cold mail)
    answering: frozenset[str] = frozenset()
    # the newest message anyone wrote to the user: asks made long after it are not judged
    # (``rules.reciprocity.DEAF``); None when nothing is known, and then nothing is held back
    heard_until: datetime | None = None
    remind_birthdays: str = "active"  # [birthdays] remind
    timezone: str = "UTC"  # me.timezone: which day "today" is
    drift: DriftSettings = field(default_factory=lambda: DriftSettings(enabled=False))
