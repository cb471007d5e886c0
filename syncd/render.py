"""What a follow-up event says: title, description with the reason, last touch, ledger line
and a mailto link. Pure."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from rules.candidates import Candidate
from rules.people import Directory
from rules.placement import ALL_DAY_KINDS
from syncd.config import Config
from syncd.interactions import logged_via
from syncd.ledger import PersonLedger
from syncd.model import FollowUp

REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw)\s*:", re.IGNORECASE)  # already a reply
VERBS = {
    "cadence": "Catch up",
    "new_contact": "Follow up",
    "nudge": "Nudge",
    "owed_reply": "Reply",
    "thank": "Thank",
    "weekly_plan": "Plan",
    "birthday": "Birthday",
    "drift": "Reconnect",
}


def title(kind: str, name: str, domain: str) -> str:
    suffix = f" ({domain})" if domain and domain not in name else ""
    return f"{VERBS[kind]}: {name}{suffix}"


def count(n: int, singular: str, plural: str = "") -> str:
    """``1 meeting``, ``2 meetings``: a number with its noun agreeing."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def ledger_line(ledger: PersonLedger) -> str:
    return (f"{ledger.messages_out} sent, {ledger.messages_in} received, "
            f"{count(ledger.meetings, 'meeting')}; given {ledger.given}, "
            f"received {ledger.received}, balance {ledger.balance:+d}")


def last_touch_line(ledger: PersonLedger, keep_subjects: bool) -> str:
    last = ledger.last
    if last is None:
        return "never"
    if last.direction == "logged":  # the note is the user's own words, not a subject
        note = f' "{last.subject}"' if last.subject else ""
        return f"{last.at.date().isoformat()}, {logged_via(last.ref)[1]} (logged){note}"
    channel = {"in": "mail from them", "out": "mail from you", "meeting": "meeting"}[
        last.direction]
    subject = f' "{last.subject}"' if keep_subjects and last.subject else ""
    return f"{last.at.date().isoformat()}, {channel}{subject}"


def render(config: Config, directory: Directory, ledgers: dict[str, PersonLedger],
           cand: Candidate, start: datetime, key: str) -> FollowUp:
    if cand.kind == "weekly_plan":
        return _weekly(config, cand, start, key)
    if cand.kind == "reauth":
        from syncd.auth import reauth

        return reauth.followup(config, cand, start, key)
    ledger = ledgers.get(cand.person) or PersonLedger(cand.person)  # a birthday, no mail yet
    name = directory.name(cand.person)
    addresses = directory.addresses(cand.person)
    email = addresses[0] if addresses else cand.person
    link = mailto(email, reply_subject(cand.kind, ledger) if config.store.subjects else None)
    lines = [
        f"Why: {cand.reason}.",
        f"Last touch: {last_touch_line(ledger, config.store.subjects)}.",
        f"Ledger: {ledger_line(ledger)}.",
        f"Write: {link}",
        "",
        "Written by syncd. Move this event to snooze it; delete it to dismiss it.",
    ]
    all_day = cand.kind in ALL_DAY_KINDS
    return FollowUp(
        key=key, base_key=cand.base_key, kind=cand.kind, person_id=cand.person,
        person_name=name, email=email, due=cand.due.date(), start=start,
        duration=timedelta(days=1) if all_day else config.followups.duration,
        timezone=config.me.timezone, title=title(cand.kind, name, directory.domain(cand.person)),
        description="\n".join(lines), reason=cand.reason, anchor=cand.anchor,
        alarm=config.followups.alarm, mailto=link, all_day=all_day)


def mailto(email: str, subject: str | None) -> str:
    """``mailto:`` the person; with ``subject``, ``?subject=Re: ...`` (RFC 6068, encoded)."""
    link = f"mailto:{quote(email, safe='@')}"
    if subject:
        reply = subject if REPLY_PREFIX.match(subject) else f"Re: {subject}"
        link += f"?subject={quote(reply, safe='')}"
    return link


def reply_subject(kind: str, ledger: PersonLedger) -> str | None:
    """The subject of the thread to answer in: the unanswered ask for a nudge, else the
    newest mail either way (a meeting has no thread to answer)."""
    if kind == "nudge" and ledger.last_ask is not None and ledger.last_ask.subject:
        return ledger.last_ask.subject
    for touch in (ledger.last, *reversed(ledger.history)):
        if touch is not None and touch.direction in ("in", "out"):
            return touch.subject or None
    return None


def _weekly(config: Config, cand: Candidate, start: datetime, key: str) -> FollowUp:
    goal = config.goals.introductions_per_week
    lines = [f"Goal: {goal} introductions a week; {cand.reason}.", ""]
    if cand.details:
        lines.append("People who should know each other (never in a thread together):")
        lines += [f"- {line}" for line in cand.details]
    else:
        lines.append("No suggestions this week: more two-way history will bring some.")
    if config.report.path:  # the picture of it all, refreshed daily by the daemon
        report = Path(config.report.path).expanduser()
        lines += ["", f"Your network report: {report.as_uri() if report.is_absolute() else report}"]
    lines += ["", "Written by syncd. Delete it to skip this week's plan."]
    return FollowUp(
        key=key, base_key=cand.base_key, kind=cand.kind, person_id=cand.person,
        person_name="you", email="", due=cand.due.date(), start=start,
        duration=config.followups.duration, timezone=config.me.timezone,
        title=f"Plan: introductions this week ({cand.reason.rsplit(': ', 1)[-1]})",
        description="\n".join(lines), reason=cand.reason, anchor=cand.anchor,
        alarm=config.followups.alarm)
