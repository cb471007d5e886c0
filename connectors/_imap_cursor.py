"""The IMAP source's cursor: pure data, JSON on the wire, no network.

Shape (version 1)::

    {"v": 1,
     "sent": "Sent",                      # the \\Sent folder as discovered; absent: look again
     "folders": {
       "INBOX": {"uidvalidity": 1700000000, "last_uid": 4711, "uidnext": 4712,
                 "highestmodseq": 9001,   # only when the server has CONDSTORE
                 "listing": "…"}}}        # only while a full listing of the folder is unfinished

``last_uid`` is the highest UID delivered in a committed page; ``uidnext`` is the server's
UIDNEXT when the folder was last read to the end (a page in the middle of a folder keeps the old
value, so the next STATUS still sees work to do). ``listing`` carries the token of a full listing
across a crash, so the store's sweep after the resumed listing still counts the pages committed
before it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

VERSION = 1


@dataclass(frozen=True, slots=True)
class FolderState:
    uidvalidity: int
    last_uid: int
    uidnext: int
    highestmodseq: int | None = None
    listing: str | None = None


@dataclass(slots=True)
class CursorState:
    folders: dict[str, FolderState] = field(default_factory=dict)
    sent: str | None = None
    sent_known: bool = False  # False: discover the \\Sent folder on the next pull

    def dumps(self) -> str:
        folders = {
            name: {k: v for k, v in asdict(state).items() if v is not None}
            for name, state in sorted(self.folders.items())
        }
        doc: dict[str, object] = {"v": VERSION, "folders": folders}
        if self.sent_known:
            doc["sent"] = self.sent
        return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def loads(cursor: str | None) -> CursorState:
    """Parse a cursor; ``ValueError`` / ``TypeError`` when it is not one this version wrote."""
    if cursor is None:
        return CursorState()
    try:
        doc = json.loads(cursor)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        raise ValueError("unknown cursor version")
    raw_folders = doc.get("folders")
    if not isinstance(raw_folders, dict):
        raise TypeError("no folder table")
    folders: dict[str, FolderState] = {}
    for name, entry in raw_folders.items():
        if not isinstance(entry, dict):
            raise TypeError(f"bad entry for {name!r}")
        try:
            folders[name] = FolderState(
                uidvalidity=_int(entry["uidvalidity"]),
                last_uid=_int(entry["last_uid"]),
                uidnext=_int(entry["uidnext"]),
                highestmodseq=_opt_int(entry.get("highestmodseq")),
                listing=_opt_str(entry.get("listing")),
            )
        except KeyError as exc:
            raise ValueError(f"{name!r} lacks {exc}") from None
    sent = doc.get("sent")
    if sent is not None and not isinstance(sent, str):
        raise ValueError("bad sent folder")
    return CursorState(folders, sent, "sent" in doc)


def uid_chunks(uids: Sequence[int], size: int) -> list[list[int]]:
    """Consecutive slices of at most ``size`` UIDs (ascending input stays ascending)."""
    return [list(uids[i:i + size]) for i in range(0, len(uids), size)]


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a non-negative integer, got {value!r}")
    return value


def _opt_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _opt_str(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"expected a string, got {value!r}")
