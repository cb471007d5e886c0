"""Whose message a quoted block holds, and what it says: pure, on text already in memory
(``rules.text_signals`` calls it; nothing here is kept).

A forward or reply quotes an earlier message under a header: Outlook's "-----Original
Message-----" / "From: Name", "On <date>, Name <addr> wrote:", Lotus Notes' "Forwarded by Name
on <date>" followed by "Name" over a "11/16/2000 04:16 PM" stamp, or "Name@ORG on <date>".
``quoted_author`` reads the name from that header (the forwarder of a Notes forward is skipped:
the original's author follows), ``same_person`` compares it with a message's own sender, and
``quoted_body`` is the quoted message's text below its header, to judge whether it asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rules.addressed import resolve
from rules.identity import normalize_address
from rules.same_person import same_given
from syncd.model import Address

_FORWARDED_BY = re.compile(r"^\s*-+\s*forwarded by\b", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-+\s*(?:original message|forwarded message|begin forwarded)",
                       re.IGNORECASE)
_FROM = re.compile(r"^\s*from:\s*(.+?)\s*$", re.IGNORECASE)
_WROTE = re.compile(r"^\s*on (.{4,160}?)\s*(?:<[^>]*>|\[[^\]]*\])?\s*wrote:\s*$", re.IGNORECASE)
# In "On <date>, <name> wrote:" the name follows the time ("10:00 AM"), else the last comma.
_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?,?\s*", re.IGNORECASE)
_NAME_ON = re.compile(r"^\s*(\"?[\w.' /@-]{2,80}?\"?)\s+on\s+\d{1,2}/\d{1,2}/\d{2,4}",
                      re.IGNORECASE)
# A line that is only a date and time: the stamp under the author's name in a Lotus Notes reply.
NOTES_STAMP = re.compile(
    r"^\s*\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?\s*$", re.IGNORECASE)
_SUBJECT = re.compile(r"^\s*subject:", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W\d_]+")
_MARK = re.compile(r"^\s*> ?")
HEAD_LINES = 12  # a quoted header is found within this many lines of the quote's start


def quoted_author(lines: list[str]) -> str | None:
    """The author's name (or address) of the first quoted message; None when the quote does
    not say (``>`` lines, an unknown header)."""
    for index, line in enumerate(lines[:HEAD_LINES]):
        # each pattern is tried only on a line with the character it needs ("-", ":", "/"):
        # _NAME_ON's backtracking on a long line of words and spaces costs up to 0.4 ms
        dashed, colon, dated = "-" in line, ":" in line, "/" in line
        if ((dashed and (_FORWARDED_BY.match(line) or _ORIGINAL.match(line)))
                or not line.strip()):
            continue
        if line.lstrip().startswith(">"):
            return None
        if colon and (found := _WROTE.match(line)):
            return _clean(_wrote_name(found.group(1)))
        if (colon and (found := _FROM.match(line))) or (dated and (found := _NAME_ON.match(line))):
            return _clean(found.group(1))
        if dated and NOTES_STAMP.match(line):
            before = [x for x in lines[:index] if x.strip() and not _FORWARDED_BY.match(x)]
            return _clean(before[-1]) if before else None
    return None


def quoted_body(lines: list[str]) -> str:
    """The quoted message's own text: below its header lines (the author, the date stamp, To,
    cc, Subject and their continuations), up to its own next quote."""
    head = lines[:HEAD_LINES + 6]
    start = next((n for n, line in enumerate(head) if _SUBJECT.match(line)), None)
    if start is None:
        start = next((n for n, line in enumerate(head)
                      if NOTES_STAMP.match(line) or _FROM.match(line) or _WROTE.match(line)), 0)
    n = start + 1
    if not _WROTE.match(lines[start]):
        while n < len(lines) and lines[n].strip():
            n += 1  # the rest of the header block, up to its blank line
    body: list[str] = []
    for line in lines[n:]:
        if body and (_FORWARDED_BY.match(line) or _ORIGINAL.match(line) or NOTES_STAMP.match(line)
                     or _FROM.match(line) or line.lstrip().startswith(">")):
            break
        body.append(line)
    return "\n".join(body)


_TO = re.compile(r"^\s*to:\s*(.*?)\s*$", re.IGNORECASE)
_HEADER_END = re.compile(r"^\s*(?:cc|bcc|subject|sent|date):", re.IGNORECASE)


def unquoted(lines: list[str]) -> list[str]:
    """A quote marked with ">" (a reply from a mail client that prefixes the message it
    answers: "> -----Original Message-----", "> From: Ann Lee") with its first level of marks
    taken off, so that its header reads like an unmarked one; other quotes as they are."""
    first = next((line for line in lines if line.strip()), "")
    if not first.lstrip().startswith(">"):
        return lines
    return [_MARK.sub("", line, count=1) for line in lines]


def quoted_recipients(lines: list[str]) -> set[str]:
    """The words of the first quoted message's "To:" header, lower case: the first names,
    surnames and address parts of whom it was sent to ("To: Ann Other/NA/Corp@Corp, Bob
    Smith/DEV@DEV" gives ann, other, bob, smith); empty when the quote has no To line."""
    head = lines[:HEAD_LINES + 6]
    start = next((n for n, line in enumerate(head) if _TO.match(line)), None)
    if start is None:
        return set()
    field = [_TO.match(head[start]).group(1)]  # type: ignore[union-attr]
    for line in head[start + 1:]:
        if not line.strip() or _HEADER_END.match(line):
            break
        field.append(line.strip())  # a continuation of the To line
    words: set[str] = set()
    for part in re.split(r"[,;]", " ".join(field)):
        part = re.sub(r"\[mailto:[^\]]*\]|<[^>]*>|\[smtp:[^\]]*\]", " ", part,
                      flags=re.IGNORECASE)
        if "/" in part:
            part = part.split("/", 1)[0]  # Notes: "Ann Other/NA/Corp@Corp"
        elif "@" in part:
            local, _, _domain = part.partition("@")
            part = local.replace(".", " ").replace("_", " ")
        words.update(_tokens(part))
    return {w for w in words if len(w) >= 2}


def _wrote_name(said: str) -> str:
    """The name in the middle of "On Mon, Feb 2, 2026 at 10:00 AM Ann Lee" (Gmail), "On 3 Nov
    2025, at 10:00, Ann Lee" (Apple Mail), "On Monday, Ann Lee"."""
    clocks = list(_CLOCK.finditer(said))
    if clocks:
        return said[clocks[-1].end():]
    return said.rsplit(",", 1)[-1]


def _clean(name: str) -> str:
    name = re.sub(r"\[(?:mailto|smtp):[^\]]*\]|<[^>]*>|\s+\d{1,2}/\d{1,2}/\d{2,4}\b.*$", " ",
                  name, flags=re.IGNORECASE)
    name = name.strip().strip("\"'").strip()
    if " " in name and "/" in name:
        name = name.split("/", 1)[0]  # Notes: "David W Delainey/HOU/ECT@ECT"
    elif "@" in name and " " in name:
        name = name.split("@", 1)[0]  # "Kay Chapman@ENRON"
    return name


def _tokens(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text)]


def same_person(name: str, author: Address) -> bool:
    """Is the quoted ``name`` (a display name or an address) the message's own ``author``?"""
    return _is(*_quoted_words(name), author)


def same_people(name: str, people: Sequence[Address]) -> list[Address]:
    """Those of ``people`` the quoted ``name`` is (``same_person``), the name read once."""
    address, quoted = _quoted_words(name)
    return [person for person in people if _is(address, quoted, person)]


def _quoted_words(name: str) -> tuple[str | None, list[str]]:
    """(the quoted name as an address, casefolded, if it is one; the words of its name)."""
    address = None
    if "@" in name and " " not in name:
        address = name.casefold()
        name = name.split("@", 1)[0]
    if "," in name:  # "Delainey, David W"
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    return address, _tokens(name)


def _is(address: str | None, quoted: list[str], author: Address) -> bool:
    if address is not None and address == author.email.casefold():
        return True
    mine = _own_tokens(author)
    if not quoted or not mine:
        return False
    surname, given = quoted[-1], quoted[0]
    if surname not in mine:
        return False
    return len(quoted) == 1 or given in mine or any(
        same_given(given, t) for t in mine if t != surname)


@lru_cache(maxsize=512)  # a mailbox holds the same few authors message after message
def _own_tokens(author: Address) -> frozenset[str]:
    """The words of an author's display name and of their address's local part."""
    return frozenset(_tokens(author.name)) | frozenset(_tokens(author.email.split("@", 1)[0]))


def resent_to_asked(quoted: list[str], recipients: Sequence[Address]) -> frozenset[str] | None:
    """Those the author's earlier ask went to who are among this message's ``recipients``,
    when some of the recipients were not on it: sent on to others (their bosses, a colleague)
    with the asked person copied, it asks only the person asked before. None otherwise (sent
    again to the same people, or to new ones only: "sorry, wrong address")."""
    if not recipients:
        return None
    before = resolve(quoted_recipients(quoted), recipients)
    if before is None or len(before) == len({normalize_address(a.email) for a in recipients}):
        return None
    return before
