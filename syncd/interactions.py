"""From stored messages and meetings to touches: pure, ``now`` passed in (DESIGN.md section 3).

- An outbound personal message touches each To/Cc recipient; an inbound one touches its sender.
  Messages with more than ``ignore.max_recipients`` recipients touch nobody.
- A touch the user logged (``syncd touch``) touches its person: direction ``logged``, its
  ``direct`` flag saying whether they answered, its note as the subject.
- A meeting that happened, that the user organised or accepted, not cancelled, not all-day, not
  one of ours, with 2 to ``ignore.max_meeting_size`` people, touches each other attendee who did
  not decline (rooms and resources are not people).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rules.classify import ClassifyContext, Verdict, classify_message, in_sent_folder
from rules.identity import normalize_address
from rules.introductions import Introduction
from rules.introductions import detect as detect_introductions
from rules.people import Directory
from rules.threads import assign_threads
from syncd.config import Config
from syncd.model import Address, LoggedTouch, Meeting, Message
from syncd.parties import participants_in, parties, people_in, touch_parts


@dataclass(frozen=True, slots=True)
class Interaction:
    at: datetime
    person: str  # person id
    direction: str  # "out" (the user to them), "in" (them to the user), "meeting"
    thread: str  # thread key; "" for meetings
    ref: str  # Message-ID or meeting native id: what `syncd ledger` shows behind a number
    subject: str | None
    direct: bool  # inbound: the user was in To; outbound: they were in To
    # inbound: its own words ask the user something (text signals: a question, a request, the
    # user greeted by name), so it is owed an answer even in a thread the user started
    asks: bool = False
    # outbound: its text quotes someone's answer (``quotes_reply``, not a bare forward): an
    # answer came on the thread even if it never reached the synced folders. Read when the
    # thread is marked (``syncd.ledger.marked``), stored so a later marking reads it too.
    # inbound: its text quotes the user's own message (``quoted:``): they answer the user, who
    # has written to them even if that message never reached the synced folders (no cold mail)
    answered: bool = False


# A touch's ``direct`` as stored: 0, 1, or ASKS for a direct message whose words ask (``asks``).
ASKS = 2


def direct_code(i: Interaction) -> int:
    return ASKS if i.direct and i.asks else int(i.direct)


@dataclass(frozen=True, slots=True)
class Derived:
    interactions: tuple[Interaction, ...]
    verdicts: dict[str, Verdict]  # by Message-ID
    threads: dict[str, str]  # Message-ID -> thread key
    intros_given: tuple[Interaction, ...] = ()  # one per person the user introduced
    intros_received: tuple[Interaction, ...] = ()  # one per introduction made for the user


def is_outbound(message: Message, directory: Directory) -> bool:
    if in_sent_folder(message):
        return True
    return message.sender is not None and directory.is_self_address(message.sender)


def classify_context(config: Config, self_addresses: Iterable[str]) -> ClassifyContext:
    """What the config tells the classifier: self, ``[ignore]`` lists, allow list, patterns."""
    return ClassifyContext.build(
        self_addresses=self_addresses, ignore_addresses=config.ignore.addresses,
        ignore_domains=config.ignore.domains, allow=config.ignore.allow,
        extra_role_patterns=config.ignore.patterns)


def _shared(verdict: Verdict, seen: dict[Verdict, Verdict]) -> Verdict:
    return seen.setdefault(verdict, verdict)


def classify_all(config: Config, directory: Directory, messages: Sequence[Message]
                 ) -> dict[str, Verdict]:
    """Verdicts by Message-ID. Outbound mail is judged first: the people the user wrote to
    personally (not their auto-replies), and those who replied to the user's personal mail, are
    people whatever their local part (hard signals such as Auto-Submitted still win)."""
    base = classify_context(config, directory.self_addresses)
    verdicts: dict[str, Verdict] = {}
    seen: dict[Verdict, Verdict] = {}  # most mail shares a handful of verdicts: keep one each
    written_to: set[str] = set()
    mine: set[str] = set()
    for m in messages:
        if is_outbound(m, directory):
            verdict = verdicts[m.message_id] = _shared(classify_message(m, base), seen)
            if verdict.personal:
                written_to.update(normalize_address(a.email) for a in (*m.to, *m.cc))
                mine.add(m.message_id)
    for m in messages:  # who replied in a thread the user started is a person too
        if m.sender is not None and m.message_id not in verdicts and (
                m.in_reply_to in mine or mine.intersection(m.references)):
            written_to.add(normalize_address(m.sender.email))
    context = replace(base, written_to=frozenset(written_to - directory.self_addresses))
    for m in messages:
        if m.message_id not in verdicts:
            verdicts[m.message_id] = _shared(classify_message(m, context), seen)
    return verdicts


def derive(config: Config, directory: Directory, messages: Sequence[Message],
           meetings: Sequence[Meeting], now: datetime, logged: Sequence[LoggedTouch] = ()
           ) -> Derived:
    """Classify, thread and turn everything into per-person interactions."""
    verdicts = classify_all(config, directory, messages)
    personal = personal_only(messages, verdicts, now)
    return derive_personal(config, directory, personal, verdicts, meetings, now, logged)


def personal_only(messages: Iterable[Message], verdicts: dict[str, Verdict], now: datetime
                  ) -> list[Message]:
    """The personal messages up to ``now``, without the rule headers (classification is done),
    so a large mailbox keeps only what threading and the ledger read."""
    return [replace(m, headers=()) if m.headers else m for m in messages
            if verdicts[m.message_id].personal and m.date <= now]


def derive_personal(config: Config, directory: Directory, personal: Sequence[Message],
                    verdicts: dict[str, Verdict], meetings: Sequence[Meeting], now: datetime,
                    logged: Sequence[LoggedTouch] = ()) -> Derived:
    """Thread the personal messages and turn them, and the meetings, into interactions."""
    threads = assign_threads(personal, lambda m: participants(m, directory))
    out: list[Interaction] = []
    for m in personal:
        out.extend(_seen(directory, message_touches(m, threads[m.message_id], config, directory)))
    out.extend(_seen(directory, meeting_touches(meetings, config, directory, now)))
    out.extend(_seen(directory, logged_touches(logged, directory, now)))
    out.sort(key=lambda i: (i.at, i.ref, i.person))
    given, received = _introductions(personal, threads, config, directory)
    return Derived(tuple(out), verdicts, threads, given, received)


def _seen(directory: Directory, touches: Iterable[tuple[Interaction, Address]]
          ) -> list[Interaction]:
    """Note each touched address and its display name in ``directory``."""
    out = []
    for touch, address in touches:
        directory.see(address.email, address.name)
        out.append(touch)
    return out


def intro_people(config: Config, directory: Directory) -> tuple[
        Callable[[Message], list[str]], Callable[[Message], str]]:
    """``people_of`` and ``sender_of`` as ``rules.introductions.detect`` reads them."""
    def people_of(m: Message) -> list[str]:
        return people_in(parties(m, directory), config)

    def sender_of(m: Message) -> str:
        return directory.person_id(m.sender.email) if m.sender is not None else ""

    return people_of, sender_of


def intro_touches(intro: Introduction, thread: str) -> list[Interaction]:
    """An introduction the user made: one per person introduced; made for the user: one, for
    the introducer."""
    m = intro.message
    people = intro.people if intro.by == "self" else (intro.by,)
    return [Interaction(m.date, p, "intro", thread, m.message_id, m.subject, True)
            for p in people]


def _introductions(personal: Sequence[Message], threads: dict[str, str], config: Config,
                   directory: Directory) -> tuple[tuple[Interaction, ...], tuple[Interaction, ...]]:
    people_of, sender_of = intro_people(config, directory)
    given: list[Interaction] = []
    received: list[Interaction] = []
    for intro in detect_introductions(personal, threads, outbound=lambda m: is_outbound(
            m, directory), people_of=people_of, sender_of=sender_of):
        found = intro_touches(intro, threads[intro.message.message_id])
        (given if intro.by == "self" else received).extend(found)
    return tuple(given), tuple(received)


def participants(m: Message, directory: Directory) -> frozenset[str]:
    """The people of a message but the user (what subject threading compares)."""
    return participants_in(parties(m, directory))


def message_touches(m: Message, thread: str, config: Config, directory: Directory
                    ) -> list[tuple[Interaction, Address]]:
    """The interactions of one personal message, each with the address it came from.

    ``direct``: outbound, they were in To and the message asks something
    (``rules.asks.outbound_ask``), or its asks greet them by name (Cc too; then only those
    greeted: ``rules.text_signals.asked``); inbound, it expects an answer from the user
    (``rules.asks.inbound_expects``). A message with no recipients (a note or a task exported
    as mail) touches nobody."""
    return [(Interaction(m.date, pid, direction, thread, m.message_id, m.subject, direct, asks,
                         answered), a)
            for pid, direction, direct, asks, answered, a in touch_parts(
                m, parties(m, directory), config, directory)]


def meeting_touches(meetings: Sequence[Meeting], config: Config, directory: Directory,
                    now: datetime) -> list[tuple[Interaction, Address]]:
    """The interactions of the meetings that count, each with the attendee it came from."""
    out: list[tuple[Interaction, Address]] = []
    seen: set[tuple[str, datetime]] = set()
    for meeting in meetings:
        if not _counts(meeting, config, directory, now) or (meeting.uid, meeting.start) in seen:
            continue
        seen.add((meeting.uid, meeting.start))
        people = [a for a in meeting.attendees
                  if not directory.is_self(a.email) and a.partstat != "DECLINED"
                  and _human(a.cutype)]
        organizer = meeting.organizer
        if organizer is not None and not directory.is_self(organizer.email) and not any(
                normalize_address(a.email) == normalize_address(organizer.email)
                for a in meeting.attendees):
            people.append(organizer)
        out.extend((Interaction(meeting.start, directory.person_id(a.email), "meeting", "",
                                meeting.native_id, meeting.summary, True),
                    Address(a.email, a.name)) for a in people)
    return out


LOGGED = "logged"


def logged_ref(touch: LoggedTouch) -> str:
    """``touch:<id>:<via>``: what `syncd ledger` shows behind a logged touch."""
    return f"touch:{touch.id}:{touch.via}"


def logged_via(ref: str) -> tuple[int, str]:
    """The id and the channel of a logged touch, from its ref."""
    _, number, via = ref.split(":", 2)
    return int(number), via


def logged_touches(logged: Iterable[LoggedTouch], directory: Directory, now: datetime
                   ) -> list[tuple[Interaction, Address]]:
    """The interactions of the touches the user logged, up to ``now`` (one logged for an
    address that has since become one of the user's own counts for nobody)."""
    return [(Interaction(t.at, directory.person_id(t.person), LOGGED, "", logged_ref(t),
                         t.note or None, t.answered), Address(t.person))
            for t in logged if t.at <= now and not directory.is_self(t.person)]


def _human(cutype: str) -> bool:
    return cutype.upper() in ("INDIVIDUAL", "UNKNOWN", "")


def _counts(meeting: Meeting, config: Config, directory: Directory, now: datetime) -> bool:
    return not meeting_exclusion(meeting, config, directory, now)


def meeting_exclusion(meeting: Meeting, config: Config, directory: Directory, now: datetime
                      ) -> str:
    """Why this meeting touches nobody ("" when it counts): did it happen, with the user in
    it, at a size that makes it personal?"""
    if meeting.ours:
        return "one of syncd's own follow-up events"
    if meeting.all_day:
        return "an all-day event"
    if meeting.status.upper() == "CANCELLED":
        return "cancelled"
    if meeting.end > now:
        return f"has not happened yet (ends {meeting.end.isoformat()})"
    organised = meeting.organizer is not None and directory.is_self(meeting.organizer.email)
    mine = [a for a in meeting.attendees if directory.is_self(a.email)]
    if not organised and not any(a.partstat.upper() == "ACCEPTED" for a in mine):
        return "you neither organised nor accepted it"
    if mine and all(a.partstat.upper() == "DECLINED" for a in mine):
        return "you declined it"
    others = {directory.person_id(a.email) for a in meeting.attendees
              if _human(a.cutype) and not directory.is_self(a.email)}
    if meeting.organizer is not None and not organised:
        others.add(directory.person_id(meeting.organizer.email))
    people = len(others) + 1  # and the user
    if people < 2:
        return "nobody but you"
    if people > (limit := config.ignore.max_meeting_size):
        return f"{people} people, more than ignore.max_meeting_size ({limit})"
    return ""
