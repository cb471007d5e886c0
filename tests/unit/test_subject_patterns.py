"""The subject patterns' quicker forms find what the patterns as written find: an introduction
subject (``is_intro_subject`` against ``INTRO_SUBJECT`` ignoring case) and thanks in a
normalised subject (``_THANKS_FOLDED`` against ``_THANKS``), on subjects made of the patterns'
own words, their capitals, and the characters that are one of their letters ignoring case
(the Kelvin sign, the long s, dotted and dotless i)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.asks import _THANKS, _THANKS_FOLDED
from rules.introductions import _REPLY, INTRO_SUBJECT, is_intro_subject
from rules.threads import normalize_subject

WORDS = ["intro", "Intros", "INTRODUCTION", "introductions", "introducing", "meet", "Meeting",
         "connect", "connecting", "Vorstellung", "kennenlernen", "mise en relation",
         "présentation", "Presentación", "presentazione", "thanks", "Thank you", "THX",
         "congrats", "congratulations", "kudos", "welcome aboard", "well done", "Re:", "fwd:",
         "AW:", "[team]", "Jane", "Omar", "x", "X", "<>", "< - >", "<->", "/", "a/b", "ıntro",
         "İntro", "\u212audos", "thanſ", "than\u212as", "topic", "7", "_", "-", "é", "duktion",
         "Jane x Omar "]
PIECES = st.sampled_from([*WORDS, " ", "  ", "\t", "", ".", ":", ",", "!"])
SUBJECTS = st.lists(PIECES, max_size=8).map("".join) | st.text(max_size=30)


@settings(max_examples=2000, deadline=None)
@given(SUBJECTS)
def test_intro_subject_as_the_pattern_finds(subject: str) -> None:
    expected = bool(subject) and not _REPLY.match(subject) and bool(
        INTRO_SUBJECT.search(subject))
    assert is_intro_subject(subject) is expected


@settings(max_examples=2000, deadline=None)
@given(SUBJECTS)
def test_thanks_as_the_pattern_finds(subject: str) -> None:
    text = normalize_subject(subject)
    assert bool(_THANKS_FOLDED.search(text)) is bool(_THANKS.search(text))


def test_the_quick_forms_see_what_the_patterns_see() -> None:
    assert is_intro_subject("Jane x Omar introduktion")  # "intro" at a word's start only
    assert is_intro_subject("Jane <> Omar") and is_intro_subject("Ann / Bob")
    assert is_intro_subject("MEET Jane") and is_intro_subject("ıntro: Jane")
    assert not is_intro_subject("Re: Intro: Jane <> Omar") and not is_intro_subject("Topic 7")
    assert _THANKS_FOLDED.search(normalize_subject("\u212aUDOS to the team"))
    assert not _THANKS_FOLDED.search(normalize_subject("Thanksgiving plans"))
