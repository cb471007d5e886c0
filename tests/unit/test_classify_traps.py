"""The traps of issue 3, on header lines as the IMAP connector hands them over.

Each fixture is a few header lines (never a body) parsed by ``connectors._imap_parse``. Where a
case exists in ../shared/data its lines are copied from there and the source is named; the other
cases follow the same shapes with example.org addresses.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors._imap_parse import parse_headers
from rules.classify import ClassifyContext, Verdict, classify_message
from syncd.model import Message
from syncd.pipeline import compute
from tests.factories import ME, NOW, config, mail

ARRIVED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CTX = ClassifyContext.build(self_addresses=[ME])


def parsed(raw: bytes, *, labels: tuple[str, ...] = ()) -> Message:
    return parse_headers(raw, account="mail", native_id="INBOX/1/1", internaldate=ARRIVED,
                         labels=labels, scope="INBOX")


def verdict_of(raw: bytes, context: ClassifyContext = CTX) -> Verdict:
    return classify_message(parsed(raw), context)


# --- a human writing from info@ of a small business -----------------------------------------------

SMALL_BUSINESS = (b"From: Maria Lopez <info@casa-lopez.example>\r\n"
                  b"To: Dana <dana@example.org>\r\n"
                  b"Subject: Re: Table for six on Saturday?\r\n"
                  b"Date: Tue, 6 Jan 2026 10:12:00 +0100\r\n"
                  b"Message-ID: <a1b2@casa-lopez.example>\r\n\r\n")


def test_info_at_a_small_business_is_a_role_until_you_write_to_it() -> None:
    assert verdict_of(SMALL_BUSINESS).verdict == "role_sender"
    wrote = ClassifyContext.build(self_addresses=[ME], written_to=["info@casa-lopez.example"])
    result = verdict_of(SMALL_BUSINESS, wrote)
    assert result.personal
    assert result.reasons[0] == "allowed: you have written to info@casa-lopez.example"


def test_info_at_a_small_business_you_wrote_to_becomes_a_person_in_the_ledger() -> None:
    msgs = [mail(ME, "info@casa-lopez.example", days_ago=3, subject="Table for six on Saturday?"),
            mail("info@casa-lopez.example", ME, days_ago=2, name="Maria Lopez",
                 subject="Re: Table for six on Saturday?")]
    snap = compute(config(), msgs, [], NOW)
    ledger = snap.ledgers["info@casa-lopez.example"]
    assert (ledger.messages_out, ledger.messages_in, ledger.replies_by_them) == (1, 1, 1)
    assert snap.directory.name("info@casa-lopez.example") == "Maria Lopez"


# --- a subject that merely contains "auto" --------------------------------------------------------

@pytest.mark.parametrize(
    "subject",
    [b"EnronOnline- Change to Autohedge",  # enron-maildir dean-c/deleted_items/199_
     b"Re: Automated forwarding",  # easy_ham 01024 (without its list headers)
     b"Auto show on Saturday?", b"Autoreply settings for the shared inbox", b"Automation plan"],
)
def test_a_subject_that_merely_contains_auto_is_personal(subject: bytes) -> None:
    raw = (b"Message-ID: <27863410.1075852156061.JavaMail.evans@thyme>\n"
           b"Date: Mon, 22 Oct 2001 07:31:22 -0700 (PDT)\n"
           b"From: savita.puthigai@enron.com\n"
           b"To: dana@example.org\n"
           b"Subject: " + subject + b"\n\n")
    assert verdict_of(raw).verdict == "personal"


def test_an_automatic_reply_subject_is_not() -> None:
    # sisimai rfc3834-02.eml
    raw = (b"From: nekonyaan@example.org\nTo: dana@example.org\n"
           b"Subject: Automatic reply: Nyaan\nDate: Thu, 29 Apr 2010 23:34:45 +0900\n\n")
    assert verdict_of(raw).verdict == "auto_reply"


# --- a list post from a human ---------------------------------------------------------------------

LIST_POST = (  # usrp-users-sample.mbox, message 953
    b"Return-Path: <usrp-users-bounces+lists+usrp-users=lfdr.de@lists.ettus.com>\n"
    b"From: Martin Braun <martin.braun@ettus.com>\n"
    b"Date: Mon, 15 Sep 2025 18:04:15 +0200\n"
    b"Message-ID: <CAFOi1A4UcF0QE3LuAJyTktzPGDXyMx3SSqZzgwNz-Fs8Li+krw@mail.gmail.com>\n"
    b"Cc: \"usrp-users@lists.ettus.com\" <usrp-users@lists.ettus.com>\n"
    b"Precedence: list\n"
    b"Subject: [USRP-users] Re: USRP E320 sporadically not autobooting\n"
    b"List-Id: \"Discussion and technical support related to USRP, UHD, RFNoC\"\n"
    b" <usrp-users.lists.ettus.com>\n"
    b"List-Post: <mailto:usrp-users@lists.ettus.com>\n"
    b"List-Unsubscribe: <mailto:usrp-users-leave@lists.ettus.com>\n\n")


def test_a_list_post_from_a_human_is_list_mail_even_once_you_wrote_to_them() -> None:
    result = verdict_of(LIST_POST)
    assert result.verdict == "list"
    assert any(r.startswith("List-Id: ") for r in result.reasons)
    wrote = ClassifyContext.build(self_addresses=[ME], written_to=["martin.braun@ettus.com"])
    assert verdict_of(LIST_POST, wrote).verdict == "list"


def test_an_old_style_list_post_is_known_by_its_envelope() -> None:
    # SpamAssassin hard_ham 00167: an MSN group post, no List-* header at all.
    raw = (b"Return-Path: <OneIncomeLiving-bounce@groups.msn.com>\n"
           b"Message-Id: <OneIncomeLiving-1396@groups.msn.com>\n"
           b"From: \"joyful\" <abcusa88@hotmail.com>\n"
           b"To: \"One Income Living\" <OneIncomeLiving@groups.msn.com>\n"
           b"Subject: Hi! I'm new here.\n"
           b"Date: Thu, 8 Aug 2002 09:45:04 -0700\n\n")
    assert verdict_of(raw, ClassifyContext()).verdict == "bulk"  # no self known: soft
    wrote = ClassifyContext.build(self_addresses=[ME], written_to=["abcusa88@hotmail.com"])
    result = verdict_of(raw, wrote)  # you are not in To or Cc: a distribution, hard
    assert result.verdict == "bulk"
    assert "bounce-handling address" in result.reasons[0]


def test_the_author_of_list_posts_becomes_a_person_once_you_write_to_them() -> None:
    lists = (("list-id", "<usrp-users.lists.ettus.com>"), ("precedence", "list"))
    msgs = [mail("martin.braun@ettus.com", "usrp-users@lists.ettus.com", days_ago=9,
                 subject="[USRP-users] Re: E320", headers=lists, mid="post"),
            mail(ME, "martin.braun@ettus.com", days_ago=8, subject="Your E320 answer", mid="q"),
            mail("martin.braun@ettus.com", ME, days_ago=7, subject="Re: Your E320 answer",
                 reply_to="q", mid="a"),
            mail("martin.braun@ettus.com", "usrp-users@lists.ettus.com", days_ago=6,
                 subject="[USRP-users] Re: B210", headers=lists, mid="post2")]
    snap = compute(config(), msgs, [], NOW)
    ledger = snap.ledgers["martin.braun@ettus.com"]
    assert [i.ref for i in ledger.history] == ["q", "a"]  # the list posts never count
    assert snap.derived.verdicts["post2"].verdict == "list"


# --- an introduction email copying the user -------------------------------------------------------

INTRO = (b"From: Omar Haddad <omar@haddad.example>\n"
         b"To: Jane Roe <jane@acme.example>\n"
         b"Cc: Dana <dana@example.org>\n"
         b"Subject: Intro: Jane <> Dana\n"
         b"Date: Wed, 7 Jan 2026 08:00:00 +0000\n"
         b"Message-ID: <intro-1@haddad.example>\n\n")


def test_an_introduction_copying_you_is_personal_and_touches_its_sender() -> None:
    message = parsed(INTRO)
    assert classify_message(message, CTX).verdict == "personal"
    snap = compute(config(), [message], [], ARRIVED.replace(year=2027))
    (touch,) = snap.derived.interactions
    assert (touch.person, touch.direction, touch.direct) == ("omar@haddad.example", "in", False)


# --- RFC 2047 encoded names and subjects ----------------------------------------------------------

def test_encoded_japanese_names_and_subject_are_a_person() -> None:
    # SpamAssassin hard_ham 00039: a person at Open Text writing in Japanese.
    raw = (b'From: "=?iso-2022-jp?B?GyRCMEtFbCEhP04bKEI=?=" <hito@opentext.com>\n'
           b'To: "=?iso-2022-jp?B?JxskQiUiJUAlYCEmJVklcyU4JWMlXyVzGyhCJw==?=" '
           b"<aebenjam@opentext.com>\n"
           b"Cc: <michaelb@opentext.com>\n"
           b"Subject: =?iso-2022-jp?B?GyRCRnxLXDhsJE43b0w+IUolNSVWJTglJyUvJUghSyEhJTkbKEI=?=\n"
           b"\t=?iso-2022-jp?B?GyRCJVElYCVhITwlayRHJE8kIiRqJF4kOyRzISobKEI=?=\n"
           b"Date: Thu, 11 Jul 2002 11:01:45 -0400\n"
           b"Message-ID: <000101c228eb$e04cf280$a883a8c0@wl.opentext.com>\n\n")
    message = parsed(raw)
    assert message.sender is not None and message.sender.name == "伊東\u3000仁"
    assert message.subject is not None and message.subject.startswith("日本語の件名")
    assert classify_message(message, CTX).verdict == "personal"


@pytest.mark.parametrize(
    ("line", "verdict"),
    [(b"Subject: =?UTF-8?Q?Automatische_Antwort=3A_Mittagessen=3F?=", "auto_reply"),
     (b"Subject: =?ISO-2022-JP?B?GyRCPCtGMDF+RXobKEI=?=: lunch", "auto_reply"),  # 自動応答
     (b"From: =?UTF-8?Q?Acme_Newsletter?= <jane@acme.example>", "bulk"),
     (b"From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@acme.example>", "personal")],  # Jürgen
)
def test_encoded_words_are_decoded_before_the_rules_read_them(line: bytes, verdict: str) -> None:
    raw = (b"Date: Tue, 6 Jan 2026 10:12:00 +0100\nTo: dana@example.org\n" + line + b"\n")
    if not line.startswith(b"From:"):
        raw += b"From: jane@acme.example\n"
    assert verdict_of(raw + b"\n").verdict == verdict


# --- broken Date headers --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lines", "verdict"),
    [((b"Subject: Delayed Mail (still being retried)\n"  # sisimai rfc3464-34.eml
      b"From: MAILER-DAEMON@neko.example.org (Mail Delivery System)\n"
      b"Date: 29-04-2017 23:34\n"
      b"To: sironeko@neko.example.org\n"), "role_sender"),
     ((b"From: jane@acme.example\nTo: dana@example.org\nSubject: Lunch?\n"
      b"Date: 2002/09/14 Sat 02:29:32 CDT\n"), "personal"),  # the date form of spam 00302
     ((b"From: jane@acme.example\nTo: dana@example.org\nSubject: Lunch?\n"
      b"Date: Thu, 01 Jan 1970 00:00:00 +0000\n"), "personal")],
)
def test_a_broken_date_falls_back_to_arrival_and_changes_no_verdict(lines: bytes,
                                                                   verdict: str) -> None:
    message = parsed(lines + b"\n")
    assert message.date == ARRIVED
    assert classify_message(message, CTX).verdict == verdict
