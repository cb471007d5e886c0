"""Does a message ask each reader whether they will come? Pure, on the author's own words in
memory (``rules.text_signals`` sets its ``rsvp`` flag from it).

"Will you be able to attend?", "can you make it on Tuesday?", "are you available at 2?", "please
RSVP": each person invited answers for themselves, so a question to several people at once is
owed by each of them (``rules.asks.inbound_expects``), not by whoever answers first.
"""

from __future__ import annotations

import re

from rules.prechecked import Prechecked

_DAYS = (r"(?:on|at|this|next|tonight|tomorrow|today|monday|tuesday|wednesday|thursday|friday|"
         r"saturday|sunday)\b")
_RSVP = Prechecked(re.compile(
    r"\b(?:(?:will|can|could|would) you (?:be able to )?(?:attend|join us|be there)\b|"
    r"(?:will|can|could|would) you make it(?: " + _DAYS + r"|\s*\?)|"
    r"(?:are|will) you (?:be )?(?:available|free) (?:" + _DAYS + r"|for (?:a |the )?"
    r"(?:meeting|call|lunch|dinner|drinks|coffee|breakfast)\b)|"
    r"(?<!your )(?<!the )(?<!an )(?:please )?rsvp\b(?! ?'?d)|please confirm (?:your )?attendance)"),
    ("attend", "join us", "be there", "make it", "available", "free", "rsvp"))


def asks_each(words: str) -> bool:
    """Do ``words`` (the author's own, lower case or not) ask the reader whether they come?"""
    lowered = " ".join(words.split()).lower()
    return _RSVP.search(lowered) is not None
