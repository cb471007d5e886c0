"""The subject patterns' quicker forms find what the patterns as written find: an introduction
subject (``is_intro_subject`` against ``INTRO_SUBJECT`` ignoring case) and thanks in a
normalised subject (``_THANKS_FOLDED`` against ``_THANKS``), out-of-office and calendar
subjects (the lines a first character can match against every line), on subjects made of the
patterns' own words, their capitals, and the characters that are one of their letters ignoring
case (the Kelvin sign, the long s, dotted and dotless i)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules._first_chars import first_chars as _first_chars
from rules._signals import _subject_matches, _subject_pattern, clean, data_lines
from rules.asks import _FORWARD, _REPLY, _THANKS, _THANKS_FOLDED, subject_reads
from rules.introductions import _REPLY as INTRO_REPLY
from rules.introductions import INTRO_SUBJECT, is_intro_subject
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
    expected = bool(subject) and not INTRO_REPLY.match(subject) and bool(
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


SUBJECT_FILES = ("ooo_subjects.txt", "calendar_subjects.txt")
# Pieces of the subjects the two files name, their capitals, and the characters outside ASCII
# that are ASCII letters ignoring case
REPLIES = ["Auto", "automatic reply", "Out of Office", "out of the office", " is out of office",
           "I am", "I'm currently", "on vacation", "Currently on leave", "Accepted:",
           "Invitation: lunch @ noon", "Tentative:", "Abwesenheitsnotiz", "ich bin im urlaub",
           "Réponse automatique", "événement annulé :", "自動応答", "不在:", "автоматический ответ",
           "\u0130", "\u0131", "\u017f", "\u212a", "K", "(", ":", "-", "x", "é"]
REPLY_SUBJECTS = st.lists(st.sampled_from([*REPLIES, " ", "", "re: "]), max_size=6).map(
    "".join) | st.text(max_size=20)


@settings(max_examples=3000, deadline=None)
@given(REPLY_SUBJECTS, st.sampled_from(SUBJECT_FILES))
def test_subject_lines_by_first_character_find_what_the_whole_pattern_finds(
        subject: str, name: str) -> None:
    text = clean(subject)
    assert _subject_matches(name, text) is bool(_subject_pattern(name).search(text))


def test_the_first_characters_of_a_line_are_plain_from_it_or_none() -> None:
    assert _first_chars("^auto(matic|mated)?[ _-]?(reply)") == {"a"}
    assert _first_chars("^(on|currently on) (vacation)") == {"o", "c"}
    assert _first_chars("^(ich bin )?(nicht im b[üu]ro)") is None  # an optional group
    assert _first_chars("^[^:]{1,80} is out") is None and _first_chars("auto:") is None
    assert _first_chars("^a|b") is None and _first_chars("^a?b") is None
    assert _first_chars("^(a|[(|)]b|c)") is None  # a set's "(", "|" and ")" are its own
    assert _first_chars("^(a|b\\|c)x") == {"a", "b"}
    assert _first_chars("^自動(応答|返信)") == frozenset()
    assert _first_chars("^\u017ftop") is None and _first_chars("^\u212aey") is None
    every = [ln for name in SUBJECT_FILES for ln in data_lines(name)]
    assert sum(_first_chars(ln) is None for ln in every) <= 5  # most lines are plain


PREFIXES = ["re", "RE", "r", "R", "rv", "Rv", "aw", "sv", "\u017fv", "vs", "vb", "antw", "odp",
            "fw", "fwd", "Fwd", "wg", "tr", "enc", "x", " ", "\t", ":", "：", "[2]", "(3)", "[",
            "(", "2"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(PREFIXES), max_size=5).map("".join) | st.text(max_size=12))
def test_reply_and_forward_read_as_their_own_patterns(subject: str) -> None:
    reply, forward, _ = subject_reads.__wrapped__(subject)
    assert (reply, forward) == (bool(_REPLY.match(subject)), bool(_FORWARD.match(subject)))
