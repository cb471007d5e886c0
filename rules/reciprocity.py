"""Follow-ups from the give and take (DESIGN.md section 4): pure functions of (ledger, now).

- ``nudge``: the user's newest open ask (a message of the user's that asks them something, in
  To, with nothing written on its thread since: ``rules.asks``, ``syncd.ledger.marked``), due
  ``nudge_after`` after it (while that is still ahead, the newest older open ask that is already
  due: a new question does not postpone the nudge for an overdue one); a second nudge
  ``nudge_after`` later if still open, then no more for that ask. A run of unanswered asks
  (three or more in a row) lowers its priority; a new ask always gets its own nudge. An answer
  on the thread by anyone, their message to the user (in To), a meeting, a logged touch where
  they answered (a call, a meeting, ``--answered``), or a later message of the user's that quotes
  their words from mail never synced (``rules.quoted_answer``: they answered elsewhere) ends it.
- ``owed_reply``: their newest direct message in a thread they started, still last there; due
  ``owed_reply_after`` after it, unless it is cold mail (``cold``: never written to, unless
  their mail quotes the user's own words). The user's reply, a later
  message of the user's that asks them something on another thread (the answer folded into a
  new invitation), a new conversation the user started with them since (``rules.resumed``:
  no reply, no forward, to a few), or any touch the user logs after it, ends it; a bare
  forward, or a reply on another thread, does not.
- ``thank``: they answered an ask of the user's, or introduced the user to someone; due
  ``owed_reply_after`` after that, so a quick thank-you by mail makes it vanish unseen. The
  user's next message to them, or a touch the user logs, ends it.

Each lapses once its due date is more than ``followups.horizon`` in the past
(``rules.wanted.desired``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.candidates import PRIORITY, Candidate, base_key
from rules.identity import domain_of
from syncd.interactions import Interaction
from syncd.ledger import PersonLedger

MAX_NUDGES = 2
PERSISTENT = 3  # this many unanswered asks in a row: a nudge ranks with the cadences
# Nothing written to the user by anyone for this long before an ask: the store sees the user's
# sent mail but not what comes in (an inbox not synced, an archive of sent mail), so whether
# anyone answered cannot be told, and no nudge is made.
DEAF = timedelta(days=14)


def _quote(subject: str | None) -> str:
    return f' "{subject}"' if subject else ""


def _got_back(ledger: PersonLedger, since: datetime) -> bool:
    """Has the user logged a touch with them (`syncd touch`) after ``since``?"""
    return ledger.last_logged is not None and ledger.last_logged > since


def nudge(ledger: PersonLedger, nudge_after: timedelta, now: datetime,
          heard_until: datetime | None = None) -> Candidate | None:
    """``heard_until``: the newest message anyone wrote to the user; an ask made more than
    ``DEAF`` after it is not nudged (no mail reaches syncd: it could not see an answer)."""
    ask = ledger.last_ask
    if ask is None or (heard_until is not None and ask.at > heard_until + DEAF) or (
            answered_elsewhere(ledger, ask)):
        return None
    if (now < ask.at + nudge_after and ledger.due_ask is not None
            and not answered_elsewhere(ledger, ledger.due_ask)):
        ask = ledger.due_ask  # an older ask is overdue: a newer one must not postpone its nudge
    n = 2 if now >= ask.at + 2 * nudge_after else 1
    streak = ledger.ask_streak
    persistent = streak >= PERSISTENT
    note = (f"; {streak} of your asks in a row are unanswered, so it ranks lower"
            if persistent else "")
    return Candidate(
        base_key(ledger.person, "nudge"), "nudge", ledger.person, ask.at + n * nudge_after,
        f"nudge:{ask.ref}" + (":2" if n == 2 else ""),
        f"you asked on {ask.at.date()}{_quote(ask.subject)} and nobody has answered on the "
        f"thread (nudge {n} of {MAX_NUDGES}{note})",
        rank=PRIORITY["cadence"] if persistent else None)


def answered_elsewhere(ledger: PersonLedger, ask: Interaction) -> bool:
    """Has a later message of the user's quoted their words from mail never synced
    (``rules.quoted_answer``): they answered, where syncd could not see it?"""
    return ledger.quoted_answer is not None and ledger.quoted_answer > ask.at


def nudge_waived(ledger: PersonLedger) -> str | None:
    """Why the user's newest ask of them wants no nudge though nothing answered it on its
    thread, in the user's words (``syncd why`` shows it); None otherwise."""
    ask = ledger.last_ask or ledger.due_ask
    if ask is None or ledger.quoted_answer is None or not answered_elsewhere(ledger, ask):
        return None
    return (f"your message of {ledger.quoted_answer.date()} quotes their words from mail syncd "
            "never saw: they answered you elsewhere")


def owed_reply(ledger: PersonLedger, owed_reply_after: timedelta,
               own_domains: frozenset[str] = frozenset(), *, answering: bool = False
               ) -> Candidate | None:
    """``answering``: a message of theirs quotes the user's own words (so it is no cold mail)."""
    owed = ledger.owed
    if owed is None or owed_waived(ledger, own_domains, answering=answering) is not None:
        return None
    return Candidate(
        base_key(ledger.person, "owed_reply"), "owed_reply", ledger.person,
        owed.at + owed_reply_after, f"owed:{owed.ref}",
        f"they wrote to you on {owed.at.date()}{_quote(owed.subject)}; you have not answered")


def owed_waived(ledger: PersonLedger, own_domains: frozenset[str], *,
                answering: bool = False) -> str | None:
    """Why their message waiting for an answer (``ledger.owed``) wants no reminder, in the
    user's words (``syncd why`` shows it); None when it wants one."""
    owed = ledger.owed
    if owed is None:
        return None
    if _got_back(ledger, owed.at):
        return "you logged a touch with them after it (syncd touch)"
    if ledger.last_direct_out is not None and ledger.last_direct_out > owed.at:
        return "you have written to them since, asking them something on another thread"
    if ledger.resumed is not None and ledger.resumed > owed.at:
        return (f"you have written to them afresh since (a new message on "
                f"{ledger.resumed.date()}, no reply and no forward): the matter moved on")
    if cold(ledger, own_domains) and not answering:
        return ("cold mail: you have never written to them, they are outside your own "
                "domains, and none of their mail quotes yours: it is owed no reply")
    return None


def cold(ledger: PersonLedger, own_domains: frozenset[str]) -> bool:
    """Cold mail: from someone the user has never written to, outside the user's own
    organisations (a sales letter, a blind request): the user owes it no reply. (Their mail
    that quotes the user's own words shows the user did write: ``owed_reply``'s
    ``answering``.)"""
    return ledger.messages_out == 0 and domain_of(ledger.person) not in own_domains


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
