"""The follow-up kinds of DESIGN.md section 4, on small hand-made histories."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rules.introductions import is_intro_subject
from syncd.pipeline import compute
from tests.factories import ME, NOW, config, mail, meeting

JANE, OMAR, ZOE = "jane@acme.example", "omar@haddad.example", "zoe@zed.example"


def kinds(msgs: list, person: str, **cfg: object) -> dict[str, object]:  # type: ignore[type-arg]
    snap = compute(config(**cfg), msgs, [], NOW)  # type: ignore[arg-type]
    return {c.kind: c for c in snap.candidates.values() if c.person == person}


def test_nudges_follow_the_newest_open_ask_twice_at_most() -> None:
    ask = [mail(ME, JANE, days_ago=7, subject="Can you review?", mid="a1")]
    first = kinds(ask, JANE)["nudge"]
    assert first.due == NOW - timedelta(days=2)  # asked 7 days ago, nudge_after 5 days
    assert "nudge 1 of 2" in first.reason and '"Can you review?"' in first.reason
    later = [mail(ME, JANE, days_ago=11, subject="Can you review?", mid="b1")]
    second = kinds(later, JANE)["nudge"]  # still open after twice nudge_after: the last one
    assert second.due == NOW - timedelta(days=1) and "nudge 2 of 2" in second.reason
    assert second.anchor != kinds(ask, JANE)["nudge"].anchor  # a dismissed first one returns
    answered = [*ask, mail(JANE, ME, days_ago=0.2, subject="Re: Can you review?", mid="a4",
                           reply_to="a1")]
    assert "nudge" not in kinds(answered, JANE)


def test_a_run_of_unanswered_asks_lowers_priority_but_never_hides_a_new_ask() -> None:
    asks = [mail(ME, JANE, days_ago=30 - n, subject=f"Question {n}", mid=f"r{n}")
            for n in range(4)]
    asks.append(mail(ME, JANE, days_ago=6, subject="Budget by Friday?", mid="r9"))
    nudge = kinds(asks, JANE)["nudge"]
    assert '"Budget by Friday?"' in nudge.reason and "ranks lower" in nudge.reason
    assert nudge.priority > kinds(asks[-1:], JANE)["nudge"].priority


def test_a_meeting_answers_an_ask_too() -> None:
    msgs = [mail(ME, JANE, days_ago=7, subject="Coffee?", mid="c1")]
    snap = compute(config(), msgs, [meeting([JANE], days_ago=2)], NOW)
    assert not any(c.kind == "nudge" for c in snap.candidates.values())


def test_owed_reply_is_due_after_owed_reply_after_and_ends_with_your_reply() -> None:
    known = mail(ME, JANE, days_ago=60, subject="Hello")
    theirs = [known, mail(JANE, ME, days_ago=1, subject="Question", mid="q1")]
    owed = kinds(theirs, JANE)["owed_reply"]
    assert owed.due == NOW + timedelta(days=1) and "you have not answered" in owed.reason
    replied = [*theirs, mail(ME, JANE, days_ago=0.5, subject="Re: Question", mid="q2",
                             reply_to="q1")]
    assert "owed_reply" not in kinds(replied, JANE)
    assert "owed_reply" not in kinds(theirs[1:], JANE)  # cold mail: never written to, elsewhere


def test_their_answer_to_your_ask_wants_a_thank_you_not_a_reply() -> None:
    msgs = [mail(ME, JANE, days_ago=3, subject="Intro to your CFO?", mid="t1"),
            mail(JANE, ME, days_ago=2, subject="Re: Intro to your CFO?", mid="t2",
                 reply_to="t1")]
    found = kinds(msgs, JANE)
    assert "owed_reply" not in found and "nudge" not in found
    assert found["thank"].due == NOW and "answered your ask" in found["thank"].reason
    thanked = [*msgs, mail(ME, JANE, days_ago=1, subject="Thank you!", mid="t3")]
    assert "thank" not in kinds(thanked, JANE)
    assert "thank" not in kinds(msgs, JANE, reciprocity={"thank_helpers": False})


def test_reciprocity_follow_ups_lapse_after_the_horizon() -> None:
    old = [mail(JANE, ME, days_ago=100, subject="Old question", mid="o1")]
    assert "owed_reply" not in kinds(old, JANE)


def test_cadence_waits_while_something_specific_is_open() -> None:
    cfg = {"cadences": [{"name": "all", "every": "7d"}]}
    msgs = [mail(OMAR, ME, days_ago=300, subject="Hi", mid="h1"),
            mail(ME, OMAR, days_ago=299, subject="Re: Hi", mid="h2", reply_to="h1")]
    assert set(kinds(msgs, OMAR, **cfg)) == {"cadence"}
    msgs.append(mail(OMAR, ME, days_ago=1, subject="New question", mid="h3"))
    assert set(kinds(msgs, OMAR, **cfg)) == {"owed_reply"}


@pytest.mark.parametrize(("subject", "expected"), [
    ("Intro: Jane <> Omar", True),
    ("Jane / Omar", True),
    ("Connecting you two", True),
    ("You should meet Zoe", True),
    ("Introduction - Acme and Haddad", True),
    ("Re: Intro: Jane <> Omar", False),
    ("Quarterly numbers", False),
    ("Meeting notes", False),
    (None, False),
])
def test_introduction_subjects(subject: str | None, expected: bool) -> None:
    assert is_intro_subject(subject) is expected


def test_an_introduction_you_make_is_given_to_each_of_them() -> None:
    msgs = [mail(ME, JANE, days_ago=30, subject="Hello", mid="x1"),
            mail(ME, OMAR, days_ago=29, subject="Hello", mid="x2"),
            mail(ME, [JANE, OMAR], days_ago=2, subject="Intro: Jane <> Omar", mid="x3")]
    snap = compute(config(), msgs, [], NOW)
    for who in (JANE, OMAR):
        led = snap.ledgers[who]
        assert led.intros_given == 1 and led.given == 2 + 1  # two initiations + the intro
    # They have now shared a thread: a second "intro" to the same pair is no introduction.
    again = [*msgs, mail(ME, [JANE, OMAR], days_ago=1, subject="Intro round two", mid="x4")]
    assert compute(config(), again, [], NOW).ledgers[JANE].intros_given == 1


def test_an_introduction_made_for_you_is_received_and_deserves_thanks() -> None:
    msgs = [mail(JANE, ME, days_ago=40, subject="Hi", mid="y1"),
            mail(ME, JANE, days_ago=39, subject="Re: Hi", mid="y2", reply_to="y1"),
            mail(JANE, [ME, ZOE], days_ago=1, subject="Dana, meet Zoe", mid="y3")]
    snap = compute(config(), msgs, [], NOW)
    jane = snap.ledgers[JANE]
    assert jane.intros_received == 1 and jane.received == 2 + 1  # two initiations + the intro
    thanks = [c for c in snap.candidates.values() if c.person == JANE and c.kind == "thank"]
    assert len(thanks) == 1 and "introduced you" in thanks[0].reason
    assert snap.ledgers.get(ZOE) is None  # Zoe was copied, not a correspondent yet
