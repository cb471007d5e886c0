"""The person half of ``syncd why``: the ledger role of each counted interaction, and which
``[[cadences]]`` entry applies and why. Pure; the decisions themselves stay in
``syncd.ledger`` and ``rules.cadence`` (cadence matching is asked of ``matching_rule``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from rules.cadence import CadenceRule, matching_rule
from rules.identity import domain_of, normalize_address
from syncd.config import Config
from syncd.interactions import Interaction
from syncd.pipeline import Snapshot, cadence_rules


def roles(history: Sequence[Interaction], now: datetime, config: Config) -> dict[str, str]:
    """Why each interaction (by ref) counts, in the ledger's words (``role``)."""
    out: dict[str, str] = {}
    by_thread: dict[str, list[Interaction]] = defaultdict(list)
    for i in history:
        if i.direction in ("meeting", "logged"):
            out[i.ref] = role(i.direction, i.direct, i.at, now, config)
        else:
            by_thread[i.thread].append(i)
    for events in by_thread.values():
        for n, i in enumerate(events):
            before = events[n - 1] if n else None
            out[i.ref] = role(i.direction, i.direct, i.at, now, config,
                              before=None if before is None
                              else (before.direction, i.at - before.at),
                              started=events[0].direction, last=n == len(events) - 1)
    return out


def role(direction: str, direct: bool, at: datetime, now: datetime, config: Config, *,
         before: tuple[str, timedelta] | None = None, started: str = "", last: bool = False
         ) -> str:
    """Why one interaction counts: the first message of a person's thread is an initiation, a
    change of direction a reply, the last one may be an open ask (in a thread the user started)
    or an owed reply (in a thread they started) (``syncd.ledger``). ``before``: the direction
    of the person's message before it in the thread and how long before it was; ``started``:
    the direction of the first; ``last``: none after it."""
    if direction == "meeting":
        return "a meeting that happened, with you in it: a meeting and an exchange"
    if direction == "logged":
        return ("a touch you logged (`syncd touch`): a touch"
                + ("; they answered: an exchange" if direct else ""))
    who = "you" if direction == "out" else "them"
    if before is None:
        text = f"initiation by {who}"
    elif before[0] != direction:
        text = f"reply by {who} after {span(before[1])}"
    else:
        text = f"one more by {who}, no reply in between"
    if last and direct:
        reciprocity, waited = config.reciprocity, now - at
        if started == "out" and direction == "out" and waited > reciprocity.nudge_after:
            text += (f"; open ask: no reply for {span(waited)} "
                     f"(reciprocity.nudge_after {span(reciprocity.nudge_after)})")
        elif (started != "out" and direction == "in"
              and waited > reciprocity.owed_reply_after):
            text += (f"; owed reply: unanswered for {span(waited)} "
                     f"(reciprocity.owed_reply_after {span(reciprocity.owed_reply_after)})")
    return f"{_how(direction, direct)}; {text}"


def _how(direction: str, direct: bool) -> str:
    """``direct`` is what the ask rules decided (``rules.asks``), not just the To line."""
    if direction == "out":
        return "you wrote to them" + (", asking them (To)" if direct else "")
    return "they wrote to you" + (", asking you" if direct else " (nothing asked of you)")


def span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.0f} days"


def cadence_why(snapshot: Snapshot, config: Config, pid: str) -> dict[str, Any]:
    """The ``[[cadences]]`` entry that applies (the first that matches) and why the ones before
    it do not."""
    ledger = snapshot.ledgers.get(pid)
    if ledger is None:
        return {"rule": None, "every_days": None,
                "why": "nothing of theirs counts yet: no ledger, so no cadence"}
    directory = snapshot.directory
    name, tags, addresses = directory.name(pid), directory.tags(pid), directory.addresses(pid)
    skipped: list[str] = []
    for entry in cadence_rules(config):
        if matching_rule([entry], ledger, name, tags, addresses) is not None:
            why = ("the first [[cadences]] entry that matches: "
                   + _selector(entry, name, tags, addresses))
            if skipped:
                why += "; before it: " + "; ".join(skipped)
            return {"rule": entry.name, "every_days": entry.every.days, "why": why}
        if ledger.exchanges < entry.min_exchanges:
            skipped.append(f"{entry.name!r} needs {entry.min_exchanges} exchanges (replies or "
                           f"meetings), they have {ledger.exchanges}")
        else:
            skipped.append(f"{entry.name!r} selects other people")
    why = "no [[cadences]] entry" + (" matches: " + "; ".join(skipped) if skipped else
                                     " in the config")
    return {"rule": None, "every_days": None, "why": why}


def _selector(entry: CadenceRule, name: str, tags: Sequence[str], addresses: Sequence[str]
              ) -> str:
    if not (entry.tags or entry.people or entry.addresses or entry.domains):
        found = "it applies to everyone"
    elif shared := sorted(set(entry.tags) & set(tags)):
        found = f"tag {', '.join(shared)}"
    elif name in entry.people:
        found = f"{name} is in its people"
    elif {normalize_address(a) for a in entry.addresses} & {
            normalize_address(a) for a in addresses}:
        found = "address listed in its addresses"
    else:
        found = f"domain {', '.join(sorted({domain_of(a) for a in addresses}))} in its domains"
    if entry.min_exchanges:
        found += f", with at least {entry.min_exchanges} exchanges"
    return found


def drift_why(snapshot: Snapshot, config: Config, pid: str, now: datetime) -> str:
    """Why there is, or is not, a ``drift`` reminder for this person (``rules.drift``)."""
    from rules.drift import MIN_SILENCE
    from rules.rhythm import MIN_SPAN
    from rules.strength import two_way

    ledger = snapshot.ledgers.get(pid)
    found = [c for c in snapshot.candidates.values() if c.person == pid and c.kind == "drift"]
    if found:
        return found[0].reason
    if not config.drift.enabled:
        return "off ([drift] enabled = false)"
    if ledger is None or not two_way(ledger):
        return "never for a one-way history (no messages both ways, no meeting)"
    if snapshot.rules.get(pid) is not None:
        return "a [[cadences]] entry matches them: the cadence wins"
    usual = snapshot.rhythm.get(pid)
    if usual is None:
        return (f"no rhythm learned: it needs {config.drift.min_touches} touch days "
                f"([drift] min_touches) spanning {MIN_SPAN.days} days in the last two years")
    others = [c.kind for c in snapshot.candidates.values() if c.person == pid]
    if others:
        return f"waits while a more specific follow-up is open ({', '.join(sorted(others))})"
    due = (ledger.last_touch or now) + max(
        timedelta(days=usual.days * config.drift.factor), MIN_SILENCE)
    if due < now - config.followups.horizon:
        return (f"you usually talk every {usual.days} days; the silence passed "
                f"{config.drift.factor:g}x that on {due.date()}, longer ago than "
                "followups.horizon: lapsed")
    return f"you usually talk every {usual.days} days; not quiet for long enough yet"


def owed_why(snapshot: Snapshot, config: Config, pid: str, now: datetime) -> str | None:
    """Why a message of theirs waiting for an answer has no ``owed_reply`` reminder
    (``rules.reciprocity.owed_waived``, or lapsed: ``rules.wanted``); None when nothing waits
    or the reminder is planned. (Mail quoting the user's words is planned unless lapsed, so
    only mail that quotes nothing of the user's reaches the cold-mail reason.)"""
    from rules.reciprocity import owed_waived

    ledger = snapshot.ledgers.get(pid)
    if ledger is None or ledger.owed is None or _planned(snapshot, pid, "owed_reply"):
        return None
    due = ledger.owed.at + config.reciprocity.owed_reply_after
    if due < now - config.followups.horizon:
        return f"it fell due on {due.date()}, longer ago than followups.horizon: lapsed"
    return owed_waived(ledger, snapshot.directory.own_domains)


def nudge_why(snapshot: Snapshot, pid: str) -> str | None:
    """Why the user's open ask of them has no ``nudge`` though nothing answered it on its
    thread (``rules.reciprocity.nudge_waived``); None otherwise."""
    from rules.reciprocity import nudge_waived

    ledger = snapshot.ledgers.get(pid)
    if ledger is None or _planned(snapshot, pid, "nudge"):
        return None
    return nudge_waived(ledger)


def _planned(snapshot: Snapshot, pid: str, kind: str) -> bool:
    """Is a follow-up of ``kind`` planned for them?"""
    return any(c.person == pid and c.kind == kind for c in snapshot.candidates.values())
