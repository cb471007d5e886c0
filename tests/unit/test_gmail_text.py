"""Gmail text signals, the pure parts: snippet to text, what scopes allow it, what the source
is built to ask for."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from connectors import _google_token as tokens
from connectors._gmail_parse import get_fields, parse_message, snippet_text
from connectors.registry import build_source
from rules.text_signals import ASK, judge
from syncd.config import from_dict
from tests.fakes.google_server import snippet_of
from tests.unit.test_text_signals import enron_bodies

RESOURCE = {"id": "18c1", "threadId": "18c1", "labelIds": ["INBOX"],
            "internalDate": "1770000000000",
            "payload": {"headers": [{"name": "From", "value": "Ann <ann@partner.example>"},
                                    {"name": "To", "value": "dana@example.org"},
                                    {"name": "Message-ID", "value": "<a1@example.org>"}]}}


def test_snippet_entities_are_unescaped_before_judging() -> None:
    assert snippet_text("Don&#39;t forget &amp; &quot;call&quot; me &lt;3") == \
        "Don't forget & \"call\" me <3"


def test_a_one_line_snippet_gets_its_quote_breaks_back() -> None:
    text = snippet_text("Sure, I&#39;ll look at it on Monday. On Mon, Feb 2, 2026 at 10:00 AM "
                        "Ann &lt;ann@x.example&gt; wrote: &gt; Could you send the figures?")
    assert text.split("\n") == ["Sure, I'll look at it on Monday.",
                                "On Mon, Feb 2, 2026 at 10:00 AM Ann <ann@x.example> wrote:",
                                "> Could you send the figures?"]
    forward = snippet_text("FYI ---------- Forwarded message --------- From: Ann "
                           "&lt;ann@x&gt; Date: Mon, Feb 2 Subject: figures Could you?")
    assert forward.split("\n")[:2] == ["FYI", "---------- Forwarded message ---------"]


def test_a_lotus_notes_reply_header_in_a_snippet_starts_the_quote() -> None:
    snippet = ("OK by me. dF Martha Benner 10/17/2000 01:19 PM To: Drew Fossum/ET&amp;S/Enron"
               "@ENRON cc: Ann Smith/ET&amp;S/Enron@ENRON Subject: Time off? Next week I would")
    assert snippet_text(snippet).split("\n")[:3] == ["OK by me. dF", "Martha Benner",
                                                     "10/17/2000 01:19 PM"]
    assert judge(snippet_text(snippet)) == ("quotes_reply",)


def test_parse_message_judges_the_snippet_only_when_asked() -> None:
    asked = {**RESOURCE, "snippet": "Could you send me the figures by Friday?"}
    assert parse_message(asked, account="gm", preview=True).signals == ("ask",)
    assert parse_message(asked, account="gm").signals is None  # not read
    assert parse_message(RESOURCE, account="gm", preview=True).signals is None  # not sent
    quoted = {**RESOURCE, "snippet": "I&#39;ll do it. On Mon, Feb 2, 2026 Bob &lt;b@x&gt; "
                                     "wrote: &gt; could you?"}
    assert parse_message(quoted, account="gm", preview=True).signals == ("quotes_reply",)
    assert parse_message(asked, account="gm", preview=True).date == datetime(
        2026, 2, 2, 2, 40, tzinfo=UTC)


def test_the_sender_tells_their_own_earlier_ask_from_someone_elses() -> None:
    again = "Sorry, wrong address. On Mon, Feb 2, 2026, Ann &lt;ann@partner.example&gt; " \
            "wrote: &gt; Could you send the figures by Friday?"
    assert "resends" in (parse_message({**RESOURCE, "snippet": again}, account="gm",
                                       preview=True).signals or ())
    header = "Sorry. From: Ann Lee Sent: Monday, February 2, 2026 10:00 AM To: Bob Subject: x"
    assert snippet_text(header).split("\n") == [
        "Sorry.", "From: Ann Lee", "Sent: Monday, February 2, 2026 10:00 AM", "To: Bob",
        "Subject: x"]


def test_an_ask_greeting_a_recipient_by_name_names_them_as_for_the_other_sources() -> None:
    headers = [{"name": "From", "value": "Dana <dana@example.org>"},
               {"name": "To", "value": "Vicki Lee <vicki@x.example>, Bob Ray <bob@x.example>"}]
    resource = {**RESOURCE, "payload": {"headers": headers},
                "snippet": "Vicki, please add the Q3 figures to the deck."}
    signals = parse_message(resource, account="gm", preview=True).signals or ()
    assert "ask" in signals and "asked:vicki@x.example" in signals


def test_snippet_is_in_the_partial_response_only_when_read() -> None:
    assert "snippet" in get_fields(preview=True).split(",")
    assert "snippet" not in get_fields(preview=False).split(",")


def test_which_scopes_allow_the_snippet() -> None:
    assert tokens.scopes_for("gmail") == (tokens.GMAIL_METADATA,)
    assert tokens.scopes_for("gmail", text=True) == (tokens.GMAIL_READONLY,)
    assert tokens.scopes_for("google_calendar", text=True) == tokens.CALENDAR_SCOPES
    assert tokens.allows_text([tokens.GMAIL_READONLY])
    assert tokens.allows_text(["https://mail.google.com/"])
    assert not tokens.allows_text([tokens.GMAIL_METADATA])
    assert not tokens.allows_text([])  # a token file from before syncd recorded scopes
    # gmail.metadata beside a wider scope restricts every request to metadata
    assert not tokens.allows_text([tokens.GMAIL_READONLY, tokens.GMAIL_METADATA])


def test_the_source_asks_for_text_only_for_an_opted_in_gmail_account() -> None:
    def built(**extra: str) -> object:
        config = from_dict({"accounts": [{"name": "gm", "type": "gmail",
                                          "client_secrets": "c.json", **extra}]})
        return getattr(build_source(config, "gm", lambda: datetime.now(UTC)), "preview", None)

    assert built() is False  # [detection] message_text defaults to "preview": not for Gmail
    assert built(message_text="none") is False
    assert built(message_text="preview") is True


def _same_words_with_lines(body: str, snippet: str) -> str:
    """The start of ``body`` holding the words of ``snippet``, with its line breaks kept."""
    plain = html.unescape(snippet)
    pos = done = 0
    while pos < len(body) and done < len(plain):
        if body[pos].isspace():
            while pos < len(body) and body[pos].isspace():
                pos += 1
            done += plain[done] == " "
        else:
            pos, done = pos + 1, done + 1
    return body[:pos]


def test_on_real_enron_mail_a_snippet_is_judged_as_its_lines_would_be() -> None:
    """Folding the text onto one line must cost (almost) nothing: the same words judged with
    their line breaks and as a Gmail snippet agree."""
    bodies = enron_bodies(400)
    pairs = [(set(judge(_same_words_with_lines(b, s))), set(judge(snippet_text(s))))
             for b in bodies for s in [snippet_of(b)]]
    agree = sum(a == b for a, b in pairs) / len(pairs)
    assert agree >= 0.95, agree
    asks = [(ASK in a, ASK in b) for a, b in pairs]
    assert sum(a and b for a, b in asks) >= 0.98 * sum(a for a, _ in asks) > 0
