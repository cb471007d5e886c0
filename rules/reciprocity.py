"""Follow-ups from the give and take (DESIGN.md section 4): pure functions of (ledger, now).

- ``nudge``: the user's newest ask (a direct message in a thread the user started) unanswered
  for ``nudge_after``; the second ask in a row gets a second nudge; after three unanswered asks
  in a row there are no more nudges. Their reply, a meeting, or a logged touch where they
  answered (a call, a meeting, ``--answered``) ends it.
- ``owed_reply``: their newest direct message in a thread they started, still last there; due
  ``owed_reply_after`` after it. The user's reply, or any touch the user logs after it, ends it.
- ``thank``: they answered an ask of the user's, or introduced the user to someone; due
  ``owed_reply_after`` after that, so a quick thank-you by mail makes it vanish unseen. The
  user's next message to them, or a touch the user logs, ends it.

Each lapses once its due date is more than ``followups.horizon`` in the past
(``rules.wanted.desired``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.candidates import Candidate, base_key
from syncd.ledger import PersonLedger

MAX_NUDGES = 2


def _quote(subject: str | None) -> str:
    return f' "{subject}"' if subject else ""


def _got_back(ledger: PersonLedger, since: datetime) -> bool:
    """Has the user logged a touch with them (`syncd touch`) after ``since``?"""
    return ledger.last_logged is not None and ledger.last_logged > since


def nudge(ledger: PersonLedger, nudge_after: timedelta) -> Candidate | None:
    streak, ask = ledger.ask_streak, ledger.last_ask
    if ask is None or streak == 0 or streak > MAX_NUDGES:
        return None  # nothing open, or three unanswered asks in a row: let it rest
    return Candidate(
        base_key(ledger.person, "nudge"), "nudge", ledger.person, ask.at + nudge_after,
        f"nudge:{ask.ref}",
        f"you wrote on {ask.at.date()}{_quote(ask.subject)} and have had no answer "
        f"(nudge {streak} of {MAX_NUDGES})")


def owed_reply(ledger: PersonLedger, owed_reply_after: timedelta) -> Candidate | None:
    owed = ledger.owed
    if owed is None or _got_back(ledger, owed.at):
        return None
    return Candidate(
        base_key(ledger.person, "owed_reply"), "owed_reply", ledger.person,
        owed.at + owed_reply_after, f"owed:{owed.ref}",
        f"they wrote to you on {owed.at.date()}{_quote(owed.subject)}; you have not answered")


def thank(ledger: PersonLedger, delay: timedelta) -> Candidate | None:
    helped = ledger.helped
    if helped is None:
        return None
    if ledger.last_outbound is not None and ledger.last_outbound > helped.at:
        return None  # the user has written to them since
    if _got_back(ledger, helped.at):
        return None
    what = ("introduced you to someone" if helped.direction == "intro"
            else "answered your ask")
    return Candidate(
        base_key(ledger.person, "thank"), "thank", ledger.person, helped.at + delay,
        f"thank:{helped.ref}",
        f"they {what} on {helped.at.date()}{_quote(helped.subject)}")
