"""The records that flow through syncd: frozen, slotted, no I/O.

Vocabulary (shared with ``connectors/base.py``):

- *account*: a configured ``[[accounts]]`` entry, by name.
- *native id*: the provider's id of an item within one account (``"INBOX/1700000000/42"`` for an
  IMAP message, an href plus recurrence id for a CalDAV occurrence).
- *scope*: the part of an account a cursor covers (an IMAP folder, a calendar collection).
- *cursor*: an opaque string only the connector that minted it interprets; stored with the page
  it follows, in one transaction.
- *key*: our id for a follow-up, ``sha256(person_id, kind)``; stable across runs and machines.

All datetimes are timezone-aware; connectors convert to UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

_BIRTHDAY = re.compile(r"^(?:(\d{4})|--)-?(\d{2})-?(\d{2})$")


@dataclass(frozen=True, slots=True)
class Address:
    """A mailbox as written in a header: the address as seen and the display name."""

    email: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """The metadata of one mail message (never its body)."""

    account: str
    native_id: str
    message_id: str  # RFC 5322 Message-ID without angle brackets (synthesised when absent)
    date: datetime
    sender: Address | None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    subject: str | None = None
    thread_id: str | None = None  # provider thread id (X-GM-THRID, Gmail threadId, conversationId)
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # The few headers the rules read, lower-case names, in header order.
    headers: tuple[tuple[str, str], ...] = ()
    # Folder roles and provider labels: "\\Sent", "SENT", "CATEGORY_PROMOTIONS", ...
    labels: tuple[str, ...] = ()
    scope: str = ""  # folder the message was seen in
    # Flags derived from the start of the text (rules.text_signals): None when the text was not
    # read (message_text = "none", or a scope that does not allow it). The text is never kept.
    signals: tuple[str, ...] | None = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None


# A frozen record's slots filled on a twin with the same slots and no frozen ``__setattr__``
# (plain attribute stores, which the interpreter specialises), then made the record by
# assigning ``__class__`` (allowed: the same slots, so the same layout): about 0.35 µs a
# message instead of 0.9 through the slots' descriptors (3.5 through the dataclass
# ``__init__``, which calls ``object.__setattr__`` per field); a first sync of 100,000 messages
# pays it for the header parse and for reading each message back. ``tests/unit/
# test_first_sync_speed.py`` holds the two equal, frozen, and the parameter list in step with
# the fields.
_new = object.__new__


class _MessageSlots:
    __slots__ = Message.__slots__


def build_message(account: str, native_id: str, message_id: str, date: datetime,
                  sender: Address | None, to: tuple[Address, ...] = (),
                  cc: tuple[Address, ...] = (), subject: str | None = None,
                  thread_id: str | None = None, in_reply_to: str | None = None,
                  references: tuple[str, ...] = (), headers: tuple[tuple[str, str], ...] = (),
                  labels: tuple[str, ...] = (), scope: str = "",
                  signals: tuple[str, ...] | None = None) -> Message:
    """``Message(...)``, built faster (the same frozen record)."""
    m: Any = _new(_MessageSlots)
    m.account = account
    m.native_id = native_id
    m.message_id = message_id
    m.date = date
    m.sender = sender
    m.to = to
    m.cc = cc
    m.subject = subject
    m.thread_id = thread_id
    m.in_reply_to = in_reply_to
    m.references = references
    m.headers = headers
    m.labels = labels
    m.scope = scope
    m.signals = signals
    m.__class__ = Message
    built: Message = m
    return built


def with_signals(m: Message, signals: tuple[str, ...] | None) -> Message:
    """``dataclasses.replace(m, signals=signals)``, built faster."""
    return build_message(m.account, m.native_id, m.message_id, m.date, m.sender, m.to, m.cc,
                   m.subject, m.thread_id, m.in_reply_to, m.references, m.headers, m.labels,
                   m.scope, signals)


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str
    name: str = ""
    partstat: str = "NEEDS-ACTION"  # ACCEPTED / DECLINED / TENTATIVE / DELEGATED / NEEDS-ACTION
    cutype: str = "INDIVIDUAL"  # INDIVIDUAL / ROOM / RESOURCE / GROUP / UNKNOWN


@dataclass(frozen=True, slots=True)
class Meeting:
    """One occurrence of a calendar event (recurring events are expanded by the connector)."""

    account: str
    native_id: str  # unique per occurrence
    uid: str
    start: datetime
    end: datetime
    all_day: bool = False
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()
    status: str = "CONFIRMED"  # CONFIRMED / TENTATIVE / CANCELLED
    summary: str | None = None
    scope: str = ""  # calendar collection
    ours: bool = False  # one of syncd's own follow-up events


@dataclass(frozen=True, slots=True)
class Contact:
    """One address-book entry (CardDAV vCard, Google People contact, Outlook contact).

    Address books say who is who, names, tags and birthdays; they are never interactions.
    ``source`` is the account, ``native_id`` the entry's id within it; ``tags`` are its groups,
    categories or memberships; ``birthday`` is (month, day, year or None).
    """

    source: str
    native_id: str
    name: str
    addresses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    birthday: tuple[int, int, int | None] | None = None
    scope: str = ""  # the address book (CardDAV collection) the entry was seen in

    @property
    def account(self) -> str:
        """The account, as for the other items (``source``)."""
        return self.source


Item = Message | Meeting | Contact


@dataclass(frozen=True, slots=True)
class Page:
    """A batch of changes from a source and the cursor to resume after it.

    ``removed`` lists native ids the provider reports gone. A full listing of a scope (a first
    sync, or a resync after ``CursorExpired``) marks its pages with ``listing`` (a token unique
    to that listing); its last page sets ``listing_complete``, and the store then sweeps items of
    that scope the listing did not see: upsert, then sweep, never delete-all-and-reload.
    """

    items: tuple[Item, ...]
    cursor: str
    removed: tuple[str, ...] = ()
    scope: str = ""
    listing: str | None = None
    listing_complete: bool = False
    quarantined: tuple[str, ...] = ()  # native ids of items that could not be parsed


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A reminder as it should stand in the calendar."""

    key: str  # event id: base key plus generation suffix
    base_key: str  # sha256(person_id, kind)
    kind: str  # cadence / new_contact / nudge / owed_reply / thank / weekly_plan
    person_id: str
    person_name: str
    email: str
    due: date  # when the rule says it is due (before placement)
    start: datetime  # placed slot, aware
    duration: timedelta
    timezone: str
    title: str
    description: str
    reason: str
    anchor: str  # what produced it (e.g. the last touch); a new anchor revives a dismissed one
    all_day: bool = False  # an all-day event on the date of ``start`` (in start's own tzinfo)
    alarm: timedelta | None = None  # a display alarm this long before start; None: no alarm
    mailto: str = ""  # link that answers them (in the thread, when the subject is stored)


@dataclass(frozen=True, slots=True)
class Remote:
    """One of our events as it stands in the calendar now."""

    key: str
    remote_id: str  # href, event id
    etag: str | None
    start: datetime


@dataclass(frozen=True, slots=True)
class Written:
    """What we last wrote for a key (the store's record of a calendar write)."""

    key: str
    base_key: str
    remote_id: str
    etag: str | None
    start: datetime  # the start we wrote: a different remote start means the user moved it
    anchor: str
    kind: str = ""
    person_id: str = ""
    state: str = "live"  # live / snoozed / dismissed / done / cancelled
    generation: int = 0


@dataclass(frozen=True, slots=True)
class Uncertain:
    """A calendar write whose answer never came back: it may or may not have happened.

    ``op`` is ``create``, ``update`` or ``cancel``; ``written`` is the record it would have made
    (for a cancel, the record it would have closed). The next snapshot settles it
    (``rules/reconcile.py``)."""

    op: str
    written: Written


@dataclass(frozen=True, slots=True)
class Birthday:
    """A birthday, the year optional (``"1980-03-15"``, year-less ``"--03-15"``, as vCard
    BDAY writes them; the compact ``19800315`` / ``--0315`` too)."""

    month: int
    day: int
    year: int | None = None

    @classmethod
    def parse(cls, text: str) -> Birthday:
        """Raise ``ValueError`` with the accepted forms when ``text`` is none of them."""
        match = _BIRTHDAY.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a birthday; write '1980-03-15', or '--03-15' "
                             "without the year")
        year = int(match.group(1)) if match.group(1) else None
        month, day = int(match.group(2)), int(match.group(3))
        try:
            date(year if year is not None else 2000, month, day)  # 2000: Feb 29 exists
        except ValueError:
            raise ValueError(f"{text!r} is not a date") from None
        return cls(month, day, year)

    def on(self, year: int) -> date:
        """The day it falls on in ``year``: February 29 is February 28 in other years."""
        try:
            return date(year, self.month, self.day)
        except ValueError:  # only Feb 29 in a common year gets here
            return date(year, 2, 28)

    def next_from(self, today: date) -> date:
        """The first day on or after ``today`` that is this birthday."""
        this_year = self.on(today.year)
        return this_year if this_year >= today else self.on(today.year + 1)

    def isoformat(self) -> str:
        tail = f"{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{tail}" if self.year is not None else f"--{tail}"


VIAS = ("call", "meeting", "message", "other")
CONVERSATIONS = frozenset({"call", "meeting"})  # both sides spoke: they answered


@dataclass(frozen=True, slots=True)
class LoggedTouch:
    """A touch the user logged (``syncd touch``): the user's own data, never re-fetched.

    ``person`` is the person id (a normalised address) it was logged for; ``answered`` says the
    other side answered (a call or a meeting always did)."""

    id: int
    person: str
    at: datetime
    via: str = "other"
    note: str = ""
    answered: bool = False
