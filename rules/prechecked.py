"""A pattern with the words every match of it holds: a text holding none of them is not scanned.

A long alternation (``rules.text_signals``) costs a scan of the whole text, at each word start,
even where nothing matches; ``word in text`` costs a fraction of that. ``Prechecked(pattern,
words)`` answers ``search``, ``finditer`` and ``sub`` exactly as ``pattern`` does, provided
every match of ``pattern`` contains one of ``words``.

``starts`` (optional): a pattern that matches wherever a match of ``pattern`` can begin (the
words its alternatives open with), or up to ``reach`` characters after. ``pattern`` is then
tried only there (and at the start of the text), left to right, as ``re.finditer`` and
``re.sub`` try every position: a short alternation finds the few places much faster than the
long one scans the whole text. ``tests/unit/test_prechecked.py`` checks the
word lists and the openings of ``rules.text_signals`` against their patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prechecked:
    pattern: re.Pattern[str]
    words: tuple[str, ...]  # each match of ``pattern`` contains one of these
    starts: re.Pattern[str] | None = None  # matches where each match of ``pattern`` begins
    reach: int = 0  # ... or up to this many characters before it

    def possible(self, text: str) -> bool:
        """Could ``pattern`` match in ``text``? (False: it cannot.)"""
        for word in self.words:  # noqa: SIM110 (a generator costs more than most of the tests)
            if word in text:
                return True
        return False

    def search(self, text: str) -> re.Match[str] | None:
        if not self.possible(text):
            return None
        if self.starts is None:
            return self.pattern.search(text)
        return next(self._matches(text, self.starts), None)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if not self.possible(text):
            return iter(())
        if self.starts is None:
            return self.pattern.finditer(text)
        return self._matches(text, self.starts)

    def sub(self, replacement: str, text: str) -> str:
        """``pattern.sub(replacement, text)`` (``replacement`` without backslashes)."""
        if self.starts is None:
            return self.pattern.sub(replacement, text) if self.possible(text) else text
        parts: list[str] = []
        end = 0
        for found in self.finditer(text):
            parts += (text[end:found.start()], replacement)
            end = found.end()
        return "".join(parts) + text[end:] if parts else text

    def _matches(self, text: str, starts: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``, trying ``pattern`` only at the start of ``text`` and where
        ``starts`` matches (``pattern`` never matches the empty string)."""
        end = 0  # of the last match: the next one starts there or later
        if (found := self.pattern.match(text)) is not None:
            yield found
            end = found.end()
        for start in starts.finditer(text):
            for at in range(max(end, start.start() - self.reach), start.start() + 1):
                if at >= end and (found := self.pattern.match(text, at)) is not None:
                    yield found
                    end = found.end()
