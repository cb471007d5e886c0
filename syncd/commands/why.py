"""``syncd why ADDRESS|MESSAGE-ID``: which rule produced which number (DESIGN.md section 3).

Built on a snapshot (``syncd.pipeline.compute``; on a store, ``syncd.commands.why_stored``): the
classifier's verdicts, the thread keys and the interactions it derived. ``explain`` answers:

- for a stored message: the verdict and the rule that decided it, its direction, its thread and
  the rule that threaded it, the people it touched, or why it touched nobody;
- for a person (an address, or a name from the contacts): the messages and meetings that count
  and the role each plays in the ledger (initiation, reply, open ask ...), those that involve
  them but do not count and why, their ledger line, the cadence rule and the planned follow-ups.

The dicts are JSON-ready (``syncd why --json``); ``why_show.show_why`` prints them for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from rules.asks import inbound_expects, outbound_ask
from rules.identity import normalize_address
from rules.threads import normalize_subject
from syncd.commands import views
from syncd.commands.report import find_person
from syncd.commands.times import iso, sort_key, zone
from syncd.commands.why_history import StoredHistory
from syncd.commands.why_person import cadence_why, drift_why, nudge_why, owed_why, roles
from syncd.config import Config
from syncd.errors import SyncdError
from syncd.interactions import Interaction, is_outbound, meeting_exclusion
from syncd.ledger import PersonLedger
from syncd.model import Meeting, Message
from syncd.pipeline import Snapshot
from syncd.render import count

HINT = ("give a Message-ID as `syncd ledger PERSON` shows it (with or without <>), an address, "
        "or a name from `syncd contacts`")


def explain(config: Config, snapshot: Snapshot, placed: Mapping[str, datetime],
            messages: Sequence[Message], meetings: Sequence[Meeting], query: str, now: datetime
            ) -> dict[str, Any]:
    """A message by its Message-ID, else a person; ``SyncdError`` with a hint when neither."""
    wanted = query.strip().strip("<>").strip()
    if not wanted:
        raise SyncdError(f"nothing to explain; {HINT}")
    for message in messages:
        if message.message_id == wanted:
            return explain_message(config, snapshot, message, now)
    pid = person_of(snapshot, messages, meetings, wanted)
    return explain_person(config, snapshot, placed, messages, meetings, pid, now)


def person_of(snapshot: Snapshot, messages: Sequence[Message], meetings: Sequence[Meeting],
            query: str) -> str:
    directory = snapshot.directory
    if "@" not in query:
        try:
            return find_person(snapshot, query)
        except SyncdError as exc:
            if "matches" in str(exc) and "people" in str(exc):
                raise  # ambiguous: its message names the candidates
            raise SyncdError(f"no stored message and no contact matches {query!r}; {HINT}"
                             ) from None
    pid = directory.person_id(query)
    seen = {directory.person_id(a.email) for m in messages for a in _addresses(m)}
    seen |= {directory.person_id(a.email) for m in meetings
             for a in (*m.attendees, *([m.organizer] if m.organizer else []))}
    if pid in snapshot.ledgers or pid in seen:
        return pid
    raise SyncdError(f"no stored message and no address matches {query!r} "
                     f"(normalised: {normalize_address(query)}); {HINT}")


def _addresses(m: Message) -> tuple[Any, ...]:
    return (*([m.sender] if m.sender else []), *m.to, *m.cc)


# -- one message ---------------------------------------------------------------------------------

def explain_message(config: Config, snapshot: Snapshot, m: Message, now: datetime
                    ) -> dict[str, Any]:
    directory, derived = snapshot.directory, snapshot.derived
    verdict = derived.verdicts[m.message_id]
    touches = [i for i in derived.interactions if i.ref == m.message_id]
    thread = derived.threads.get(m.message_id)
    return {
        "kind": "message",
        "message_id": m.message_id,
        "date": iso(m.date, zone(config)),
        "account": m.account,
        "from": m.sender.email if m.sender else None,
        "to": [a.email for a in m.to],
        "cc": [a.email for a in m.cc],
        "subject": m.subject,
        "personal": verdict.personal,
        "verdict": verdict.verdict,
        "rule": verdict.reasons[0],
        "reasons": list(verdict.reasons),
        "direction": direction(m, snapshot),
        "thread": thread,
        "thread_rule": thread_rule(thread, m, derived.threads),
        "touched": [{"person": i.person, "name": directory.name(i.person),
                     "direction": i.direction, "direct": i.direct} for i in touches],
        "touched_nobody": None if touches else untouched(config, snapshot, m, now),
        "follow_up_rule": follow_up_rule(m, snapshot),
    }


def follow_up_rule(m: Message, snapshot: Snapshot) -> dict[str, Any]:
    """Whether the message asks something (the user's) or expects an answer (theirs), by which
    named rule (``rules.asks``), and whether its text was read (the flags, never the text)."""
    is_self = snapshot.directory.is_self_address
    outbound = is_outbound(m, snapshot.directory)
    yes, rule, reason = outbound_ask(m, is_self) if outbound else inbound_expects(m, is_self)
    return {"question": "asks something" if outbound else "expects an answer", "answer": yes,
            "rule": rule, "reason": reason,
            "text_signals": None if m.signals is None else list(m.signals)}


def direction(m: Message, snapshot: Snapshot) -> str:
    """outbound; inbound (you in To); copied (you in Cc); bcc (in neither: Bcc or a list)."""
    directory = snapshot.directory
    if is_outbound(m, directory):
        return "outbound"
    if any(directory.is_self(a.email) for a in m.to):
        return "inbound"
    if any(directory.is_self(a.email) for a in m.cc):
        return "copied"
    return "bcc"


def thread_rule(key: str | None, m: Message, threads: Mapping[str, str]) -> str:
    if key is None:
        return "not threaded: only personal mail up to now is threaded"
    size = sum(1 for k in threads.values() if k == key)
    where = f" ({count(size, 'message')} in it)"
    kind, _, rest = key.partition(":")
    if kind == "t":
        return f"the provider's thread id {rest}" + where
    if kind == "r":
        return f"the References / In-Reply-To chain from <{rest}>" + where
    if kind == "s":
        subject = normalize_subject(m.subject)
        if rest == m.message_id:
            return (f"starts a thread by subject {subject!r}: no earlier personal message with it "
                    "and a shared participant within 30 days" + where)
        return (f"same subject {subject!r} and a shared participant within 30 days as <{rest}>"
                + where)
    return "a thread of its own: no thread id, no references, no subject"


def untouched(config: Config, snapshot: Snapshot, m: Message, now: datetime) -> str:
    """Why a stored message touches nobody."""
    verdict = snapshot.derived.verdicts[m.message_id]
    directory = snapshot.directory
    if not verdict.personal:
        return f"not personal ({verdict.verdict}): {verdict.reasons[0]}"
    if m.date > now:
        return "dated after now"
    recipients = len(m.to) + len(m.cc)
    if recipients > (limit := config.ignore.max_recipients):
        return f"{recipients} recipients, more than ignore.max_recipients ({limit})"
    if is_outbound(m, directory):
        return "sent by you to nobody but yourself"
    if m.sender is None:
        return "no sender"
    if directory.is_self(m.sender.email):
        return "from yourself"
    return "touches nobody"  # not reached by the rules of syncd.interactions


# -- one person ----------------------------------------------------------------------------------

def explain_person(config: Config, snapshot: Snapshot, placed: Mapping[str, datetime],
                   messages: Sequence[Message], meetings: Sequence[Meeting], pid: str,
                   now: datetime, stored: StoredHistory | None = None) -> dict[str, Any]:
    """``stored``: what counts, read from the store (``why_history``) instead of from the
    ledger's history; ``messages`` are then none of the person's interactions."""
    directory = snapshot.directory
    ledger = snapshot.ledgers.get(pid)
    tz = zone(config)
    counted: Iterable[dict[str, Any]]
    if stored is not None:
        counted, counted_refs = stored, stored.refs()
    else:
        history: list[Interaction] = ledger.history if ledger is not None else []
        counted_refs = {i.ref for i in history}
        role = roles(history, now, config)
        counted = [{"at": iso(i.at, tz),
                    "kind": i.direction if i.direction in ("meeting", "logged") else "message",
                    "ref": i.ref, "direction": i.direction, "subject": i.subject,
                    "thread": i.thread or None, "why": role[i.ref]} for i in history]
    return {
        "kind": "person",
        "person": pid,
        "name": directory.name(pid),
        "addresses": list(directory.addresses(pid)) or [pid],
        "ledger": None if ledger is None else _ledger_line(snapshot, ledger, placed, tz),
        "cadence": cadence_why(snapshot, config, pid),
        "strength": views.strength_parts(snapshot, pid),
        "drift": drift_why(snapshot, config, pid, now),
        "owed_reply": owed_why(snapshot, config, pid, now),
        "nudge": nudge_why(snapshot, pid),
        "follow_ups": [{"kind": c.kind, "due": iso(c.due, tz), "reason": c.reason,
                        "placed": iso(placed.get(c.base_key), tz)}
                       for c in snapshot.candidates.values() if c.person == pid],
        "counted": counted,
        "not_counted": _not_counted(config, snapshot, messages, meetings, pid, counted_refs,
                                    now),
    }


def _ledger_line(snapshot: Snapshot, ledger: PersonLedger, placed: Mapping[str, datetime],
                 tz: tzinfo) -> dict[str, Any]:
    line = views.contact(snapshot, ledger, placed, tz)
    for key in ("id", "name", "addresses"):
        line.pop(key)
    return line


def _not_counted(config: Config, snapshot: Snapshot, messages: Sequence[Message],
                 meetings: Sequence[Meeting], pid: str, counted: set[str], now: datetime
                 ) -> list[dict[str, Any]]:
    directory, tz = snapshot.directory, zone(config)
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.message_id in counted:
            continue
        sender = m.sender is not None and directory.person_id(m.sender.email) == pid
        if not sender and pid not in {directory.person_id(a.email) for a in (*m.to, *m.cc)}:
            continue
        why = untouched(config, snapshot, m, now)
        if why == "touches nobody" and not sender:
            why = "they were a fellow recipient: mail to you touches only its sender"
        out.append({"at": iso(m.date, tz), "kind": "message", "ref": m.message_id,
                    "subject": m.subject, "why": why})
    for meeting in meetings:
        if meeting.native_id in counted:
            continue
        people = {a.email: a for a in meeting.attendees}
        if meeting.organizer is not None:
            people.setdefault(meeting.organizer.email, meeting.organizer)
        mine = [a for e, a in people.items() if directory.person_id(e) == pid]
        if not mine:
            continue
        why = meeting_exclusion(meeting, config, directory, now)
        if not why:
            attendee = mine[0]
            why = ("a room or resource, not a person" if attendee.cutype.upper()
                   not in ("INDIVIDUAL", "UNKNOWN", "") else "they declined"
                   if attendee.partstat.upper() == "DECLINED"
                   else "the same occurrence was counted from another calendar")
        out.append({"at": iso(meeting.start, tz), "kind": "meeting", "ref": meeting.native_id,
                    "subject": meeting.summary, "why": why})
    out.sort(key=lambda row: (sort_key(row["at"]), row["ref"]))
    return out
