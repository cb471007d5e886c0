"""rules.text_signals on hand-made texts and on real Enron mail, and the IMAP preview decoding
(connectors._imap_preview): text in, flags out, nothing kept."""

from __future__ import annotations

import base64
import email
import os
import quopri
from email import policy
from pathlib import Path

import pytest

from connectors._imap_preview import TextPart, decode, first_text_part, signals
from rules.text_signals import (
    ASK,
    AUTOMATED,
    BROADCAST,
    CALL_ONLY,
    FORWARD,
    QUOTES_REPLY,
    RSVP,
    SHORT_QUESTION,
    THANKS,
    judge,
)

DATA = Path(os.environ.get("SYNCD_DATA") or Path(__file__).resolve().parents[3] / "shared"
            / "data")


@pytest.mark.parametrize(("text", "flags"), [
    ("Can you send me the signed copy?", {ASK}),
    ("Please review the attached draft by Friday.\n\nDana", {ASK}),
    ("Let me know what you think.", {ASK}),
    ("I want a view from you on the carry value.", {ASK}),
    ("Thanks so much, that was very helpful!", {THANKS}),
    ("Congratulations on the new role.", {THANKS}),
    ("FYI, please see attached.", set()),
    ("Here is the list you asked for. Call me if you have any questions.", set()),
    ("The meeting moved to 3pm.", set()),
    ("\n-----Original Message-----\nFrom: Ann\nCan you help?", {FORWARD, QUOTES_REPLY}),
    ("FYI\n---------------------- Forwarded by Dana on 11/20/2000 10:00 AM -----\nQ?",
     {FORWARD, QUOTES_REPLY}),
    ("Done, thanks.\n\nOn Mon, 3 Nov 2025 Ann <ann@x.example> wrote:\n> Can you sign?",
     {THANKS, QUOTES_REPLY}),
    ("Good point; could you also check the totals?\n> the totals look off",
     {ASK, QUOTES_REPLY}),
    # courtesy, negation and errands ask for no answer
    ("Please call me at x34771 if you have any questions or would like to discuss it.", set()),
    ("Give me a call if you want to discuss and if anything is missing, please advise.", {ASK}),
    ("Let me know if you want a copy of the model.", set()),
    # an invitation asks for an answer (yes or no), even as "let me know if you want to"
    ("Dinner at 7 tonight for my birthday. Let me know if you want to go so we can book.",
     {ASK}),
    ("Let me know if you would like to join us on Friday.", {ASK}),
    ("Please forgive the approach - I would rather provoke a discussion.", set()),
    ("I really don't think we need to have this meeting.", set()),
    ("There is no need to send me the draft.", set()),
    ("Kay, please set up a time for us to speak with Bruce.", set()),
    ("FYI - Ben, can you follow up with this person with our interest.", set()),
    ("Ben, can you follow up with this person - and what is our plan?", {ASK}),
    ("Rob can you give Om a call.", set()),
    ("Jeff, can you speak briefly with Kevin on this one.", set()),
    ("Rob, can you give me a call.", {ASK}),
    ("pls print. thanks. df", {THANKS}),
    ("Congratulations on the quarter! Let me know how I can help. Please forward to your team.",
     {THANKS}),
    ("I will set up a monthly meeting with you guys. Kay, please set up. Regards", set()),
    ("John, great job! Please, work with Jeff to move the deal along.", {THANKS}),
    ("Rodney, please give Cliff a call. He will handle it. Please fill him in.", set()),
    ("We need more than $2M of savings to get this deal to clear the hurdle.", set()),
    ("The letter is surprising and we need to figure out why they sent it.", set()),
    ("We need the signed copy back by Monday.", {ASK}),
    (('Bob, two things: 1. Send these sentences to the Cal Px: "we expect derations". '
     "2. Do not do any trades in September."), set()),
    ("Could you send the final draft to me by Friday?", {ASK}),
    (("Kevin/Bob: Here is a rundown. If you have questions, or would like to see their bios let "
     "me know."), set()),
    ("If you want to come along on Friday, let me know.", {ASK}),
    ("If you want to have lunch on Friday, let me know.", {ASK}),
    ("Pls get me scheduled on the 13th. thanks df", {THANKS}),
    ("Did you all see the blurb in Gas Daily on their deal? May be useful to us. DF", set()),
    ("Did you see my note about the budget?", {ASK}),
    # an answer wanted only if something is wrong: a courtesy
    ("Jana, they asked to nominate someone. If I am incorrect Janet let me know. Regards", set()),
    ("Give them what they want. Mark, if there is a flaw in my thinking let me know.", set()),
    ("Here is the draft. Let me know if you see any problems with it.", set()),
    ("If this is OK, let me know.", {ASK}),
    ("Can you send me the file? If I am wrong, let me know.", {ASK}),
    # errands to be done, not answers to send
    ("Please include me on distribution for the draft.", set()),
    ("Pls route Mary Kay and I on the next draft of the policy.", set()),
    ("pls put on my calendar.", set()),
    ("Kay please send regrets - I think I am in Canada.", set()),
    ("get rid of this please", set()),
    ("Craig, some information is missing on your form. Please swing by to complete.", set()),
    ("Please stop by my desk when you are in. Can you bring the contract?", {ASK}),
    ("Christi, please send a hard copy to my office.", set()),
    ("Martha, please get me into this class. Thanks DF", {THANKS}),
    ("Pls get me in on the meetings with Galasinsi.", set()),
    ("Maria, pls take a look and get back to Bill.", set()),
    ("Guys, can you help Phillip out with this, I assume it is the 20/20 deal.", set()),
    ("Please help accomplish these goals. Can you send me the plan?", {ASK}),
    ("Please get back to me by Friday.", {ASK}),
    # the author will call or talk to the reader soon: the question is settled there
    ("These are Feb. only numbers, right? Do you have YTD? I'll give you a call. DF", set()),
    ("Any thoughts? We can cover it when we talk tomorrow.", set()),
    ("Any thoughts? I'll call you if I hear more.", {ASK}),
    # a bare imperative asking for an answer, and one word of question above a forward
    ("Clint see if this seems to match the formula in the contract in your opinion.", {ASK}),
    ("Tell me what you hear from them.", {ASK}),
    ("I am not sure which pieces you need, so it would help if you could tell me.", {ASK}),
    ("Here are the numbers. I look forward to hearing from you tomorrow.", {ASK}),
    ("I will see if I can make it. To see if it works, I ran the model.", set()),
    ("interest?\n-----Original Message-----\nFrom: Ann\nWe are requesting proposals.",
     {ASK, QUOTES_REPLY, SHORT_QUESTION}),  # short: it waives an owed reply only on the user's
    ("Great, please sign me up! Please let me know if I need to move anything.", set()),
    ("Good job. Please keep an eye on this for me.", set()),
    (("Please note your calendars to reflect the following meeting: June 15, 3:00 pm. If you "
      "have any questions/conflicts, please feel free to call me. Thanks, Kay"), {THANKS}),
    ("This confirms the meeting on Thursday. If any conflicts, please feel to call me at x0643.",
     set()),
    ("Guys, please attend if available. Regards", set()),
    ("Can you attend on Friday?", {ASK, RSVP}),
    # an announcement to everyone, even when each copy names one person
    ("Beginning in November, pay stubs will be available to all employees. Please log in.",
     {ASK, BROADCAST}),
    ("Dear Colleagues,\nThe offsite moved to May.", {BROADCAST}),
    ("Could you send the memo to all employees by Friday?", set()),  # an errand, no broadcast
    ("Denise has volunteered. Please call me directly if you need my input.", set()),
    ("Sorry, I cannot make Monday. Fran, could you work with Emily and find a time?", set()),
    ("Rosie, please put this on my calendar and print the attachment.", set()),
    ("Please print this. What do you make of section 2?", {ASK}),
    ("Stephanie - please make sure this gets rebooked and confirmed.", set()),
    ("If you use Endata, please follow the directions below at your leisure.", set()),
    ("Sorry to hear that. Please convey my disappointment to Mark.", set()),
    ("Did you know that he starred in a film? Check it out at www.example.org", set()),
    ("I'll call you when you get back to the states.", set()),
    # a deadline the author sets for their own work asks nothing; one for the reader asks
    ("Here it is. I may be able to finish it by Friday evening.", set()),
    ("I will get it to you asap.", set()),
    ("I'll need it by Friday.", {ASK}),
    ("I will review it. Send the file by Friday.", {ASK}),
    ("If I can have these back by noon tomorrow, I can combine them.", {ASK}),
    # "let me know" on a condition about someone else; the reader's own condition still asks
    ("Lindy, this looks fine. If they wanted exact usage numbers, let me know. DF", set()),
    ("Do the work you need to. If someone has better tools, please let us know.", set()),
    ("Let me know if the date works for you.", {ASK}),
    ("If you can make it on Friday, let me know.", {ASK}),
    ("If possible, let me know your availability.", {ASK}),
    ("Let me know if you want to go so Zooey can book.", {ASK}),
    ("If it needs any changes, please let me know.", {ASK}),
    ("Let me know if anything needs changing.", {ASK}),
    ("Let me know if anyone needs access and please send me your hours by Friday.", {ASK}),
    ("If anyone asks, let me know, and please send me the revised schedule today.", {ASK}),
    # an idiom, not a request
    ("Call me heartless but I am now in my office. No word on the ruling.", set()),
    ("Call me old-fashioned, but I like paper.", set()),
    # handing something over to someone else: an errand
    ("pls give that copy of Gorak's sba filing to maria. I think I left it with you.", set()),
    ("Denise would you give a copy of this memo to Maria Pavlou please?", set()),
    ("Can you give the numbers to review by Friday?", {ASK}),
    ("Please bring the contract to the meeting tomorrow.", {ASK}),
    ("Could you deliver the documents to our office by Monday?", {ASK}),
    ("Can you give a copy to me and to John?", {ASK}),
    ("Picking out baby furniture....crazy isn't it?\nTake care, talk soon.", set()),
    ("Last of four nights, huh? Did you go to the party?", {ASK}),
    ("I'm going to ask Stephanie but, if you do please let her know. Thanks", {THANKS}),
    (("Our records indicate that you have been asked for feedback. Please complete or decline "
      "these requests by Friday."), {ASK, AUTOMATED}),
    (("This is an automated e-mail. Do not reply to this e-mail. Tori requests: drop Jets. "
     "To approve this request, please visit the site."), {ASK, AUTOMATED}),
])
def test_judge_reads_only_the_authors_own_words(text: str, flags: set[str]) -> None:
    assert set(judge(text)) == flags


@pytest.mark.parametrize("words", [
    "Rob, thanks for the update - we need the money to show up.\n",
    "I assume that you will have the headcount ready.\n",
])
def test_a_need_asks_in_a_new_message_but_not_in_an_answer(words: str) -> None:
    assert ASK in judge(words)
    answer = judge(words + "\n-----Original Message-----\nFrom: Rob Milne\nQ4 looks fine.")
    assert ASK not in answer and QUOTES_REPLY in answer
    question = "Could you send the Q4 numbers?\n\n-----Original Message-----\nFrom: Rob\nHi"
    assert ASK in judge(question)


@pytest.mark.parametrize(("text", "each"), [
    ("Let's meet with him on Tuesday 2:00. How does that sound? Will you be able to attend?",
     True),
    ("Dinner on Friday. Can you make it?", True),
    ("Are you available at 3 tomorrow?", True),
    ("Please RSVP to Kay by Monday.", True),
    ("Can you send me the numbers?", False),
    ("Can you make it by Friday?", False),
    ("Could you make it a PDF?", False),
    ("Are you free to review the contract today?", False),
    ("Thanks for your RSVP. Can you send the slides?", False),
    ("If you haven't RSVP'd for the meeting, please do. Can you bring the report?", False),
])
def test_rsvp_marks_a_question_each_invited_answers(text: str, each: bool) -> None:
    flags = judge(text)
    assert ASK in flags
    assert (RSVP in flags) is each


def test_give_me_a_call_asks_in_an_answer_too() -> None:
    answer = "Give me a call.\n\n-----Original Message-----\nFrom: Clint\nIs the issue fixed?"
    assert ASK in judge(answer)


@pytest.mark.parametrize(("text", "only"), [
    ("Give me a call at your convenience and I'll give you a data dump. DF", True),
    ("Drew: Call me. We've got some unexpected conflicts this weekend.", True),
    ("Pls give me a call. DF", True),
    ("Call me when you can. Also, can you send the Q4 numbers?", False),
    ("Can you send the numbers? Give me a call after.", False),
])
def test_call_only_marks_answers_that_ask_nothing_but_a_call(text: str, only: bool) -> None:
    quote = "\n\n-----Original Message-----\nFrom: Lou\nAny views on the candidate?"
    flags = judge(text + quote)
    assert ASK in flags
    assert (CALL_ONLY in flags) is only
    assert CALL_ONLY not in judge(text)  # a new message asking for a call asks


def test_a_question_in_the_quoted_part_is_not_the_authors() -> None:
    assert ASK not in judge("Agreed.\n\nFrom: Ann\nSent: Monday\nWill you come?")


@pytest.mark.parametrize("header", [
    "Ann Smith\n11/16/2000 04:16 PM\nTo: Dana Example/HQ/Corp@CORP\ncc: Bob\n",  # Lotus Notes
    "\n   To: Dana Example <dana@example.org>\n   cc: Bob <bob@example.org>\n",  # bare block
])
def test_a_reply_header_without_from_or_wrote_still_starts_the_quote(header: str) -> None:
    text = f"My view: we should not use their system.  DF\n\n{header}Subject: Risk\n\nPlease " \
           "give us your opinion?"
    assert set(judge(text)) == {QUOTES_REPLY}
    assert ASK in judge("Could you check it?\n\n" + header + "Subject: Risk\n\nFYI only")


def enron_bodies(limit: int) -> list[str]:
    root = DATA / "enron-maildir" / "maildir" / "fossum-d" / "_sent_mail"
    if not root.is_dir():
        pytest.skip(f"the Enron maildirs are not at {root} (the shared data folder is absent)")
    out = []
    for path in sorted(root.iterdir())[:limit]:
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        part = msg.get_body(("plain",))
        if part is not None:
            out.append(str(part.get_content())[:2048])  # type: ignore[attr-defined]
    return out


def test_on_real_enron_mail_both_asks_and_non_asks_are_found() -> None:
    bodies = enron_bodies(400)
    judged = [set(judge(b)) for b in bodies]
    share_ask = sum(ASK in f for f in judged) / len(judged)
    share_fwd = sum(FORWARD in f for f in judged) / len(judged)
    # a lawyer's sent mail: many questions and requests, some bare forwards, neither all
    assert 0.2 < share_ask < 0.8 and 0 < share_fwd < 0.5
    assert all(f <= {ASK, THANKS, FORWARD, QUOTES_REPLY, SHORT_QUESTION, CALL_ONLY, RSVP}
               for f in judged)


# -- IMAP: BODYSTRUCTURE and decoding -----------------------------------------------------

PLAIN = (b"text", b"plain", (b"charset", b"utf-8"), None, None, b"quoted-printable", 120, 4)
HTML = (b"text", b"html", (b"charset", b"iso-8859-1"), None, None, b"base64", 400, 8)
PDF = (b"application", b"pdf", (b"name", b"a.pdf"), None, None, b"base64", 9000, None,
       (b"attachment", (b"filename", b"a.pdf")))


def test_first_text_part_prefers_plain_and_skips_attachments() -> None:
    assert first_text_part(PLAIN) == TextPart("1", "plain", "quoted-printable", "utf-8")
    alternative = ([HTML, PLAIN], b"alternative")
    assert first_text_part(([alternative, PDF], b"mixed")) == TextPart(
        "1.2", "plain", "quoted-printable", "utf-8")
    assert first_text_part(([HTML, PDF], b"mixed")).section == "1"  # type: ignore[union-attr]
    assert first_text_part(([PDF], b"mixed")) is None
    assert first_text_part(b"garbage") is None and first_text_part(None) is None


def test_decode_handles_transfer_encodings_charsets_html_and_truncation() -> None:
    qp = quopri.encodestring("Könnten Sie das bitte prüfen?".encode())
    assert decode(qp, TextPart("1", "plain", "quoted-printable", "utf-8")) == (
        "Könnten Sie das bitte prüfen?")
    html = base64.b64encode("<p>Can you come?</p><p>Caf\xe9</p>".encode("latin-1"))
    text = decode(html[:-3], TextPart("1", "html", "base64", "iso-8859-1"))  # cut mid-way
    assert text is not None and "Can you come?" in text and "<p>" not in text
    assert decode(b"abc", TextPart("1", "plain", "7bit", "no-such-charset")) is None
    assert signals(b"\xff\xfe???", TextPart("1", "plain", "base64", "utf-8")) is not None
    assert signals(None, TextPart("1", "plain", "7bit", "utf-8")) is None
