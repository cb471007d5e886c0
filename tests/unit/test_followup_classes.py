"""One small case per class of wrong reminder (issue 13), built from the shape of the case.

Each runs the reference pipeline (``syncd.pipeline.compute``) and, where the rule lives in the
ledger, the stored path too (``compute_from_store``), so both agree on it.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from rules.asks import inbound_expects, outbound_ask
from rules.candidates import Candidate
from rules.classify import ClassifyContext, classify_message
from rules.people import Directory
from syncd.commands.why import explain_message
from syncd.commands.why_person import nudge_why, owed_why
from syncd.model import Address, Message, Page
from syncd.pipeline import compute, compute_from_store, directory_for
from syncd.store import Store
from tests.factories import ME, NOW, config, mail

ANN, BOB, CAT = "ann@partner.example", "bob@partner.example", "cat@partner.example"
CFG = config(me={"name": "Dana Example", "addresses": [ME], "timezone": "Europe/Berlin"})


def planned(msgs: list[Message], kind: str) -> dict[str, Candidate]:
    """The candidates of ``kind`` by person, from the reference and the stored path alike."""
    reference = {c.person: c for c in compute(CFG, msgs, [], NOW).candidates.values()
                 if c.kind == kind}
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(msgs), "c"))
        stored = {c.person: c for c in compute_from_store(CFG, store, NOW).candidates.values()
                  if c.kind == kind}
    assert {p: (c.due, c.anchor) for p, c in stored.items()} == {
        p: (c.due, c.anchor) for p, c in reference.items()}
    return reference


def asks(m: Message) -> Message:
    return replace(m, signals=("ask",))


def is_self(a: Address) -> bool:
    return directory_for(CFG).is_self_address(a)


# 1. The user's reply taken for an ask.
def test_your_reply_to_mail_not_in_the_store_is_no_ask() -> None:
    reply = mail(ME, ANN, days_ago=8, subject="Re: Contract draft", reply_to="gone@x")
    assert planned([reply], "nudge") == {}
    assert outbound_ask(reply, is_self)[1] == "your_reply"
    fresh = mail(ME, ANN, days_ago=8, subject="Contract draft")
    assert set(planned([fresh], "nudge")) == {ANN}


# 2. Answered elsewhere: a co-recipient answered (reply-all) for everyone asked.
def test_an_answer_on_the_thread_by_anyone_closes_the_ask_for_everyone() -> None:
    ask = mail(ME, [ANN, BOB], days_ago=9, subject="Venue for the offsite?", mid="v1")
    assert set(planned([ask], "nudge")) == {ANN, BOB}
    answer = mail(BOB, [ME, ANN], days_ago=8, subject="Re: Venue for the offsite?",
                  mid="v2", reply_to="v1")
    assert planned([ask, answer], "nudge") == {}


def test_your_later_message_to_them_on_the_thread_closes_the_earlier_ask() -> None:
    ask = asks(mail(ME, ANN, days_ago=9, subject="Signed copy?", mid="s1"))
    done = replace(mail(ME, ANN, days_ago=8, subject="Re: Signed copy?", mid="s2",
                        reply_to="s1"), signals=("thanks",))
    assert planned([ask, done], "nudge") == {}


# 3. Messages that ask nothing (text signals).
def test_thanks_and_bare_forwards_ask_nothing() -> None:
    thanks = replace(mail(ME, ANN, days_ago=8, subject="Great news"), signals=("thanks",))
    forward = replace(mail(ME, BOB, days_ago=8, subject="Fwd: Q3 report"),
                      signals=("forward", "quotes_reply"))
    assert planned([thanks, forward], "nudge") == {}
    assert outbound_ask(forward, is_self)[1] == "forward_nothing_added"
    headers_only = mail(ME, CAT, days_ago=8, subject="Congratulations!")
    assert outbound_ask(headers_only, is_self)[1] == "thanks"


# 4. The same sent message twice (two folders, other Message-IDs, hours apart).
def test_two_copies_of_one_sent_message_are_one_ask() -> None:
    first = mail(ME, ANN, days_ago=7, subject="Budget numbers", mid="c1")
    copy = replace(first, message_id="c2", native_id="Sent/1/c2",
                   date=first.date + timedelta(hours=3))
    nudge = planned([first, copy], "nudge")[ANN]
    assert "nudge 1 of 2" in nudge.reason and "in a row" not in nudge.reason


def test_copies_count_once_in_the_ledger_and_the_streak_a_day_later_counts_again() -> None:
    first = mail(ME, ANN, days_ago=9, subject="Budget numbers", mid="k1")
    copies = [replace(first, message_id=f"k{n}", native_id=f"Sent/{n}/k{n}",
                      date=first.date + timedelta(hours=3 * n)) for n in range(2, 5)]
    later = replace(first, message_id="k9", date=first.date + timedelta(days=1))
    for msgs, sent in (([first, *copies], 1), ([first, *copies, later], 2)):
        reference = compute(CFG, msgs, [], NOW).ledgers[ANN]
        with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
            store.ingest("mail", Page(tuple(msgs), "c"))
            stored = compute_from_store(CFG, store, NOW).ledgers[ANN]
        for ledger in (reference, stored):
            assert (ledger.messages_out, ledger.ask_streak) == (sent, sent)
            assert len(ledger.recent) == sent


# 5. Real asks suppressed: a run of unanswered asks lowers priority, never hides a new one.
def test_a_new_clear_ask_after_three_unanswered_ones_still_gets_its_nudge() -> None:
    old = [mail(ME, ANN, days_ago=40 - n, subject=f"Topic {n}") for n in range(3)]
    new = mail(ME, ANN, days_ago=6, subject="Sign by Friday?")
    nudge = planned([*old, new], "nudge")[ANN]
    assert '"Sign by Friday?"' in nudge.reason and nudge.rank is not None


# 6. Identity: an address whose display name is the user's own name is the user.
def test_an_address_with_your_own_name_is_you() -> None:
    home = Address("dana.home@mail.example", "Dana Example (E-mail)")
    note = replace(mail(ME, ANN, days_ago=8, subject="Plan"), to=(Address(ANN), home))
    snap = compute(CFG, [note], [], NOW)
    assert "dana.home@mail.example" not in snap.ledgers
    reversed_name = Directory.build([ME], [], "Dana Example")
    assert reversed_name.is_self_address(Address("x@y.example", '"Example, Dana"'))
    assert not reversed_name.is_self_address(Address("dana@other.example", "Dana"))


def test_a_spelling_of_your_name_at_your_own_domain_is_you() -> None:
    named = Directory.build(["jane.roe@corp.example"], [], "Jane Roe")
    assert named.is_self("jroe@corp.example") and named.is_self("Jane_Roe@corp.example")
    assert not named.is_self("jroe@other.example")  # another domain: maybe another J. Roe
    assert not named.is_self("jane@corp.example")  # a first name alone names too many
    unnamed = Directory.build(["jane.roe@corp.example"], [])  # no me.name: the address spells it
    assert unnamed.is_self("roe.jane@corp.example")
    cc_self = mail("jane.roe@corp.example", ANN, days_ago=8, subject="Plan",
                   cc=["jroe@corp.example"])
    config_roe = config(me={"name": "Jane Roe", "addresses": ["jane.roe@corp.example"]})
    ledgers = compute(config_roe, [cc_self], [], NOW).ledgers
    assert "jroe@corp.example" not in ledgers and ANN in ledgers


def test_an_address_your_sent_folder_sends_from_with_your_surname_is_you() -> None:
    """Mail in the sent folder from "w.example@" (a middle initial) or a home address carrying
    the surname makes it the user's: it is no contact, and their answer to it answers the user.
    An assistant's address in the sent folder stays a person; the home address's domain does not
    become one of the user's organisations."""
    second, home, kay = "d.w.example@example.org", "dexample2@mail.example", "kay.lee@example.org"
    sent = [mail(second, ANN, days_ago=9, subject="Budget?", labels=("\\Sent",)),
            mail(home, BOB, days_ago=9, subject="Lunch?", labels=("\\Sent",)),
            mail(kay, CAT, days_ago=9, subject="Agenda?", labels=("\\Sent",))]
    # a namesake's mail in the same folders (a relative, a colleague sharing the surname):
    # another given name beside the surname is someone else, a short form of the user's is not
    names = directory_for(CFG, (), ["carl.example@example.org", "dan.example@example.org"])
    assert not names.is_self("carl.example@example.org")
    assert names.is_self("dan.example@example.org")
    answer = mail(ANN, second, days_ago=8, subject="Re: Budget?", reply_to=sent[0].message_id)
    msgs = [asks(m) for m in sent] + [answer]
    directory = directory_for(CFG, (), [m.sender.email for m in sent if m.sender])
    assert directory.is_self(second) and directory.is_self(home) and not directory.is_self(kay)
    assert directory.own_domains == {"example.org"}
    snap = compute(CFG, msgs, [], NOW)
    assert second not in snap.ledgers and home not in snap.ledgers and CAT in snap.ledgers
    nudged = planned(msgs, "nudge")  # the stored path learns the same from its sent folders
    assert ANN not in nudged and BOB in nudged
    # what the assistant sent from the user's mailbox, from her own address, is her ask
    assert CAT not in nudged
    assert outbound_ask(msgs[2], directory.is_self_address)[1] == "delegate"


def test_a_store_remembers_who_its_sent_folders_send_from(tmp_path: Path) -> None:
    inbox = mail("w.example@example.org", ME, days_ago=3)
    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("mail", Page((inbox, mail(ME, ANN, days_ago=2, labels=("SENT",))), "c1"))
        assert store.own_senders() == [ME]
        # the same message seen again in the sent folder: its labels grow, the sender is learned
        store.ingest("mail", Page((replace(inbox, labels=("\\Sent",)),), "c2"))
        assert store.own_senders() == [ME, "w.example@example.org"]


# 7. Not messages: no recipients, or dated in the future.
def test_items_without_recipients_and_future_dates_touch_nobody() -> None:
    note = replace(mail(ANN, ME, days_ago=3, subject="Call notes"), to=())
    future = mail(BOB, ME, days_ago=-2, subject="From the future")
    snap = compute(CFG, [note, future], [], NOW)
    assert ANN not in snap.ledgers and BOB not in snap.ledgers


# 8. Owed replies for messages that expect none.
def test_no_owed_reply_for_copies_announcements_answers_by_the_sender_or_bulk() -> None:
    known = [mail(ME, p, days_ago=90, subject="Hello") for p in (ANN, BOB, CAT)]
    cc_only = mail(ANN, "team@partner.example", days_ago=4, subject="Notes", cc=[ME])
    crowd = [f"p{n}@partner.example" for n in range(6)]
    announcement = mail(BOB, [ME, *crowd], days_ago=4, subject="Office move")
    question = mail(CAT, ME, days_ago=5, subject="Which room?", mid="q1")
    self_answered = replace(mail(CAT, ME, days_ago=4.9, subject="Re: Which room?", mid="q2",
                                 reply_to="q1"), signals=("thanks",))
    owed = planned([*known, cc_only, announcement, question, self_answered], "owed_reply")
    assert owed == {}
    assert inbound_expects(announcement, is_self)[1] == "announcement"
    assert set(planned([*known, question], "owed_reply")) == {CAT}


def test_a_verp_sender_is_bulk_mail() -> None:
    verp = mail("2.3374.1d-ab12cd@news.alumni.example", ME, days_ago=1, subject="Reunion")
    verdict = classify_message(verp, ClassifyContext.build(self_addresses=[ME]))
    assert not verdict.personal and "VERP" in " ".join(verdict.reasons)


def test_a_mailing_relayed_under_its_senders_domain_is_bulk_mail() -> None:
    relayed = mail("records.com@lists.corp.example", ME, days_ago=1, subject="Out now!")
    verdict = classify_message(relayed, ClassifyContext.build(self_addresses=[ME]))
    assert not verdict.personal and "relayed" in " ".join(verdict.reasons)
    person = mail("jo.smith@corp.example", ME, days_ago=1, subject="Lunch?")
    assert classify_message(person, ClassifyContext.build(self_addresses=[ME])).personal


def test_why_names_the_rule_and_its_reason_for_each_message() -> None:
    reply = mail(ME, ANN, days_ago=8, subject="Re: Contract draft", reply_to="gone@x")
    thanks = replace(mail(ANN, ME, days_ago=2, subject="Signed"), signals=("thanks",))
    snap = compute(CFG, [reply, thanks], [], NOW)
    mine = explain_message(CFG, snap, reply, NOW)["follow_up_rule"]
    assert (mine["answer"], mine["rule"], mine["text_signals"]) == (False, "your_reply", None)
    theirs = explain_message(CFG, snap, thanks, NOW)["follow_up_rule"]
    assert (theirs["answer"], theirs["rule"], theirs["text_signals"]) == (
        False, "thanks", ["thanks"])
    assert "the other side spoke last" in mine["reason"]


# 2. Answered elsewhere: the user's answer went to a processing mailbox, quoting the request,
# with the subject unchanged (Lotus Notes forwards carry no "Fwd:").
def test_your_quoting_answer_to_another_address_closes_what_they_asked() -> None:
    known = mail(ME, ANN, days_ago=90, subject="Hello")  # cold mail owes no reply
    request = replace(mail(ANN, ME, days_ago=4, subject="Expense report 11/16", mid="e1"),
                      signals=("ask",))
    assert set(planned([known, request], "owed_reply")) == {ANN}
    approval = replace(mail(ME, "approvals@corp.example", days_ago=3,
                            subject="Expense report 11/16", mid="e2"),
                       signals=("quotes_reply",))
    assert planned([known, request, approval], "owed_reply") == {}
    unquoted = replace(approval, signals=())
    assert set(planned([known, request, unquoted], "owed_reply")) == {ANN}


# 2/5. Only an answer ends an ask: their copy of mail about something else does not.
def test_being_copied_on_their_other_mail_does_not_answer_your_ask() -> None:
    ask = asks(mail(ME, ANN, days_ago=9, subject="Carry value of the field?", mid="a1"))
    copied = mail(ANN, BOB, days_ago=3, subject="Talking points", cc=[ME], mid="a2")
    assert set(planned([ask, copied], "nudge")) == {ANN}
    direct = mail(ANN, ME, days_ago=3, subject="Talking points", mid="a3")
    assert planned([ask, direct], "nudge") == {}


# 1/4. Your own earlier ask, forwarded to the right address, asks again.
def test_your_ask_sent_again_to_the_right_address_gets_its_nudge() -> None:
    ask = asks(mail(ME, [BOB], days_ago=9, subject="Cost summary", mid="r1"))
    again = replace(mail(ME, ANN, days_ago=9, subject="Cost summary", mid="r2"),
                    signals=("resends",))
    assert set(planned([ask, again], "nudge")) == {ANN, BOB}
    assert outbound_ask(again, is_self)[1] == "resends_your_ask"
    fyi = replace(again, signals=())
    assert set(planned([ask, fyi], "nudge")) == {BOB}


def test_text_flags_that_arrive_later_change_the_stored_verdict() -> None:
    note = mail(ME, ANN, days_ago=8, subject="Great news", mid="late1")
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page((note,), "c1"))
        before = compute_from_store(CFG, store, NOW).candidates.values()
        assert {c.person for c in before if c.kind == "nudge"} == {ANN}  # headers: a new ask
        store.ingest("mail", Page((replace(note, signals=("thanks",)),), "c2"))
        after = compute_from_store(CFG, store, NOW).candidates.values()
        assert not [c for c in after if c.kind == "nudge"]


def test_a_newer_ask_does_not_postpone_the_nudge_for_an_overdue_one() -> None:
    overdue = asks(mail(ME, ANN, days_ago=7, subject="Vote on the deal?", mid="o1"))
    fresh = asks(mail(ME, ANN, days_ago=1, subject="Turbine details?", mid="o2"))
    nudge = planned([overdue, fresh], "nudge")[ANN]
    assert nudge.anchor == "nudge:o1" and nudge.due == overdue.date + timedelta(days=5)
    assert planned([fresh], "nudge")[ANN].anchor == "nudge:o2"


# 8. Owed replies for mail that expects none: a program's notice in a person's name, and a
# forward whose quoted part the text reading could not find.
def test_no_owed_reply_for_automated_notices_or_unrecognised_forwards() -> None:
    known = mail(ME, [ANN, BOB], days_ago=90, subject="Hello")
    notice = replace(mail(ANN, ME, days_ago=4, subject="Transaction request"),
                     signals=("ask", "automated"))
    article = replace(mail(BOB, ME, days_ago=4, subject="FW: How it went wrong"),
                      signals=("ask",))
    assert planned([known, notice, article], "owed_reply") == {}
    assert inbound_expects(notice, is_self)[1] == "automated"
    assert inbound_expects(article, is_self)[1] == "forward"
    asked = replace(article, signals=("ask", "quotes_reply"))
    assert set(planned([known, asked], "owed_reply")) == {BOB}


def test_an_announcement_to_everyone_owes_nothing_and_asks_nothing() -> None:
    known = mail(ME, [ANN, BOB], days_ago=90, subject="Hello")
    memo = replace(mail(ANN, ME, days_ago=4, subject="Pay stubs"), signals=("ask", "broadcast"))
    assert planned([known, memo], "owed_reply") == {}
    assert inbound_expects(memo, is_self)[1] == "announcement"
    yours = replace(mail(ME, BOB, days_ago=8, subject="Offsite"), signals=("ask", "broadcast"))
    assert planned([known, yours], "nudge") == {}
    assert outbound_ask(yours, is_self)[1] == "announcement"
    asked = replace(memo, signals=("ask",))
    assert set(planned([known, asked], "owed_reply")) == {ANN}


def test_your_later_message_to_them_anywhere_answers_what_they_asked() -> None:
    known = mail(ME, ANN, days_ago=90, subject="Hello")
    question = replace(mail(ANN, ME, days_ago=6, subject="", mid="e-1"), signals=("ask",))
    assert set(planned([known, question], "owed_reply")) == {ANN}
    answer = mail(ME, ANN, days_ago=5, subject="", mid="e-2")  # no subject: another thread
    assert planned([known, question, answer], "owed_reply") == {}


def test_a_new_conversation_you_start_with_them_picks_up_what_they_asked() -> None:
    """"Will you call me when you're back?", then days later the user writes to them afresh
    (asking nothing): the matter moved on. A reply on another thread, a forward or a memo to
    many does not pick it up."""
    known = mail(ME, ANN, days_ago=90, subject="Hello")
    question = replace(mail(ANN, ME, days_ago=9, subject="Quick help", mid="q-1"),
                       signals=("ask",))
    links = replace(mail(ME, ANN, days_ago=3, subject="", mid="q-2"), signals=())
    assert set(planned([known, question], "owed_reply")) == {ANN}
    assert planned([known, question, links], "owed_reply") == {}
    snap = compute(CFG, [known, question, links], [], NOW)
    pid = snap.directory.person_id(ANN)
    reason = owed_why(snap, CFG, pid, NOW)
    assert reason is not None and "afresh" in reason
    not_fresh = [
        replace(mail(ME, ANN, days_ago=3, subject="Re: Budget", mid="q-3", reply_to="b-0"),
                signals=("thanks",)),  # "thank you" on another thread
        replace(mail(ME, ANN, days_ago=3, subject="Fwd: Job listing", mid="q-4"), signals=()),
        replace(mail(ME, ANN, days_ago=3, subject="Job listing", mid="q-5"),
                signals=("forward", "quotes_reply")),
        replace(mail(ME, [ANN, BOB, CAT, "dan@partner.example"], days_ago=3, subject="Memo",
                     mid="q-6"), signals=()),
        replace(mail(ME, BOB, days_ago=3, subject="Lunch", cc=[ANN], mid="q-7"), signals=()),
        replace(mail(ME, ANN, days_ago=10, subject="Before", mid="q-8"), signals=()),
    ]
    for later in not_fresh:
        assert set(planned([known, question, later], "owed_reply")) == {ANN}, later.subject


def test_their_words_quoted_in_your_later_message_answer_your_ask() -> None:
    """The user asks HR whether the fax arrived; HR's confirmation goes to a folder syncd does
    not read; half an hour later the user writes to HR on another thread quoting it: answered.
    A reply to their stored message from before the ask shows nothing new."""
    ask = asks(mail(ME, ANN, days_ago=12, subject="Direct deposit", mid="d-1"))
    assert set(planned([ask], "nudge")) == {ANN}
    quoting = replace(mail(ME, ANN, days_ago=11, subject="RE: Deposit confirmation", mid="d-2"),
                      signals=("quotes_reply", f"quoted:{ANN}"))
    assert planned([ask, quoting], "nudge") == {}
    snap = compute(CFG, [ask, quoting], [], NOW)
    reason = nudge_why(snap, snap.directory.person_id(ANN))
    assert reason is not None and "answered you elsewhere" in reason
    old = mail(ANN, ME, days_ago=20, subject="Deposit confirmation", mid="d-0")
    answering_old = replace(quoting, in_reply_to="d-0", references=("d-0",))
    assert set(planned([old, ask, answering_old], "nudge")) == {ANN}
    someone_else = replace(quoting, signals=("quotes_reply", f"quoted:{BOB}"))
    assert set(planned([ask, someone_else], "nudge")) == {ANN}
    forwarded = replace(quoting, signals=("forward", "quotes_reply", f"quoted:{ANN}"))
    assert set(planned([ask, forwarded], "nudge")) == {ANN}
    before = replace(quoting, date=ask.date - timedelta(hours=1))
    assert set(planned([ask, before], "nudge")) == {ANN}
    # no In-Reply-To (an old client, Enron): their stored message on the subject answers it
    by_subject = replace(quoting, subject="RE: Deposit confirmation")
    assert set(planned([old, ask, by_subject], "nudge")) == {ANN}
    assert planned([ask, by_subject], "nudge") == {}
    # a forward of their stored message, with a comment, to someone else with them copied
    passed_on = replace(mail(ME, BOB, cc=[ANN], days_ago=11, subject="Fwd: Deposit",
                             mid="d-3"), signals=("ask", "quotes_reply", f"quoted:{ANN}"))
    assert ANN in planned([old, ask, passed_on], "nudge")


def test_your_answer_offering_a_call_is_no_ask() -> None:
    """"Give me a call at your convenience and I'll give you a data dump" above their question:
    the answer goes by phone, which no mail shows; no nudge. A new message asking for a call
    is an ask."""
    offer = replace(mail(ME, ANN, days_ago=9, subject="Re: Candidate", mid="c-1"),
                    signals=("ask", "quotes_reply", "call_only"))
    assert planned([offer], "nudge") == {}
    assert outbound_ask(offer, is_self)[1] == "call_only"
    request = replace(mail(ME, ANN, days_ago=9, subject="Furniture", mid="c-2"),
                      signals=("ask",))
    assert set(planned([request], "nudge")) == {ANN}


def test_an_invitation_to_several_is_owed_by_each_invited() -> None:
    """"Will you be able to attend?" to five people: each answers for themselves; the same
    question without an invitation to several is anyone's to answer."""
    known = mail(ME, ANN, days_ago=90, subject="Hello")
    invite = replace(mail(ANN, [ME, BOB, CAT], days_ago=5, subject="Lennox", mid="r-1"),
                     signals=("ask", "rsvp"))
    assert set(planned([known, invite], "owed_reply")) == {ANN}
    question = replace(invite, signals=("ask",))
    assert planned([known, question], "owed_reply") == {}
    assert inbound_expects(question, is_self)[1] == "group_question"


def test_your_forward_whose_quote_was_not_found_asks_nothing() -> None:
    article = replace(mail(ME, ANN, days_ago=8, subject="FW: How it went wrong"),
                      signals=("ask",))
    assert planned([article], "nudge") == {}
    assert outbound_ask(article, is_self)[1] == "forward"


# 2/8. A named ask: "Vicki, please ..." asks Vicki (even in Cc), not everyone in To; their
# "Don, could you ..." asks Don, not the user.
def test_an_ask_greeting_someone_by_name_asks_them_only() -> None:
    known = mail(ME, [ANN, BOB, CAT], days_ago=90, subject="Hello")
    named = replace(mail(ME, [ANN, BOB], days_ago=8, subject="Contracts", cc=[CAT], mid="n1"),
                    signals=("ask", "quotes_reply", f"asked:{CAT}"))
    assert set(planned([known, named], "nudge")) == {CAT}
    theirs = replace(mail(ANN, ME, days_ago=4, subject="Materials", cc=[BOB], mid="n2"),
                     signals=("ask", f"asked:{BOB}"))
    assert planned([known, theirs], "owed_reply") == {}
    assert inbound_expects(theirs, is_self)[1] == "asks_someone_else"
    mine = replace(theirs, to=(), cc=(theirs.to[0], theirs.cc[0]), signals=("ask", f"asked:{ME}"))
    assert set(planned([known, mine], "owed_reply")) == {ANN}  # Cc, but asked by name


# 8/1. Their answer to your ask that asks you something back ("give me a call", "do you need
# the breakdown too?") is owed an answer; one that only answers is not.
def test_their_question_back_in_your_thread_is_owed_an_answer() -> None:
    ask = asks(mail(ME, ANN, days_ago=6, subject="Is it fixed?", mid="b1"))
    back = replace(mail(ANN, ME, days_ago=5, subject="Re: Is it fixed?", mid="b2",
                        reply_to="b1"), signals=("ask", "quotes_reply"))
    assert set(planned([ask, back], "owed_reply")) == {ANN}
    answer = replace(back, signals=("quotes_reply",))
    assert planned([ask, answer], "owed_reply") == {}
    headers_only = replace(back, signals=None)  # no words read: an answer, as before
    assert planned([ask, headers_only], "owed_reply") == {}



def test_your_new_ask_to_them_elsewhere_answers_them_but_a_bare_forward_does_not() -> None:
    known = mail(ME, ANN, days_ago=90, subject="Hello")
    question = replace(mail(ANN, ME, days_ago=6, subject="Jet plane", mid="j1"),
                       signals=("ask",))
    invite = asks(mail(ME, [ANN, BOB], days_ago=5, subject="Dinner tonight", mid="j2"))
    assert planned([known, question, invite], "owed_reply") == {}
    handed_on = replace(mail(ME, [ANN, BOB], days_ago=5, subject="FW: Outage", mid="j3"),
                        signals=("forward", "quotes_reply"))
    assert set(planned([known, question, handed_on], "owed_reply")) == {ANN}



# 8. A question to a group ("Interested?" to three traders) owes no one reply unless it greets
# you by name.
def test_a_question_to_a_group_is_owed_only_when_it_greets_you() -> None:
    known = mail(ME, [ANN, BOB, CAT], days_ago=90, subject="Hello")
    group = replace(mail(ANN, [BOB, CAT, ME], days_ago=4, subject="Tender", mid="g1"),
                    signals=("ask",))
    assert planned([known, group], "owed_reply") == {}
    assert inbound_expects(group, is_self)[1] == "group_question"
    greeted = replace(group, signals=("ask", f"asked:{ME}"))
    assert set(planned([known, greeted], "owed_reply")) == {ANN}
    pair = replace(group, to=(group.to[0], group.to[2]))  # you and one other
    assert set(planned([known, pair], "owed_reply")) == {ANN}


# 2. Answered elsewhere: the user's later reply on the thread quotes an answer (from a
# co-recipient) that never reached the synced folders: the ask is answered for everyone.
def test_your_reply_quoting_an_answer_closes_the_ask_for_everyone_asked() -> None:
    invite = replace(mail(ME, ANN, cc=[BOB], days_ago=9, subject="Dinner tonight", mid="d-1"),
                     signals=("ask",))
    reply = replace(mail(ME, BOB, days_ago=9, subject="RE: Dinner tonight", mid="d-2"),
                    signals=("quotes_reply",))
    assert set(planned([invite], "nudge")) == {ANN}
    assert planned([invite, reply], "nudge") == {}
    forward = replace(reply, signals=("forward", "quotes_reply"))  # a bare forward answers nothing
    assert set(planned([invite, forward], "nudge")) == {ANN}
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page((invite,), "c1"))  # one cycle with the ask alone, then the reply
        assert {c.person for c in compute_from_store(CFG, store, NOW).candidates.values()
                if c.kind == "nudge"} == {ANN}
        store.ingest("mail", Page((reply,), "c2"))
        assert not [c for c in compute_from_store(CFG, store, NOW).candidates.values()
                    if c.kind == "nudge"]
        # a later message on the thread marks it again from the stored touches: still closed
        later = mail(ME, BOB, days_ago=8, subject="RE: Dinner tonight", mid="d-3")
        store.ingest("mail", Page((later,), "c3"))
        assert not [c for c in compute_from_store(CFG, store, NOW).candidates.values()
                    if c.kind == "nudge"]
    assert planned([invite, reply, later], "nudge") == {}


def test_an_address_spelling_your_name_that_only_ever_receives_is_your_own_mailbox() -> None:
    """Mail the user sends home ("FW:" to dexample2@home.example) makes no contact and no
    follow-up; a namesake at another domain who writes back is a person."""
    home, namesake = "dexample2@home.example", "dana.example@other.example"
    msgs = [asks(mail(ME, home, days_ago=9, subject="Tickets?")),
            asks(mail(ME, namesake, days_ago=9, subject="Hi cousin?")),
            mail(namesake, ME, days_ago=8, subject="Re: Hi cousin?")]
    snap = compute(CFG, msgs, [], NOW)
    assert home not in snap.ledgers and namesake in snap.ledgers
    assert home not in planned(msgs[:1], "nudge")
    # a home account that writes to work too (notes to oneself, a family's shared mailbox),
    # nameless or in the user's name, never answering the user: still the user's own
    notes = [*msgs, asks(mail(home, ME, days_ago=3, subject="Call about the card")),
             asks(mail(home, ME, days_ago=2, subject="", name="Dana Example"))]
    snap = compute(CFG, notes, [], NOW)
    assert home not in snap.ledgers and home not in planned(notes, "owed_reply")
    cousin = [*msgs, asks(mail("dexample@cousin.example", ME, days_ago=3, subject="Lunch?",
                               name="Dora Example"))]
    assert "dexample@cousin.example" in compute(CFG, cousin, [], NOW).ledgers  # her own name


def test_mail_quoting_your_words_is_no_cold_mail_even_when_your_message_was_never_synced(
        ) -> None:
    """Cold mail (never written to, another domain) owes no reply; but their message that
    quotes the user's own words answers the user, who did write (from a phone, an unsynced
    account): it is owed a reply."""
    ask = mail(ANN, ME, days_ago=4, subject="Re:", mid="w1")
    assert ANN not in planned([replace(ask, signals=("ask", "quotes_reply"))], "owed_reply")
    answering = replace(ask, signals=("ask", "quotes_reply", "quoted:" + ME))
    owed = planned([answering], "owed_reply")
    assert owed[ANN].anchor == "owed:w1"
    snap = compute(CFG, [replace(ask, signals=("ask", "quotes_reply"))], [], NOW)
    assert "cold mail" in (owed_why(snap, CFG, ANN, NOW) or "")
    assert owed_why(compute(CFG, [answering], [], NOW), CFG, ANN, NOW) is None


def test_no_nudge_when_nothing_has_reached_the_user_for_weeks_before_the_ask() -> None:
    """A store that holds the user's sent mail but nothing written to the user since long
    before the ask (an inbox not synced, an archive of sent mail) cannot see answers: no
    nudge; once mail to the user arrives again, asks are judged as before."""
    ask = asks(mail(ME, BOB, days_ago=8, subject="Budget by Friday?", mid="d1"))
    old = mail(ANN, ME, days_ago=40, subject="Lunch", mid="d0")
    assert planned([old, ask], "nudge") == {}
    recent = mail(ANN, ME, days_ago=20, subject="Lunch", mid="d2")  # within two weeks of it
    assert planned([recent, ask], "nudge")[BOB].anchor == "nudge:d1"
