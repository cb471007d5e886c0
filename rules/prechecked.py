"""A pattern with the words every match of it holds: a text holding none of them is not scanned.

A long alternation (``rules.text_signals``) costs a scan of the whole text, at each word start,
even where nothing matches; ``word in text`` costs a fraction of that. ``Prechecked(pattern,
words)`` answers ``search``, ``finditer`` and ``sub`` exactly as ``pattern`` does, provided
every match of ``pattern`` contains one of ``words`` (``tests/unit/test_prechecked.py`` checks
the word lists of ``rules.text_signals`` against their patterns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prechecked:
    pattern: re.Pattern[str]
    words: tuple[str, ...]  # each match of ``pattern`` contains one of these

    def possible(self, text: str) -> bool:
        """Could ``pattern`` match in ``text``? (False: it cannot.)"""
        return any(word in text for word in self.words)

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.possible(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.possible(text) else iter(())

    def sub(self, replacement: str, text: str) -> str:
        return self.pattern.sub(replacement, text) if self.possible(text) else text
