"""Is a call all that an answer asks? Pure, on the author's own words in memory
(``rules.text_signals`` sets its ``call_only`` flag from it).

"Give me a call at your convenience and I'll give you a data dump" above someone's question
offers the answer by phone: from the user, no ask to nudge (``rules.asks``), since no mail
will show the call. Words that ask something besides ("call me, and can you send the
numbers?") are an ask as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rules.prechecked import Prechecked

# A request to phone the author: "give me a call", "call me", "ring me".
_CALL_ME = Prechecked(re.compile(
    r"\b(?:please |pls )?(?:give me a (?:call|ring|buzz)|call me|ring me|phone me|buzz me)\b"),
    ("call", "ring", "phone", "buzz"))


def only_calls(words: str, asks: Callable[[str], bool]) -> bool:
    """Is a request to phone the author all that ``words`` (which ``asks``) ask?"""
    lowered = words.lower()
    return _CALL_ME.possible(lowered) and (
        (rest := _CALL_ME.sub(" ", lowered)) != lowered and not asks(rest))
