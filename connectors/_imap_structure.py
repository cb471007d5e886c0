"""A ``BODYSTRUCTURE`` value read in one pass, for the preview's header fetch.

The text signals (``connectors/_imap_preview.py``) ask for each message's ``BODYSTRUCTURE``
with its header fields; Dovecot answers it after the header literal, as the record's last line
(`` BODYSTRUCTURE ("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 551 29 NIL NIL NIL NIL))``).
Read token by token by the general reader (``_imap_fetch._atoms``), it was most of the cost of
the preview's header fetch. ``read_structure`` reads the everyday single part with one
regular expression, and any other structure made only of what a body structure is made of
(parentheses, quoted strings, ``NIL``, numbers) with two, one to check the whole shape and one
to split it; it builds the nested tuples imapclient's parser builds for it. Anything else (a
literal, an atom other than ``NIL`` or a number, a number with a leading zero, a line break
inside a quoted string, unbalanced parentheses) gives ``None``, and the caller hands the
answer to the general reader: only the speed differs, never the value
(``tests/unit/test_imap_structure.py`` holds it equal to imapclient on recorded and generated
structures).
"""

from __future__ import annotations

import re
from typing import Any

# A quoted string as imapclient reads it, less what it reads some other way (CR, LF).
_QUOTED = rb'"[^"\\\r\n]*+(?:\\[^\r\n][^"\\\r\n]*+)*+"'
# Every byte is a parenthesis, a space, or a quoted string / NIL / number ending at a space,
# a ")" or the end (so "NILNIL" or "12a" are not taken for two tokens).
_SHAPE = re.compile(rb'(?:[() ]++|(?:' + _QUOTED + rb'|NIL|0|[1-9][0-9]*+)(?=[ )]|\Z))*+')
_TOKENS = re.compile(rb'[()]|' + _QUOTED + rb'|NIL|[0-9]++')
_ESCAPE = re.compile(rb'\\([\\"])')
# The everyday single-part body, read by one match: type, subtype, parameters (quoted strings),
# id, description, encoding, size, the lines of a text part, then extension fields all NIL.
_STRING = rb'"[^"\\\r\n]*"'
_NSTRING = rb'(NIL|' + _STRING + rb')'
_SINGLE = re.compile(
    rb'\(("[^"\\\r\n]*") ("[^"\\\r\n]*") (NIL|\((?:' + _STRING + rb'(?: ' + _STRING
    + rb')*)?\)) ' + _NSTRING + b' ' + _NSTRING + rb' ("[^"\\\r\n]*") (0|[1-9][0-9]*)'
    rb'(?: (0|[1-9][0-9]*))?((?: NIL)*)\)')
_STRINGS = re.compile(rb'"([^"\\\r\n]*)"')

STRUCTURE_LINE = b" BODYSTRUCTURE ("


def read_structure(text: bytes) -> tuple[Any, ...] | None:
    """The value of ``text`` (``(...)``, one parenthesised list) as imapclient's parser reads
    it: nested tuples of bytes, ints and None; None when ``text`` is not of the plain shape
    above (the caller then reads it the general way)."""
    single = _SINGLE.fullmatch(text)
    if single is not None:
        return _single(single)
    if not text.startswith(b"(") or _SHAPE.fullmatch(text) is None:
        return None
    stack: list[list[Any]] = []
    current: list[Any] = []
    for token in _TOKENS.findall(text):
        first = token[0]
        if first == 40:  # (
            stack.append(current)
            current = []
        elif first == 41:  # )
            if not stack:
                return None
            value = tuple(current)
            current = stack.pop()
            current.append(value)
        elif first == 34:  # "
            quoted = token[1:-1]
            current.append(_ESCAPE.sub(rb"\1", quoted) if 92 in quoted else quoted)
        elif first == 78:  # NIL
            current.append(None)
        else:
            current.append(int(token))
    if stack or len(current) != 1 or not current[0]:
        return None  # unbalanced, several values, or "()"
    found: tuple[Any, ...] = current[0]
    return found


def _single(found: re.Match[bytes]) -> tuple[Any, ...]:
    kind, subtype, params, ident, description, encoding, size, lines, nils = found.groups()
    value: list[Any] = [kind[1:-1], subtype[1:-1],
                        None if params == b"NIL" else tuple(_STRINGS.findall(params)),
                        None if ident == b"NIL" else ident[1:-1],
                        None if description == b"NIL" else description[1:-1],
                        encoding[1:-1], int(size)]
    if lines is not None:
        value.append(int(lines))
    value.extend([None] * (len(nils) // 4))
    return tuple(value)


def trailing_structure(line: bytes) -> tuple[Any, ...] | None:
    """The structure of a record's last line `` BODYSTRUCTURE (...))`` (the closing ``)`` of
    the record included), or None when the line is not that or not of the plain shape."""
    if not line.startswith(STRUCTURE_LINE) or not line.endswith(b"))"):
        return None
    return read_structure(line[len(STRUCTURE_LINE) - 1:-1])
