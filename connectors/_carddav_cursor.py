"""The CardDAV source's cursor: pure data, JSON on the wire.

    {"v": 1, "books": {"<address book path>": {"token": "<sync-token>"}}}
    {"v": 1, "books": {"<path>": {"ctag": "<getctag>", "etags": {"<card path>": "<etag>"}}}}

A book on a server with RFC 6578 sync-collection keeps its sync-token; on one without, its
CTag and the ETag of every card, so a poll with nothing new is one PROPFIND, and a change is
found by comparing ETags. Anything unreadable counts as no cursor: every book is listed afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

VERSION = 1


@dataclass(frozen=True, slots=True)
class BookMark:
    token: str | None = None
    ctag: str | None = None
    etags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BookState:
    books: dict[str, BookMark] = field(default_factory=dict)

    def dump(self) -> str:
        books: dict[str, dict[str, object]] = {}
        for path, mark in sorted(self.books.items()):
            books[path] = ({"token": mark.token} if mark.token is not None
                           else {"ctag": mark.ctag, "etags": dict(sorted(mark.etags.items()))})
        return json.dumps({"v": VERSION, "books": books}, separators=(",", ":"))

    def marked(self, path: str, mark: BookMark) -> BookState:
        return replace(self, books={**self.books, path: mark})

    def without(self, path: str) -> BookState:
        return replace(self, books={p: m for p, m in self.books.items() if p != path})


def parse_book_cursor(text: str | None) -> BookState:
    if not text:
        return BookState()
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("v") != VERSION:
            return BookState()
        books = {}
        for path, mark in dict(raw.get("books") or {}).items():
            if mark.get("token") is not None:
                books[str(path)] = BookMark(token=str(mark["token"]))
            else:
                books[str(path)] = BookMark(
                    ctag=None if mark.get("ctag") is None else str(mark["ctag"]),
                    etags={str(k): str(v) for k, v in dict(mark.get("etags") or {}).items()})
    except (ValueError, TypeError, AttributeError):
        return BookState()
    return BookState(books)
