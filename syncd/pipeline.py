"""The pure middle of a cycle: stored records in, ledgers and wanted follow-ups out.

rules.classify -> rules.people -> syncd.ledger -> rules.cadence (DESIGN.md section 2). Used by
the engine and by the read-only commands (`contacts`, `due`, `ledger`, `why`), so they all see
the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from rules.cadence import CadenceRule, matching_rule, new_contact_start
from rules.candidates import Candidate
from rules.classify import in_sent_folder
from rules.drift import DriftSettings
from rules.identity import normalize_address, same_name
from rules.people import Directory, PersonSpec
from rules.reciprocity import MAX_NUDGES
from rules.rhythm import Rhythm, rhythm
from rules.strength import Strength, strength
from rules.threads import normalize_subject
from rules.wanted import Settings, desired
from rules.weekly import active, weekly_plan
from syncd import collector, incremental, later_mail
from syncd import ledger as ledger_mod
from syncd.config import Config, ImapAccount
from syncd.interactions import Derived, Interaction, derive
from syncd.ledger import PersonLedger
from syncd.model import Birthday, Contact, LoggedTouch, Meeting, Message
from syncd.process import give_back_heap
from syncd.store import Store


@dataclass(frozen=True, slots=True)
class Snapshot:
    directory: Directory
    derived: Derived
    ledgers: dict[str, PersonLedger]
    rules: dict[str, CadenceRule | None]
    candidates: dict[str, Candidate]
    birthdays: dict[str, Birthday] = field(default_factory=dict)  # person id -> birthday
    strength: Mapping[str, Strength] = field(default_factory=dict)
    rhythm: Mapping[str, Rhythm | None] = field(default_factory=dict)  # the usual gap, if learned


V = TypeVar("V")


class OnDemand(Mapping[str, V]):
    """Person id -> a value worked out from their ledger when first asked for: strength and
    rhythm, which a cycle that only plans follow-ups never reads (``contacts``, ``why`` and the
    report read them for the people they show)."""

    def __init__(self, ledgers: Mapping[str, PersonLedger], make: Callable[[PersonLedger], V]
                 ) -> None:
        self._ledgers, self._make, self._made = ledgers, make, dict[str, V]()

    def __getitem__(self, pid: str) -> V:
        if pid not in self._made:
            self._made[pid] = self._make(self._ledgers[pid])
        return self._made[pid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ledgers)

    def __len__(self) -> int:
        return len(self._ledgers)


def self_addresses(config: Config) -> list[str]:
    """``me.addresses`` plus every account's own address."""
    found = list(config.me.addresses)
    for account in config.accounts:
        if isinstance(account, ImapAccount) and "@" in account.username:
            found.append(account.username)
    return found


def directory_for(config: Config, book: Iterable[Contact] = (),
                  sent_from: Iterable[str] = ()) -> Directory:
    """Who is who: the user (with the addresses of the user's sent mail that carry the user's
    surname), ``[[people]]``, then the address-book entries ``book``."""
    return Directory.build(
        self_addresses(config),
        [PersonSpec(p.name, p.addresses, p.tags) for p in config.people],
        self_name=config.me.name, book=book, sent_from=sent_from)


def sent_from(messages: Iterable[Message]) -> set[str]:
    """The From addresses of the messages in the user's sent folders."""
    return {m.sender.email for m in messages if m.sender is not None and in_sent_folder(m)}


def birthdays_of(config: Config, directory: Directory) -> dict[str, Birthday]:
    """Person id -> birthday: the address books', then the ``[[people]]`` entries that give one
    (the config wins)."""
    found = {pid: Birthday(*booked) for pid in directory.booked()
             if (booked := directory.birthday(pid)) is not None}
    found.update({directory.person_id(p.addresses[0]): Birthday.parse(p.birthday)
                  for p in config.people if p.birthday and p.addresses})
    return found


def cadence_rules(config: Config) -> list[CadenceRule]:
    return [CadenceRule(c.name, c.every, c.tags, c.people, c.addresses, c.domains,
                        c.min_exchanges) for c in config.cadences]


def drift_settings(config: Config) -> DriftSettings:
    return DriftSettings(config.drift.enabled, config.drift.factor, config.drift.min_touches,
                         ZoneInfo(config.me.timezone))


def compute(config: Config, messages: Sequence[Message], meetings: Sequence[Meeting],
            now: datetime, book: Iterable[Contact] = (),
            logged: Sequence[LoggedTouch] = ()) -> Snapshot:
    """Everything from the given records in one pass (the read-only commands and the tests)."""
    directory = directory_for(config, book, sent_from(messages))
    derived = derive(config, directory, messages, meetings, now, logged)
    ledgers = ledger_mod.build(
        derived.interactions, now, nudge_after=config.reciprocity.nudge_after,
        owed_reply_after=config.reciprocity.owed_reply_after, tz=ZoneInfo(config.me.timezone))
    ledger_mod.add_introductions(ledgers, derived.intros_given, derived.intros_received)
    def answering(people: list[str]) -> set[str]:
        wanted = set(people)
        return {i.person for i in derived.interactions
                if i.direction == "in" and i.answered and i.person in wanted}

    by_id = {m.message_id: m for m in messages}

    def sent_since(since: Mapping[str, datetime]) -> list[tuple[str, Message]]:
        return [(i.person, by_id[i.ref]) for i in derived.interactions
                if i.direction == "out" and i.person in since and i.at > since[i.person]
                and i.ref in by_id]

    first_on: dict[tuple[str, str], datetime] = {}  # (sender, subject) -> its first message

    def wrote_on(address: str, subject: str, before: datetime) -> bool:
        if not first_on:
            for m in messages:
                if m.sender is not None:
                    key = (normalize_address(m.sender.email), normalize_subject(m.subject))
                    first_on[key] = min(first_on.get(key, m.date), m.date)
        first = first_on.get((address, subject))
        return first is not None and first < before

    return _finish(config, directory, ledgers, derived, now,
                   lambda _people: derived.interactions, answering,
                   later_mail.Lookups(sent_since, lambda mid: mid in by_id, wrote_on))


@collector.paused  # (it builds no reference cycles: no full heap walks for nothing)
def compute_from_store(config: Config, store: Store, now: datetime,
                       progress: incremental.Progress = incremental.quiet) -> Snapshot:
    """``compute`` over everything stored, from the stored interactions: only what changed since
    the last cycle is derived again (``syncd.incremental``); every ledger is finished at ``now``
    from per-person summaries of the interactions, recomputed for the people whose interactions
    changed (``syncd.store.ledgers``), without the histories, which are loaded only where a rule
    reads them."""
    directory = directory_for(config, store.address_book(), store.own_senders())
    refreshed = incremental.refresh(config, directory, store, now, progress)
    progress("ledgers", 0, None)
    with store.derived.transaction():
        store.derived.touches.refresh_ledgers(ZoneInfo(config.me.timezone))
    if refreshed.full:  # the heap a derivation of everything left: back to the system (glibc)
        give_back_heap()  # before the ledgers are built (186 -> 180 MB at a million messages)
    ledgers = store.derived.touches.ledgers(
        now, nudge_after=config.reciprocity.nudge_after,
        owed_reply_after=config.reciprocity.owed_reply_after)
    for person, address, name, times in store.derived.touches.seen():
        directory.note(person, address, name, times)
    given, received = incremental.introductions(config, directory, store)
    ledger_mod.add_introductions(ledgers, given, received)
    steps, horizon = config.new_contacts.steps, config.followups.horizon
    opening = [p for p, led in ledgers.items()
               if new_contact_start(led, steps, now, horizon) is not None]
    for person, history in incremental.histories(store, opening).items():
        ledgers[person].history = history
    derived = Derived((), {}, {}, tuple(given), tuple(received))

    def sent_since(since: Mapping[str, datetime]) -> list[tuple[str, Message]]:
        sent = store.derived.touches.sent_after(
            {person: at.timestamp() for person, at in since.items()})
        found = {m.message_id: m for m in store.messages_by_id({ref for _p, ref in sent})}
        return [(person, found[ref]) for person, ref in sent if ref in found]

    return _finish(config, directory, ledgers, derived, now,
                   lambda people: incremental.interactions_together(store, people),
                   store.derived.touches.answering,
                   later_mail.Lookups(sent_since, store.derived.has_message,
                                      store.derived.wrote_on))


def _own_mailbox(directory: Directory, ledger: PersonLedger) -> bool:
    """An address that spells the user's name (at any domain), that nobody configured as a
    person, and that either never wrote to nor met the user (mail sent home), or never came with
    a display name but the user's own and never answered the user (notes sent to oneself from
    home, mail a family shares: "mcuilla@home" writing to work): the user's own other mailbox.
    A namesake who answers the user, or shows a name of their own, stays a person."""
    pid = ledger.person
    silent = ledger.messages_in == 0 and ledger.meetings == 0 and ledger.logged == 0
    if not silent and ledger.replies_by_them:
        return False
    if not directory.spells_self(pid) or pid in directory.configured() or (
            pid in directory.booked()) or not all(
            directory.spells_self(a) for a in directory.addresses(pid)):
        return False  # (the id first: an address, and most spell someone else's name)
    return silent or not any(name and not same_name(name, directory.self_name)
                             for name in directory.names_seen(pid))


def _finish(config: Config, directory: Directory, ledgers: dict[str, PersonLedger],
            derived: Derived, now: datetime,
            near: Callable[[list[str]], Iterable[Interaction]],
            answering: Callable[[list[str]], set[str]],
            later: later_mail.Lookups) -> Snapshot:
    """Rules, follow-ups and the weekly plan. ``near(people)``: at least the interactions in
    the threads and meetings with 2 to 20 people that those people were in (what the weekly
    suggestions compare); ``answering(people)``: those of them with a message that quotes the
    user's own words (asked only about would-be cold mail: ``rules.reciprocity.cold``);
    ``later``: the user's later mail to a person, asked only about those it can change
    (``syncd.later_mail``)."""
    for pid in [pid for pid, led in ledgers.items() if _own_mailbox(directory, led)]:
        del ledgers[pid]
    horizon = config.followups.horizon
    later_mail.note(ledgers, directory, now - horizon - config.reciprocity.owed_reply_after,
                    now - horizon - MAX_NUDGES * config.reciprocity.nudge_after, later)
    rules = cadence_rules(config)
    if any(r.tags or r.people or r.addresses or r.domains for r in rules):
        matched = {
            pid: matching_rule(rules, led, directory.name(pid), directory.tags(pid),
                               directory.addresses(pid))
            for pid, led in ledgers.items()}
    else:  # no entry asks who they are: only the exchanges decide
        matched = {pid: matching_rule(rules, led, "", (), ()) for pid, led in ledgers.items()}
    settings = Settings(config.new_contacts.steps, config.followups.horizon,
                        config.reciprocity.nudge_after, config.reciprocity.owed_reply_after,
                        config.reciprocity.thank_helpers,
                        own_domains=directory.own_domains,
                        answering=frozenset(answering(
                            [pid for pid, led in ledgers.items()
                             if led.owed is not None and led.messages_out == 0])),
                        heard_until=max((led.last_inbound for led in ledgers.values()
                                         if led.last_inbound is not None), default=None),
                        remind_birthdays=config.birthdays.remind, timezone=config.me.timezone,
                        drift=drift_settings(config))
    birthdays = birthdays_of(config, directory)
    candidates = desired(ledgers, matched, settings, now, birthdays=birthdays,
                         tags=directory.tags)
    goal = config.goals.introductions_per_week
    if goal > 0:
        nearby = near([led.person for led in active(ledgers, now)])
        plan = weekly_plan(ledgers, nearby, derived.intros_given, now,
                           ZoneInfo(config.me.timezone), goal, directory.name)
        if plan is not None:
            candidates[plan.base_key] = plan
    min_touches = config.drift.min_touches
    return Snapshot(directory, derived, ledgers, matched, candidates, birthdays,
                    OnDemand(ledgers, lambda led: strength(led, now)),
                    OnDemand(ledgers, lambda led: rhythm(led.recent, min_touches)))
