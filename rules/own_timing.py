"""The author's own timing: a deadline the writer sets for their own work ("I may be able to
finish it by Friday", "we'll send it asap") asks the reader for nothing. Pure, on the
lower-cased words ``rules.text_signals.asks`` holds in memory."""

from __future__ import annotations

import re

_DEADLINE = re.compile(r"asap|as soon as possible|by ")
# "I" or "we" with a modal or a plan, then the rest of the sentence up to the deadline; not a
# need ("I'll need it by Friday" asks), nor a condition ("if I can have these back by noon").
_OWN = re.compile(
    r"(?<!if )\b(?:i|we)(?:'ll| will| may| might| can| could| should| hope to| plan to| expect to|"
    r" intend to|'m going to| am going to|'re going to| are going to)"
    r"(?! (?:need|want|require|expect|have to)\b)[^.!?;]*$")
REACH = 80  # characters before the deadline searched for its subject


def own_timing(body: str, found: re.Match[str]) -> bool:
    """Is ``found`` (a match in ``body``) a deadline the author sets for their own work?"""
    return bool(_DEADLINE.match(found.group(0))) and bool(
        _OWN.search(body, max(0, found.start() - REACH), found.start()))
