"""What a follow-up event says: title, description with the reason, last touch, ledger line
and a mailto link. Pure."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from rules.candidates import Candidate
from rules.people import Directory
from syncd.config import Config
from syncd.ledger import PersonLedger
from syncd.model import FollowUp

VERBS = {
    "cadence": "Catch up",
    "new_contact": "Follow up",
    "nudge": "Nudge",
    "owed_reply": "Reply",
    "thank": "Thank",
    "weekly_plan": "Plan",
    "drift": "Reconnect",
}


def title(kind: str, name: str, domain: str) -> str:
    suffix = f" ({domain})" if domain and domain not in name else ""
    return f"{VERBS[kind]}: {name}{suffix}"


def ledger_line(ledger: PersonLedger) -> str:
    return (f"{ledger.messages_out} sent, {ledger.messages_in} received, {ledger.meetings} "
            f"meetings; given {ledger.given}, received {ledger.received}, balance "
            f"{ledger.balance:+d}")


def last_touch_line(ledger: PersonLedger, keep_subjects: bool) -> str:
    last = ledger.last
    if last is None:
        return "never"
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
    ledger = ledgers[cand.person]
    name = directory.name(cand.person)
    addresses = directory.addresses(cand.person)
    email = addresses[0] if addresses else cand.person
    lines = [
        f"Why: {cand.reason}.",
        f"Last touch: {last_touch_line(ledger, config.store.subjects)}.",
        f"Ledger: {ledger_line(ledger)}.",
        f"Write: mailto:{quote(email, safe='@')}",
        "",
        "Written by syncd. Move this event to snooze it; delete it to dismiss it.",
    ]
    return FollowUp(
        key=key, base_key=cand.base_key, kind=cand.kind, person_id=cand.person,
        person_name=name, email=email, due=cand.due.date(), start=start,
        duration=config.followups.duration, timezone=config.me.timezone,
        title=title(cand.kind, name, directory.domain(cand.person)),
        description="\n".join(lines), reason=cand.reason, anchor=cand.anchor)


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
        description="\n".join(lines), reason=cand.reason, anchor=cand.anchor)
