"""A small, realistic sample mailbox and calendar for `syncd demo`, generated relative to now.

Dana's mail has what a real mailbox has: two-way conversations, an unanswered ask, a newsletter,
a mailing list, a bounce, an auto-reply and a noreply notification; the calendar has a meeting
with someone new, a declined one and one with a room. Nothing here is real; names and domains
use the reserved ``.example`` TLD.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncd.localservers.caldav import CaldavServer
    from syncd.localservers.imap import ImapServer

ME = ("Dana Example", "dana@example.org")


@dataclass(frozen=True, slots=True)
class SampleMessage:
    folder: str  # "INBOX" or "Sent"
    raw: bytes
    date: datetime


def _message(n: int, when: datetime, sender: tuple[str, str], to: list[tuple[str, str]],
             subject: str, *, extra: dict[str, str] | None = None, reply_to: int | None = None,
             body: str = "") -> bytes:
    headers = {
        "From": f"{sender[0]} <{sender[1]}>" if sender[0] else sender[1],
        "To": ", ".join(f"{name} <{addr}>" for name, addr in to),
        "Subject": subject,
        "Date": format_datetime(when),
        "Message-ID": f"<demo-{n}@example.org>",
    }
    if reply_to is not None:
        headers["In-Reply-To"] = f"<demo-{reply_to}@example.org>"
        headers["References"] = f"<demo-{reply_to}@example.org>"
    headers.update(extra or {})
    text = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (text + "\r\n" + (body or "See you.") + "\r\n").encode()


# The first line of each personal message's text (what the text signals read; never kept).
_BODIES = {
    1: "Would you have time for coffee next month?",
    2: "Sure, how about the 12th?",
    3: "The 12th works. See you then.",
    4: "Could you look at the board deck before Friday?",
    5: "Done: my comments are in the deck.",
    6: "Thanks! Can you also check the appendix numbers?",
    7: "Would you be up for a short intro call about the pilot?",
    8: "Great meeting you yesterday, and thanks for the tips!",
    9: "Likewise. Talk soon.",
}


def messages(now: datetime) -> list[SampleMessage]:
    jane = ("Jane Roe", "jane@acme.example")
    omar = ("Omar Haddad", "omar@haddad.example")
    lena = ("Lena Park", "lena@startup.example")
    raj = ("Raj Patel", "raj@bigco.example")
    plan: list[tuple[str, int, tuple[str, str], list[tuple[str, str]], str,
                     dict[str, str] | None, int | None]] = [
        # folder, days ago, from, to, subject, extra headers, in reply to
        ("Sent", 120, ME, [omar], "Coffee next month?", None, None),
        ("INBOX", 118, omar, [ME], "Re: Coffee next month?", None, 1),
        ("Sent", 117, ME, [omar], "Re: Coffee next month?", None, 2),
        ("INBOX", 30, jane, [ME], "Board deck feedback", None, None),
        ("Sent", 29, ME, [jane], "Re: Board deck feedback", None, 4),
        ("INBOX", 28, jane, [ME], "Re: Board deck feedback", None, 5),
        ("Sent", 9, ME, [raj], "Intro call about the pilot?", None, None),
        ("INBOX", 3, lena, [ME], "Great meeting you", None, None),
        ("Sent", 2, ME, [lena], "Re: Great meeting you", None, 8),
        ("INBOX", 1, ("Acme Weekly", "news@acme.example"), [ME], "This week at Acme",
         {"List-Unsubscribe": "<mailto:unsub@acme.example>", "Precedence": "bulk"}, None),
        ("INBOX", 1, ("", "mailer-daemon@example.org"), [ME], "Undelivered Mail Returned to Sender",
         {"Return-Path": "<>", "Auto-Submitted": "auto-replied"}, None),
        ("INBOX", 8, raj, [ME], "Automatic reply: Intro call about the pilot?",
         {"Auto-Submitted": "auto-replied"}, 7),
        ("INBOX", 5, ("GitHub", "noreply@github.example"), [ME], "[repo] New issue", None, None),
        ("INBOX", 4, ("Dev List", "dev@lists.example"), [ME], "[dev] Release 2.0",
         {"List-Id": "<dev.lists.example>"}, None),
    ]
    out = []
    for n, (folder, days, sender, to, subject, extra, reply) in enumerate(plan, start=1):
        when = (now - timedelta(days=days)).replace(microsecond=0)
        raw = _message(n, when, sender, to, subject, extra=extra, reply_to=reply,
                       body=_BODIES.get(n, ""))
        out.append(SampleMessage(folder, raw, when))
    return out


def _event(uid: str, start: datetime, summary: str, attendees: list[tuple[str, str, str]],
           *, room: str | None = None) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//syncd//demo//EN", "BEGIN:VEVENT",
             f"UID:{uid}", f"DTSTAMP:{start.strftime(fmt)}", f"DTSTART:{start.strftime(fmt)}",
             f"DTEND:{(start + timedelta(hours=1)).strftime(fmt)}", f"SUMMARY:{summary}",
             f"ORGANIZER;CN={ME[0]}:mailto:{ME[1]}",
             f"ATTENDEE;CN={ME[0]};PARTSTAT=ACCEPTED:mailto:{ME[1]}"]
    lines += [f"ATTENDEE;CN={name};PARTSTAT={stat}:mailto:{addr}"
              for name, addr, stat in attendees]
    if room:
        lines.append(f"ATTENDEE;CUTYPE=ROOM;CN={room};PARTSTAT=ACCEPTED:mailto:room@example.org")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def events(now: datetime) -> dict[str, str]:
    """href -> ICS for the demo's "Work" calendar."""
    base = now.replace(hour=14, minute=0, second=0, microsecond=0)
    return {
        "demo-meet-sam.ics": _event(
            "demo-meet-sam", base - timedelta(days=2), "Coffee with Sam",
            [("Sam Rivera", "sam@rivera.example", "ACCEPTED")], room="Room 4"),
        "demo-sync-jane.ics": _event(
            "demo-sync-jane", base - timedelta(days=40), "Quarterly sync",
            [("Jane Roe", "jane@acme.example", "ACCEPTED")]),
        "demo-declined.ics": _event(
            "demo-declined", base - timedelta(days=6), "Vendor pitch",
            [("Pat Vendor", "pat@vendor.example", "DECLINED")]),
    }


def fill(imap: ImapServer, cal: CaldavServer, now: datetime) -> tuple[int, int]:
    """The sample mail into INBOX and Sent, the sample events into a new "Work" calendar;
    how many of each."""
    mail = messages(now)
    for folder in ("INBOX", "Sent"):
        imap.append_many(folder, [(m.raw, m.date) for m in mail if m.folder == folder])
    cal.create_calendar("Work")
    sample = events(now)
    for href, ics in sample.items():
        cal.put_event("Work", href, ics)
    return len(mail), len(sample)
