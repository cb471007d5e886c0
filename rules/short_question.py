"""A short question back: a reply whose one ask is a brief question on the message it
quotes ("Was it wrapped around some other guy?", "why? scared to talk over email?"). Pure, on
the words ``rules.text_signals`` already holds in memory; only the flag is kept."""

from __future__ import annotations

from collections.abc import Callable

# At most this many words up to the last question mark, then only lines of at most
# SIGNATURE_WORDS (a name, a title, a telephone number).
SHORT_QUESTION_WORDS, SIGNATURE_WORDS = 8, 4


def short_question(own: str, asks: Callable[[str], bool]) -> bool:
    """Do a reply's own words ask by one short question alone: at most
    ``SHORT_QUESTION_WORDS`` up to the last question mark, then only short lines (a
    signature), and nothing ``asks`` finds in them once the question marks are gone (no
    request, no "can you")? A turn in a conversation, not a request."""
    end = own.rfind("?")
    if end < 0 or len(own[:end].split()) > SHORT_QUESTION_WORDS:
        return False
    if any(len(line.split()) > SIGNATURE_WORDS for line in own[end + 1:].split("\n")):
        return False
    return not asks(own.replace("?", "."))
