"""The pure middle of a cycle: stored records in, ledgers and wanted follow-ups out.

rules.classify -> rules.people -> syncd.ledger -> rules.cadence (DESIGN.md section 2). Used by
the engine and by the read-only commands (`contacts`, `due`, `ledger`, `why`), so they all see
the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rules.cadence import CadenceRule, Candidate, Settings, desired, matching_rule
from rules.people import Directory, PersonSpec
from rules.weekly import weekly_plan
from syncd import ledger as ledger_mod
from syncd.config import Config, ImapAccount
from syncd.interactions import (
    Derived,
    classify_all,
    derive,
    derive_personal,
    personal_only,
)
from syncd.ledger import PersonLedger
from syncd.model import Meeting, Message
from syncd.store import Store


@dataclass(frozen=True, slots=True)
class Snapshot:
    directory: Directory
    derived: Derived
    ledgers: dict[str, PersonLedger]
    rules: dict[str, CadenceRule | None]
    candidates: dict[str, Candidate]


def self_addresses(config: Config) -> list[str]:
    """``me.addresses`` plus every account's own address."""
    found = list(config.me.addresses)
    for account in config.accounts:
        if isinstance(account, ImapAccount) and "@" in account.username:
            found.append(account.username)
    return found


def directory_for(config: Config) -> Directory:
    return Directory.build(
        self_addresses(config),
        [PersonSpec(p.name, p.addresses, p.tags) for p in config.people])


def cadence_rules(config: Config) -> list[CadenceRule]:
    return [CadenceRule(c.name, c.every, c.tags, c.people, c.addresses, c.domains,
                        c.min_exchanges) for c in config.cadences]


def compute(config: Config, messages: Sequence[Message], meetings: Sequence[Meeting],
            now: datetime) -> Snapshot:
    directory = directory_for(config)
    return _finish(config, directory, derive(config, directory, messages, meetings, now), now)


def compute_from_store(config: Config, store: Store, now: datetime) -> Snapshot:
    """``compute`` over everything stored, holding all messages only while classifying them:
    the ledger stage keeps just the personal ones, without their rule headers."""
    directory = directory_for(config)
    messages = list(store.messages())
    verdicts = classify_all(config, directory, messages)
    personal = personal_only(messages, verdicts, now)
    del messages
    derived = derive_personal(config, directory, personal, verdicts, list(store.meetings()), now)
    return _finish(config, directory, derived, now)


def _finish(config: Config, directory: Directory, derived: Derived, now: datetime) -> Snapshot:
    ledgers = ledger_mod.build(
        derived.interactions, now, nudge_after=config.reciprocity.nudge_after,
        owed_reply_after=config.reciprocity.owed_reply_after)
    ledger_mod.add_introductions(ledgers, derived.intros_given, derived.intros_received)
    rules = cadence_rules(config)
    matched = {
        pid: matching_rule(rules, led, directory.name(pid), directory.tags(pid),
                           directory.addresses(pid))
        for pid, led in ledgers.items()}
    settings = Settings(config.new_contacts.steps, config.followups.horizon,
                        config.reciprocity.nudge_after, config.reciprocity.owed_reply_after,
                        config.reciprocity.thank_helpers)
    candidates = desired(ledgers, matched, settings, now)
    plan = weekly_plan(ledgers, derived.interactions, derived.intros_given, now,
                       ZoneInfo(config.me.timezone), config.goals.introductions_per_week,
                       directory.name)
    if plan is not None:
        candidates[plan.base_key] = plan
    return Snapshot(directory, derived, ledgers, matched, candidates)
