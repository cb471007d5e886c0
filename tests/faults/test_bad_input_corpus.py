"""Every message and calendar file in ../shared/data through the production parsers and then
the whole pipeline, without an exception (see its MANIFEST.md; skipped with the reason when a
folder is absent).

Mail: each file or mbox entry of every mail folder is split into its header section the way
``syncd classify`` does, parsed by ``connectors._imap_parse.parse_headers`` (a ``ProtocolError``
is what the connectors quarantine: counted, allowed), and all the messages of a folder go through
``syncd.pipeline.compute``. Calendars: every .ics through ``connectors._ics.meetings_from_ics``,
then ``compute`` over all the meetings. The counts are the "inputs tried" in bench/README.md.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors._ics import meetings_from_ics
from syncd.commands.classify import HeaderBlock, header_blocks, parse_block
from syncd.errors import ProtocolError
from syncd.model import Meeting, Message
from syncd.pipeline import compute
from tests.factories import config

pytestmark = pytest.mark.corpus
log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MAIL = {  # folder: the fewest inputs it holds (a truncated copy fails loudly)
    "enron-maildir": 12_000,
    "enron-berkeley-categories": 1_700,
    "spamassassin-publiccorpus": 4_800,
    "sisimai-set-of-emails": 600,
    "mailing-list-usrp-users": 1_100,
}


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (see ../shared/data/MANIFEST.md)")
    return path


@pytest.mark.parametrize("folder", sorted(MAIL))
def test_every_message_parses_or_is_quarantined_and_the_pipeline_takes_them(folder: str) -> None:
    root = need(DATA / folder)
    tried = refused = unreadable = 0
    messages: dict[str, Message] = {}
    for block in header_blocks([root]):
        if not isinstance(block, HeaderBlock):
            unreadable += 1  # not a message at all (an index file): reported, not parsed
            continue
        if block.path.endswith((".cats", ".commits.txt", "/cmds")):
            continue  # label and index files next to the messages
        tried += 1
        try:
            message = parse_block(block)
        except ProtocolError as exc:
            assert str(exc), block.path
            refused += 1
            continue
        assert message.date.tzinfo is not None, block.path
        messages.setdefault(message.message_id, message)
    log.info("%s: %d inputs, %d parsed, %d quarantined, %d not messages", folder, tried,
             tried - refused, refused, unreadable)
    assert tried >= MAIL[folder]
    assert refused < tried / 10  # a parser that refuses most real mail would pass otherwise
    snapshot = compute(config(), list(messages.values()), [], NOW)
    assert snapshot.directory is not None


def test_every_calendar_file_parses_or_is_quarantined_and_the_pipeline_takes_them() -> None:
    root = need(DATA)
    files = sorted(root.rglob("*.ics"))
    assert files
    meetings: list[Meeting] = []
    refused = 0
    for path in files:
        try:
            meetings += meetings_from_ics(
                path.read_bytes(), account="cal", resource=f"/corpus/{path.relative_to(root)}",
                scope="/corpus/", window_start=datetime(2006, 1, 1, tzinfo=UTC),
                window_end=datetime(2009, 1, 1, tzinfo=UTC))  # where most of the corpus is
        except ProtocolError as exc:
            assert str(exc), path
            refused += 1
    log.info("ics: %d files, %d refused, %d occurrences", len(files), refused, len(meetings))
    assert refused < len(files) / 2
    compute(config(), [], meetings, NOW)
