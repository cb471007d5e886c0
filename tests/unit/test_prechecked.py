"""rules.prechecked: a pattern with its pre-check words and openings answers as the bare pattern;
and the word lists and openings of rules.text_signals hold for their patterns (generated texts
made of the patterns' own words, glued and separated every way)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import call_only, rsvp, text_signals
from rules.prechecked import Prechecked

COURTESY = Prechecked(re.compile(r"\b(?:please (?:see|note)|call me if)\b[^.]*"),
                      ("please", "call me"), re.compile("please|call"))


def spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", [
    "",
    "nothing here",
    "please see below. and call me if so",  # two matches
    "please note it.please see it",  # one right after the other's end
    "callplease see",  # an opening inside a word: no \b, no match
    "please please note this",  # the first "please" opens nothing, the second does
    "Please see",  # case counts as the pattern says
    "call me iffy",  # \b after "if" fails
])
def test_prechecked_answers_as_the_bare_pattern(text: str) -> None:
    bare = COURTESY.pattern
    assert bool(COURTESY.search(text)) == bool(bare.search(text))
    assert spans(COURTESY.finditer(text)) == spans(bare.finditer(text))
    assert COURTESY.sub(" ", text) == bare.sub(" ", text)


def test_without_its_words_the_pattern_is_not_run() -> None:
    never = Prechecked(re.compile("x"), ("please",))
    assert never.search("x") is None and never.sub(" ", "x") == "x"  # the words are trusted


CHECKED = sorted((name, value) for module in (text_signals, call_only, rsvp)
                 for name, value in vars(module).items() if isinstance(value, Prechecked))
SEPARATORS = [" ", "  ", ", ", ". ", "? ", "?", "!", "\n", "-", "'", "", " x ", "2"]


def texts(checked: Prechecked) -> st.SearchStrategy[str]:
    """Matches of the pattern, its words and separators, in any order, glued or apart."""
    words = sorted(set(re.findall(r"[a-z']+", checked.pattern.pattern)) - {"", "'"})
    pieces = st.one_of(st.from_regex(checked.pattern, fullmatch=True), st.sampled_from(words),
                       st.sampled_from(SEPARATORS))
    # a match at the very start is always tried: most texts open with something else
    return st.builds(lambda head, rest: head + "".join(rest),
                     st.sampled_from([*words, " ", ". ", ""]), st.lists(pieces, max_size=12))


def test_text_signals_has_prechecked_patterns() -> None:
    names = {name for name, _ in CHECKED}
    assert {"_RHETORICAL", "_DELEGATION", "_BROADCAST", "_EXPECTATION"} <= names


@pytest.mark.parametrize(("name", "checked"), CHECKED, ids=[name for name, _ in CHECKED])
def test_text_signals_words_and_openings_hold(name: str, checked: Prechecked) -> None:
    @settings(max_examples=200, deadline=None)
    @given(texts(checked))
    def check(text: str) -> None:
        bare = checked.pattern
        assert spans(checked.finditer(text)) == spans(bare.finditer(text)), name
        assert checked.sub(" ", text) == bare.sub(" ", text), name
        found, plain = checked.search(text), bare.search(text)
        assert (found and found.span()) == (plain and plain.span()), name

    check()


TAG = Prechecked(re.compile(r"[,\s]{1,2}(?:eh|right)\?"), ("?",), re.compile("eh|right"), reach=2)


@pytest.mark.parametrize("text", ["ok, eh? fine ,  right? x", "eh?", " eh?eh?", ",eh right?"])
def test_a_match_may_begin_before_its_opening_word(text: str) -> None:
    assert spans(TAG.finditer(text)) == spans(TAG.pattern.finditer(text))
    assert TAG.sub(" ", text) == TAG.pattern.sub(" ", text)
