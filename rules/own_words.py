"""The author's own words: a message's text above its first quoted or forwarded block
("-----Original Message-----", "---- Forwarded by", "On ... wrote:", "> " lines, Outlook's
"From: ... Sent:", Lotus Notes' "Name on 11/16/2000" and date stamps). Pure, on text in memory
(``rules.text_signals`` judges both parts; nothing is kept).
"""

from __future__ import annotations

import re
from itertools import compress, count

from rules.quoted import NOTES_STAMP

_QUOTE_START = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|forwarded by|forwarded message|begin forwarded)"
    r"|_{5,}\s*$"
    r"|>"
    r"|on .{4,120} wrote:\s*$"
    r"|from:\s.+$)",
    re.IGNORECASE,
)
# A Lotus Notes header: "Name on 11/16/2000 04:16 PM", "name@org on 11/16/2000". Tried only on
# a line with a "/" (its date): on a long line of words and spaces its backtracking costs up to
# a few hundred µs.
_NOTES_HEADER = re.compile(
    r"^\s*(?:[\w.' -]{2,60}\s+on\s+\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}"
    r"|\S+@\S+\s+on\s+\d{1,2}/\d{1,2}/\d{2,4})",
    re.IGNORECASE,
)
_TO_LINE = re.compile(r"^\s*to:\s+\S", re.IGNORECASE)
_CC_LINE = re.compile(r"^\s*(?:cc|subject):", re.IGNORECASE)
# A line where a quote may start (``split``): a quote's start, a "To:" line, or a date's "/" (as
# every Notes header and stamp has). One match a line, run by ``map``: most lines are no more.
_MAY_BREAK = re.compile(f"(?:{_QUOTE_START.pattern})|(?:{_TO_LINE.pattern})|[^/]*/",
                        re.IGNORECASE)


def split(text: str) -> tuple[str, list[str] | None]:
    """(the author's own text, the lines of the quoted block from its header on, or None)."""
    own, quoted = own_lines(text)
    return "\n".join(own), quoted


def own_lines(text: str) -> tuple[list[str], list[str] | None]:
    """``split``, the author's own text as its lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index in compress(count(), map(_MAY_BREAK.match, lines)):
        line = lines[index]
        dated = "/" in line
        if (_QUOTE_START.match(line) or (dated and _NOTES_HEADER.match(line))
                or _header_block(lines, index)):
            return lines[:index], lines[index:]
        if dated and NOTES_STAMP.match(line):  # Lotus Notes: "Name" / "11/16/2000 04:16 PM"
            kept = lines[:index]
            while kept and not kept[-1].strip():
                kept.pop()
            start = index
            if kept and len(kept[-1].strip()) <= 60:
                kept.pop()  # the quoted author's name above the stamp
                start = len(kept)
                while lines[start].strip() == "" and start < index:
                    start += 1
            return kept, lines[start:]
    return lines, None


def _header_block(lines: list[str], index: int) -> bool:
    """A quoted message's "To: ..." line followed within two lines by "cc:" or "Subject:"."""
    if not _TO_LINE.match(lines[index]):
        return False
    return any(_CC_LINE.match(line) for line in lines[index + 1:index + 4])
