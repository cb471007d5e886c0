"""Which lines of a rule file a text can match by its first character: the lines of
``ooo_subjects.txt`` and ``calendar_subjects.txt`` are anchored regular expressions searched
ignoring case, and most start with a plain character (``^auto``, ``^(on|currently on)``), so a
subject starting with an ASCII character need only be searched with the few lines that can
start with it (``rules._signals``). Pure, no I/O.
"""

from __future__ import annotations

import itertools


def first_chars(line: str) -> frozenset[str] | None:
    """The ASCII characters, in lower case, that a text ``line`` matches (searched ignoring
    case) can start with, when the line says so plainly: anchored with "^", then a character,
    or a group of alternatives each starting so, that is not optional. None otherwise (the
    line is tried whatever the text starts with). A character outside ASCII starts no ASCII
    text, but the four ``IGNORECASE`` holds the same as an ASCII letter."""
    if not line.startswith("^") or any(c == "|" and depth == 0 for _, c, depth in
                                       _structure(line)):
        return None
    return _starts(line[1:])


def _starts(text: str) -> frozenset[str] | None:
    first = text[:1]
    if not first or text[1:2] in ("?", "*", "{"):
        return None
    if first == "(":
        if text[1:2] == "?":
            return None
        marks = _structure(text)
        end = next((i for i, c, depth in marks if c == ")" and depth == 0), None)
        if end is None or text[end + 1:end + 2] in ("?", "*", "{"):
            return None
        cuts = [0, *(i for i, c, depth in marks if c == "|" and depth == 1 and i < end), end]
        found: set[str] = set()
        for start, stop in itertools.pairwise(cuts):
            chars = _starts(text[start + 1:stop])
            if chars is None:
                return None
            found |= chars
        return frozenset(found)
    if first in "\\[.^$|)+":
        return None
    if first.isascii():
        return frozenset({first.lower()})
    return None if first in _ASCII_IGNORING_CASE else frozenset()


# The characters outside ASCII that ``IGNORECASE`` holds the same as an ASCII letter (each
# checked against every ASCII character, all of Unicode): "İ" and "ı" as "i", the long s as
# "s", the Kelvin sign as "k".
_ASCII_IGNORING_CASE = "\u0130\u0131\u017f\u212a"


def _structure(text: str) -> list[tuple[int, str, int]]:
    """The "(", ")" and "|" of a regular expression that are not escaped or in a set, with
    their depth in groups (a ")" at the depth of its "(")."""
    marks: list[tuple[int, str, int]] = []
    depth = i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i += 2 if text[i + 1:i + 2] == "^" else 1
            i += 1 if text[i:i + 1] == "]" else 0
            while i < len(text) and text[i] != "]":
                i += 2 if text[i] == "\\" else 1
        elif c == "(":
            marks.append((i, c, depth))
            depth += 1
        elif c == ")":
            depth -= 1
            marks.append((i, c, depth))
        elif c == "|":
            marks.append((i, c, depth))
        i += 1
    return marks
