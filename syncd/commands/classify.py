"""``syncd classify PATH...``: the classifier's verdict on message files, as production sees them.

Reads only header sections (up to the first blank line) and parses them with the IMAP
connector's own parser (``connectors._imap_parse.parse_headers``), so ``classify`` and ``sync``
see the same headers and agree. A PATH may be:

- a message file (``.eml``, an Enron-style file without extension, anything named explicitly);
- an mbox file (its first line starts with ``From ``): messages are split at the mailbox's own
  ``From `` separator lines, those at the start of the file or after a blank line (or in the
  ``From addr weekday month day`` form), so that an mboxrd-escaped ``>From `` line never splits;
  the separator's date stands in for a missing or broken ``Date`` header;
- a folder, Maildir or not, walked recursively in name order: ``tmp/`` of a Maildir and hidden
  entries (but Maildir++ ``.Folder`` directories) are skipped, and a file counts when it looks
  like mail (a header section naming From, To, Date or Message-ID) or is an mbox.

Each message gives one result dict with exactly ``path``, ``message_id``, ``personal``,
``verdict`` and ``reasons``; a file that cannot be read or parsed gives ``{"path", "error"}``
and the rest go on. The file's modification time stands in for a broken ``Date`` (as an IMAP
server's INTERNALDATE would). The context is the config's (self, ``[ignore]``, allow list,
patterns) and nothing else: who you have written to is only known to ``sync`` and ``why``, so a
role sender you write to shows here as a role sender.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TypedDict, final

from rich.table import Table
from rich.text import Text

from connectors._imap_parse import parse_headers
from rules.classify import ClassifyContext, classify_message
from syncd import config as config_mod
from syncd.errors import ProtocolError
from syncd.interactions import classify_context
from syncd.model import Message
from syncd.pipeline import self_addresses
from syncd.render import count

MAX_HEADER = 1 << 20  # a header section longer than 1 MiB is not mail
_CHUNK = 1 << 16
_FIELD = re.compile(rb"^[!-9;-~]+[ \t]*:")  # an RFC 5322 field name and its colon
_MAILISH = re.compile(rb"(?im)^(?:from|to|date|message-id)[ \t]*:")
_FROM_LINE = re.compile(rb"^From \S+ +\w{3} \w{3} +\d+ ")
_ESCAPED_FROM = re.compile(rb"^>+From ")


@final
class Result(TypedDict):
    path: str
    message_id: str
    personal: bool
    verdict: str
    reasons: list[str]


@final
class Failure(TypedDict):
    path: str
    error: str


@dataclass(frozen=True, slots=True)
class HeaderBlock:
    """One message's header section and where it came from."""

    path: str  # as given; "box.mbox#3" for the third message of an mbox
    raw: bytes
    received: datetime | None  # mbox separator date or file mtime: the date fallback


def load_context(path: Path, *, explicit: bool) -> ClassifyContext:
    """The config's self addresses, ignore lists and patterns; an empty context when no config
    file exists and none was named (``ConfigError`` for a named or broken one)."""
    if not explicit and not path.exists():
        return ClassifyContext()
    config = config_mod.load(path)
    return classify_context(config, self_addresses(config))


def classify_paths(paths: Iterable[Path], context: ClassifyContext
                   ) -> Iterator[Result | Failure]:
    """One result per message found under ``paths``, in order; failures as they come."""
    for item in header_blocks(paths):
        if isinstance(item, HeaderBlock):
            yield classify_block(item, context)
        else:
            yield item


def classify_block(block: HeaderBlock, context: ClassifyContext) -> Result | Failure:
    try:
        message = parse_block(block)
    except ProtocolError as exc:
        why = str(exc).rpartition(f"{block.path}: ")[2]
        return {"path": block.path, "error": f"not a usable mail header: {why}"}
    verdict = classify_message(message, context)
    return {"path": block.path, "message_id": message.message_id, "personal": verdict.personal,
            "verdict": verdict.verdict, "reasons": list(verdict.reasons)}


def parse_block(block: HeaderBlock) -> Message:
    """The ``Message`` production would build from these header bytes."""
    return parse_headers(block.raw, account="classify", native_id=block.path,
                         internaldate=block.received, labels=(), scope="")


def header_blocks(paths: Iterable[Path]) -> Iterator[HeaderBlock | Failure]:
    for path in paths:
        if path.is_dir():
            for file in _walk(path):
                yield from (_file_blocks(file, sniff=True) if isinstance(file, Path)
                            else [file])
        elif path.exists():
            yield from _file_blocks(path, sniff=False)
        else:
            yield {"path": str(path), "error": "no such file or directory"}


def _walk(top: Path) -> Iterator[Path | Failure]:
    """The files under ``top`` in name order; a folder that cannot be listed is a failure, as an
    unreadable file is (one exit-code rule whatever holds the mail)."""
    unreadable: list[OSError] = []
    for root, dirs, files in os.walk(top, onerror=unreadable.append):
        while unreadable:
            exc = unreadable.pop(0)
            yield {"path": str(exc.filename or root), "error": exc.strerror or str(exc)}
        here = Path(root)
        maildir = {"cur", "new"} <= set(dirs)
        dirs[:] = sorted(d for d in dirs if not (maildir and d == "tmp") and (
            not d.startswith(".") or (here / d / "cur").is_dir()))
        for name in sorted(files):
            if not name.startswith("."):
                yield here / name
    for exc in unreadable:  # the last folder listed, or ``top`` itself
        yield {"path": str(exc.filename or top), "error": exc.strerror or str(exc)}


def _file_blocks(path: Path, *, sniff: bool) -> Iterator[HeaderBlock | Failure]:
    try:
        with path.open("rb") as f:
            head = _read_header(f)
            if head.startswith(b"From "):
                f.seek(0)
                yield from _mbox_blocks(path, f)
                return
            mtime = datetime.fromtimestamp(os.fstat(f.fileno()).st_mtime, UTC)
    except OSError as exc:
        yield {"path": str(path), "error": exc.strerror or str(exc)}
        return
    if sniff and not (_FIELD.match(head) and _MAILISH.search(head)):
        return  # not mail: a README, an index file, a label file
    yield HeaderBlock(str(path), head, mtime)


def _read_header(f: BinaryIO) -> bytes:
    """The bytes up to the blank line that ends the header section (or the end of the file)."""
    buffer = b""
    while len(buffer) < MAX_HEADER:
        chunk = f.read(_CHUNK)
        if not chunk:
            break
        start = max(0, len(buffer) - 3)
        buffer += chunk
        end = _blank_line(buffer, start)
        if end >= 0:
            return buffer[:end]
    return buffer[:MAX_HEADER]


def _blank_line(data: bytes, start: int) -> int:
    """Where the header section ends (just after its last line's newline), or -1."""
    ends = [i + 1 for i in (data.find(b"\n\n", start), data.find(b"\n\r\n", start)) if i >= 0]
    return min(ends) if ends else -1


def _mbox_blocks(path: Path, f: BinaryIO) -> Iterator[HeaderBlock]:
    """Each message's header section; a one-message mbox keeps the plain file name."""
    number, header, in_header, previous_blank = 0, bytearray(), False, True
    received: datetime | None = None
    for line in f:
        if line.startswith(b"From ") and (previous_blank or _FROM_LINE.match(line)):
            if number:
                yield HeaderBlock(f"{path}#{number}", bytes(header), received)
            number, header, in_header = number + 1, bytearray(), True
            received = from_line_date(line)
            previous_blank = False
            continue
        blank = not line.strip(b"\r\n")
        if in_header:
            if blank:
                in_header = False
            elif len(header) < MAX_HEADER:
                header += line[1:] if _ESCAPED_FROM.match(line) else line
        previous_blank = blank
    if number:
        yield HeaderBlock(f"{path}#{number}" if number > 1 else str(path), bytes(header),
                          received)


def from_line_date(line: bytes) -> datetime | None:
    """The date of an mbox ``From addr Mon Jun 24 17:06:54 2002`` line, as UTC."""
    words = line.decode("latin-1").split()
    for start in range(2, max(2, len(words) - 4)):
        try:
            return datetime.strptime(" ".join(words[start:start + 5]),
                                     "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def table(rows: Iterable[Result]) -> Table:
    """Verdict, file and the deciding reason per message (all reasons: ``--json``)."""
    out = Table(box=None, pad_edge=False)
    out.add_column("verdict", no_wrap=True)
    out.add_column("path", overflow="fold", ratio=2)
    out.add_column("why", ratio=3)
    for row in rows:
        out.add_row(row["verdict"], Text(row["path"]), Text(row["reasons"][0]))
    return out


def summary(rows: Iterable[Result], failed: int) -> str:
    counts = Counter(row["verdict"] for row in rows)
    total = sum(counts.values())
    parts = [f"{n} {verdict}" for verdict, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    personal = counts.get("personal", 0)
    text = f"{count(total, 'message')}: " + (", ".join(parts) if parts else "none found")
    if total:
        text += f" ({personal / total:.1%} personal)"
    return text + (f"; {failed} could not be read (errors above), exit code 1" if failed
                   else "")
