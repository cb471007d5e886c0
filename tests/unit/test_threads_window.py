"""Subject threading drops the threads that fell out of ``SUBJECT_WINDOW`` as it goes (so a
long mailbox with few subjects threads in linear time): the keys must be exactly those of
comparing every message with every thread its subject ever had, the rule as written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.text_signals import QUOTES_REPLY
from rules.threads import SUBJECT_WINDOW, Open, assign_threads, quotes_earlier, thread_subject
from syncd.model import Address, Message

T0 = datetime(2025, 1, 1, tzinfo=UTC)
PEOPLE = [Address(f"{n}@example.org") for n in ("ann", "bo", "cy", "dee")]


def every_thread_ever(messages: list[Message], people: Callable[[Message], frozenset[str]],
                      open_by_subject: Open) -> dict[str, str]:
    """The subject rule without dropping anything (subject threading only: no references)."""
    candidates = {k: list(v) for k, v in open_by_subject.items()}
    out: dict[str, str] = {}
    for m in messages:
        found = people(m)
        subject = thread_subject(m, found)
        if not subject:
            out[m.message_id] = "m:" + m.message_id
            continue
        threads = candidates.setdefault(subject, [])
        for index, (key, last, seen) in enumerate(threads):
            if m.date - last.date <= SUBJECT_WINDOW and (found & seen or quotes_earlier(m)):
                threads[index] = (key, m, seen | found)
                out[m.message_id] = key
                break
        else:
            threads.append(("s:" + m.message_id, m, found))
            out[m.message_id] = "s:" + m.message_id
    return out


@st.composite
def mailboxes(draw: st.DrawFn) -> tuple[list[Message], Open]:
    gaps = draw(st.lists(st.integers(0, 50), min_size=1, max_size=40))  # days apart
    messages = []
    when = T0
    for n, gap in enumerate(gaps):  # often exactly SUBJECT_WINDOW after another: the edge
        when += timedelta(days=gap, minutes=draw(st.sampled_from([0, 0, 0, 1])))
        sender = draw(st.sampled_from(PEOPLE))
        to = tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2, unique=True)))
        quotes = draw(st.booleans())
        messages.append(Message(
            "mail", str(n), f"m{n}@example.org", when, sender, to,
            subject=draw(st.sampled_from(["Lunch", "Re: Lunch", "Plan", "", "RE:"])),
            signals=(QUOTES_REPLY,) if quotes else None))
    messages.sort(key=lambda m: (m.date, m.message_id))
    earlier = Message("mail", "e", "e@example.org", T0 - timedelta(days=draw(st.integers(0, 40))),
                      PEOPLE[0], (PEOPLE[1],), subject="Lunch")
    open_by_subject: Open = {"lunch": [("s:e@example.org", earlier,
                                        frozenset({PEOPLE[0].email, PEOPLE[1].email}))]}
    return messages, (open_by_subject if draw(st.booleans()) else {})


def _people(m: Message) -> frozenset[str]:
    return frozenset(a.email for a in (*m.to, *([m.sender] if m.sender else ())))


@settings(max_examples=300, deadline=None)
@given(mailboxes())
def test_dropping_expired_threads_changes_no_key(mailbox: tuple[list[Message], Open]) -> None:
    messages, open_by_subject = mailbox
    assert assign_threads(messages, _people, open_by_subject) == every_thread_ever(
        messages, _people, open_by_subject)


def test_a_thread_quiet_for_longer_than_the_window_is_not_joined() -> None:
    first = Message("mail", "1", "a@x", T0, PEOPLE[0], (PEOPLE[1],), subject="Plan")
    later = Message("mail", "2", "b@x", T0 + SUBJECT_WINDOW + timedelta(seconds=1), PEOPLE[1],
                    (PEOPLE[0],), subject="Re: Plan")
    inside = Message("mail", "3", "c@x", T0 + SUBJECT_WINDOW + timedelta(days=2), PEOPLE[0],
                     (PEOPLE[1],), subject="Plan")
    edge = Message("mail", "4", "d@x", inside.date + SUBJECT_WINDOW, PEOPLE[1], (PEOPLE[0],),
                   subject="Plan")
    threads = assign_threads([first, later, inside, edge], _people)
    assert threads == {"a@x": "s:a@x", "b@x": "s:b@x", "c@x": "s:b@x", "d@x": "s:b@x"}
