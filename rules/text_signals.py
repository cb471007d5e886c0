"""Text signals: the start of a message's text in, a few flags out (DESIGN.md section 3).

Pure: the text is judged in memory and dropped; only the flags are kept (``Message.signals``).

- ``ask``: the author's own words ask something of the reader: a question, a request ("please",
  "could you", "let me know", "get back to me"), a deadline ("by Friday", "asap").
- ``thanks``: thanks or congratulations and nothing asked.
- ``forward``: a forward or a quoted message with nothing (or next to nothing) added above it.
- ``quotes_reply``: the author's text quotes a message from someone else (an answer that may have
  arrived outside the synced folders).

The author's own words are those above the first quoted or forwarded block ("-----Original
Message-----", "---- Forwarded by", "On ... wrote:", "> " lines, Outlook's "From: ... Sent:").
"""

from __future__ import annotations

import re

ASK, THANKS, FORWARD, QUOTES_REPLY = "ask", "thanks", "forward", "quotes_reply"
ALL = (ASK, THANKS, FORWARD, QUOTES_REPLY)
PREVIEW_BYTES = 2048

_QUOTE_START = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|forwarded by|forwarded message|begin forwarded)"
    r"|_{5,}\s*$"
    r"|>"
    r"|on .{4,120} wrote:\s*$"
    r"|from:\s.+$"
    r"|[\w.' -]{2,60}\s+on\s+\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}"  # Lotus Notes header
    r"|\S+@\S+\s+on\s+\d{1,2}/\d{1,2}/\d{2,4})",
    re.IGNORECASE,
)
# A line that is only a date and time: the stamp under the author's name in a Lotus Notes reply.
_NOTES_STAMP = re.compile(
    r"^\s*\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?\s*$", re.IGNORECASE)
_TO_LINE = re.compile(r"^\s*to:\s+\S", re.IGNORECASE)
_CC_LINE = re.compile(r"^\s*(?:cc|subject):", re.IGNORECASE)
_SIGNOFF = re.compile(r"^\s*(?:thanks|thank you|regards|best|cheers|br|rgds|--)\b[\s,.!]*\w*\s*$",
                      re.IGNORECASE)
_QUESTION = re.compile(r"\?(?:\s|$)")
_REQUEST = re.compile(
    r"\b(?:please|pls|plz|could you|can you|would you|will you|could we|can we|shall we|"
    r"let me know|let us know|lmk|get back to me|give me a call|call me|advise|"
    r"need (?:you|your|to know)|do you (?:have|know|want|think)|are you|is there|"
    r"what do you think|your (?:thoughts|view|comments|input|feedback)|"
    r"any (?:thoughts|comments|news|update)|send me|i need|we need|"
    r"i want (?:a|an|the|you|your|to know)|i(?: would|'d) like (?:to know|to see|a|an|your|you)|"
    r"i (?:assume|expect|trust) (?:that )?you will|get together|get back to|"
    r"what is (?:this|that|going on|happening)|why (?:is|are|did|do|does|was|were)|"
    r"(?:in|within) the next (?:day|week|few days)|"
    r"asap|as soon as possible|by (?:monday|tuesday|wednesday|thursday|friday|tomorrow|"
    r"end of (?:day|week)|eod|cob|noon))\b",
    re.IGNORECASE,
)
_NOTHING_ADDED = re.compile(
    r"\W*(?:(?:fyi|see below|see attached|for your (?:information|review|files)|please see)"
    r"\W*)?(?:\w+\W*)?", re.IGNORECASE)  # at most "FYI" and a name or an initial
_THANKS = re.compile(r"\b(?:thanks|thank you|thx|congrat\w*|well done|great job|appreciate)\b",
                     re.IGNORECASE)
_RHETORICAL = re.compile(r"\b(?:(?:please )?(?:call(?: me)?|let me know|let us know|contact me) "
                         r"if you (?:have|need) (?:any )?(?:questions|comments|help)|"
                         r"if you have any questions|please (?:find|see|note) (?:attached|below)?|"
                         r"fyi|for your "
                         r"(?:information|review|files))\b", re.IGNORECASE)


def own_words(text: str) -> tuple[str, bool]:
    """(the author's text above the first quoted or forwarded block, whether one follows)."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _QUOTE_START.match(line) or _header_block(lines, index):
            return "\n".join(kept), True
        if _NOTES_STAMP.match(line):  # Lotus Notes: "Name" / "11/16/2000 04:16 PM" / "To: ..."
            while kept and not kept[-1].strip():
                kept.pop()
            if kept and len(kept[-1].strip()) <= 60:
                kept.pop()  # the quoted author's name above the stamp
            return "\n".join(kept), True
        kept.append(line)
    return "\n".join(kept), False


def _header_block(lines: list[str], index: int) -> bool:
    """A quoted message's "To: ..." line followed within two lines by "cc:" or "Subject:"."""
    if not _TO_LINE.match(lines[index]):
        return False
    return any(_CC_LINE.match(line) for line in lines[index + 1:index + 4])


def judge(text: str) -> tuple[str, ...]:
    """The flags of one message's text (already decoded), in ``ALL`` order."""
    words, quotes = own_words(text)
    body = " ".join(line for line in words.split("\n") if not _SIGNOFF.match(line)).strip()
    flags: set[str] = set()
    if quotes and _NOTHING_ADDED.fullmatch(body):
        flags.add(FORWARD)
    elif quotes:
        flags.add(QUOTES_REPLY)
    asks = bool(_QUESTION.search(body)) or bool(_REQUEST.search(_RHETORICAL.sub(" ", body)))
    if asks:
        flags.add(ASK)
    elif _THANKS.search(words):
        flags.add(THANKS)
    return tuple(flag for flag in ALL if flag in flags)
