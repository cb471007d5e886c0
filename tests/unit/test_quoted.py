"""Whose message a quoted block holds (rules.quoted), on the header styles real mail uses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rules.asks import inbound_expects
from rules.quoted import quoted_author, quoted_body, quoted_recipients, same_person, unquoted
from rules.text_signals import (
    ASK,
    FORWARD,
    QUOTES_OWN,
    QUOTES_REPLY,
    RESENDS,
    SHORT_QUESTION,
    asked,
    judge,
    quoted_from,
    split,
)
from syncd.model import Address, Message

DANA = Address("dana.example@corp.example", "Dana W Example")
NOTES_OWN = ("Sorry Ann, wrong address\n"
             "---------------------- Forwarded by Dana W Example/HOU/CORP on 11/28/2000 \n"
             "12:22 PM ---------------------------\n\n\n"
             "Dana W Example\n11/28/2000 12:22 PM\n"
             "To: Ann Other/NA/Corp@Corp, Bob \nSmith/DEV@DEV\ncc: Kay/HOU/CORP@CORP \n"
             "Subject: Cost summary\n\n"
             "Guys, lets get together to settle the fee asap.\n\nRegards\nDana\n")


@pytest.mark.parametrize(("quote", "author"), [
    ("-----Original Message-----\nFrom: Smith, Ann [mailto:ann@x.example]\nSent: Monday",
     "Ann Smith"),
    ("On Mon, 3 Nov 2025 at 10:00, Ann Smith <ann@x.example> wrote:\n> hi", "Ann Smith"),
    ("On Mon, Feb 2, 2026 at 10:00 AM Ann Smith <ann@x.example> wrote:\n> hi", "Ann Smith"),
    ("On 3 Nov 2025, at 10:00, Ann Smith wrote:\n> hi", "Ann Smith"),
    ("On Monday, Ann Smith wrote:\n> hi", "Ann Smith"),
    (("---------------------- Forwarded by Dana/HOU on 12/06/2000 07:06 PM ----\n\n"
     "\tFrom:  Chip Jones @ CORP        12/06/2000 06:07 PM\n"), "Chip Jones"),
    ("Ann Smith@CORP on 11/28/2000 04:22:10 PM\nTo: Dana", "Ann Smith"),
    ("> just a quote", None),
    # a client that marks the quoted reply with ">": the header under the marks
    (("> -----Original Message-----\n> From:\tAnn.Smith@x.example [SMTP:Ann.Smith@x.example]\n"
      "> Sent:\tMonday"), "Ann.Smith@x.example"),
])
def test_the_quoted_author_is_read_from_each_header_style(quote: str, author: str | None
                                                          ) -> None:
    found = quoted_author(unquoted(quote.split("\n")))
    assert (found and " ".join(sorted(found.replace(",", " ").split()))) == (
        author and " ".join(sorted(author.split())))


def test_same_person_by_name_or_address_not_by_a_shared_first_name() -> None:
    assert same_person("Dana W Example", DANA)
    assert same_person("Example, Dana", DANA)
    assert same_person("dana.example@corp.example", DANA)
    assert not same_person("Dana Other", DANA)
    assert not same_person("Chip Example", Address("dana.example@corp.example", ""))
    assert same_person("D Example", DANA) and same_person("Dan Example", DANA)  # initial, short
    # two people of one family: a shared surname and first letter is not enough
    assert not same_person("Clint.Example@corp.example", Address("craig.example@else.example"))
    assert not same_person("Carl Example", Address("craig.example@else.example", "Craig"))


def test_the_quoted_body_skips_the_header_block() -> None:
    _words, quoted = split(NOTES_OWN)
    assert quoted is not None
    assert quoted_body(quoted).strip().startswith("Guys, lets get together")


def test_your_own_ask_sent_again_asks_again_but_someone_elses_forward_does_not() -> None:
    assert RESENDS in judge(NOTES_OWN, DANA)
    assert ASK not in judge(NOTES_OWN, DANA)
    other = Address("bob.smith@corp.example", "Bob Smith")
    assert set(judge(NOTES_OWN, other)) == {QUOTES_REPLY}
    bare = NOTES_OWN.replace("Sorry Ann, wrong address\n", "")
    assert set(judge(bare, other)) == {FORWARD, QUOTES_REPLY}
    assert set(judge(bare, DANA)) == {RESENDS}
    assert RESENDS not in judge(bare)  # no author known: a quote is someone else's


def test_new_words_above_your_own_earlier_message_are_read_as_yours() -> None:
    own = ("Have we sent this on to anyone yet?\n\n -----Original Message-----\n"
           "From: \tExample, Dana\nSent:\tTuesday, December 18, 2001 8:53 AM\n"
           "To:\tRoe, Jane\nSubject:\tContracts\n\nAn update on the contracts. "
           "Call me if you need more info.\n")
    flags = set(judge(own, DANA))
    assert flags == {ASK, QUOTES_OWN}  # the quote was found: the ask above it is Dana's
    jane, dana = Address("jane.roe@corp.example", "Jane Roe"), DANA
    forward = Message(account="a", native_id="1", message_id="m1",
                      date=datetime(2026, 12, 1, tzinfo=UTC),
                      sender=dana, to=(jane,), cc=(), subject="FW: Contracts",
                      signals=tuple(sorted(flags)))
    assert inbound_expects(forward, lambda a: a.email == jane.email) == (
        True, "text_asks", "its text asks you something (a question, a request)")


def test_the_quoted_recipients_are_read_from_notes_and_outlook_headers() -> None:
    _words, quoted = split(NOTES_OWN)
    assert quoted is not None
    assert quoted_recipients(quoted) == {"ann", "other", "bob", "smith"}
    outlook = ("-----Original Message-----\nFrom: Example, Dana\nSent: Monday\n"
               "To: Roe, Jane; 'kim.lee@corp.example'\nSubject: Fees\n\nCan you pay?")
    assert quoted_recipients(outlook.split("\n")) == {"roe", "jane", "kim", "lee"}
    assert quoted_recipients(["> no header here"]) == set()


ANN = Address("ann.other@corp.example", "Ann Other")
BOSS = Address("lee.boss@corp.example", "Lee Boss")
CARL = Address("carl.new@corp.example", "Carl New")


def test_your_ask_sent_on_to_others_asks_only_those_it_asked_before() -> None:
    """Sent on to Ann's boss with Ann copied, the old ask is still Ann's; sent to someone new
    only ("wrong address") it asks them; passed on "FYI" to others it asks nobody."""
    on = NOTES_OWN.replace("Sorry Ann, wrong address", "Lee, here is what I asked Ann for.")
    flags = judge(on, DANA, (BOSS, ANN))
    assert RESENDS in flags and asked(flags) == {"ann.other@corp.example"}
    assert asked(judge(NOTES_OWN, DANA, (CARL,))) is None  # to a new address: the headers decide
    assert RESENDS in judge(NOTES_OWN, DANA, (CARL,))
    fyi = NOTES_OWN.replace("Sorry Ann, wrong address", "Carl, Ann is their CFO. FYI")
    assert set(judge(fyi, DANA, (CARL,))) == {QUOTES_OWN}


def test_mail_quoting_a_recipients_own_words_names_them_as_answered() -> None:
    """Their reply quoting Dana's message (Notes and Outlook headers) names Dana in
    ``quoted:``: it answers Dana, whose message may never have reached the synced folders."""
    notes = ("sounds good. what do you know about that?\n\n\n\n"
             "\tdana.example@corp.example \n\t\n\t12/08/2000 12:05 PM \n"
             "\t\tTo: bob.smith@else.example \n\t\tcc: \n\t\tSubject: Re:\n\n"
             "If I send you to the store, can you find it?\n")
    bob = Address("bob.smith@else.example")
    flags = judge(notes, bob, (DANA,))
    assert QUOTES_REPLY in flags and quoted_from(flags) == {"dana.example@corp.example"}
    outlook = ("Yes, Tuesday works.\n\n-----Original Message-----\nFrom: Example, Dana\n"
               "Sent: Monday\nTo: Smith, Bob\nSubject: Lunch\n\nLunch on Tuesday?")
    assert quoted_from(judge(outlook, bob, (DANA,))) == {"dana.example@corp.example"}
    assert quoted_from(judge(outlook, bob, (ANN,))) == frozenset()  # not a recipient's words
    bare = outlook.replace("Yes, Tuesday works.", "")
    assert quoted_from(judge(bare, bob, (DANA,))) == frozenset()  # a bare forward answers none


def test_a_reply_marked_with_chevrons_names_the_recipient_it_quotes() -> None:
    """Outlook-to-Internet replies put "> " before the whole message they answer, header and
    all: the author under the marks is read like an unmarked one."""
    bob = Address("bob.smith@else.example", "Smith, Bob")
    marked = ("Sounds right.\n\n> -----Original Message-----\n"
              "> From:\tDana.Example@corp.example [SMTP:Dana.Example@corp.example]\n"
              "> Sent:\tMonday, October 22, 2001 11:04 AM\n> To:\tbob.smith@else.example\n"
              "> Subject:\tRE:\n>\n> I saw the ring.\n")
    assert quoted_from(judge(marked, bob, (DANA,))) == {"dana.example@corp.example"}
    assert quoted_from(judge(marked, bob, (ANN,))) == frozenset()


def _reply(words: str) -> str:
    return (f"{words}\n\n-----Original Message-----\nFrom: Example, Dana\nSent: Monday\n"
            "To: Smith, Bob\nSubject: Ring\n\nI saw the engagement ring.")


@pytest.mark.parametrize(("words", "short"), [
    ("Was it wrapped around some other guy?", True),
    ("why? scared to talk over email?\n713/420-5807", True),
    ("Was it wrapped around some other guy?\n\nBob Smith\nAcquisitions\n972-555-0100", True),
    # a request, a longer question, or more said after it: it asks for something
    ("Can you send me the ring's receipt?", False),
    ("Which one? I have three versions here and need to know before I send it today.", False),
    ("So have you had a chance to look at the numbers for the Frontera deal yet?", False),
    ("Great, I saw it too.", False),
])
def test_a_short_question_back_is_flagged_only_when_it_asks_nothing_more(
        words: str, short: bool) -> None:
    bob = Address("bob.smith@else.example", "Smith, Bob")
    flags = judge(_reply(words), bob, (DANA,))
    assert (SHORT_QUESTION in flags) is short
    assert quoted_from(flags) == {"dana.example@corp.example"}
    assert (ASK in flags) is (words != "Great, I saw it too.")


def test_a_short_question_back_on_the_users_message_expects_no_answer() -> None:
    """Owed replies: "was it?" on the user's own message is a turn in a chat; the same
    question on someone else's message (forwarded to the user) or a request still wants one."""
    bob = Address("bob.smith@else.example", "Smith, Bob")
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def is_dana(a: Address) -> bool:
        return a.email == DANA.email

    def expects(words: str) -> tuple[bool, str]:
        m = Message("acct", "1", "m1", at, bob, (DANA,), subject="RE: Ring",
                    signals=judge(_reply(words), bob, (DANA,)))
        yes, rule, _reason = inbound_expects(m, is_dana)
        return yes, rule
    assert expects("Was it wrapped around some other guy?") == (False, "short_question")
    assert expects("Can you send me the ring's receipt?") == (True, "text_asks")
    carl = Address("carl@corp.example", "Carl Example")
    m = Message("acct", "2", "m2", at, bob, (DANA,), subject="FW: Ring",
                signals=judge(_reply("Interested in it?").replace("Example, Dana", "Carl Example"),
                              bob, (DANA, carl)))
    assert inbound_expects(m, is_dana)[:2] == (True, "text_asks")
