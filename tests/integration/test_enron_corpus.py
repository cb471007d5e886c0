"""Every Enron message through a real IMAP server and ImapSource (≈12,500 real header blocks)."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.imap import ImapSource
from syncd.localservers.imap import ImapServer
from syncd.model import Message
from tests.fixtures_imap import account_for

pytestmark = [pytest.mark.integration, pytest.mark.corpus]

ENRON = Path(__file__).resolve().parents[3] / "shared" / "data" / "enron-maildir" / "maildir"
SENT_FOLDERS = {"sent", "_sent_mail", "sent_items"}


def enron_files() -> dict[str, list[Path]]:
    """Every message file, by the IMAP folder it goes to (Enron's sent folders go to Sent)."""
    if not ENRON.is_dir():
        pytest.skip(f"the Enron maildirs are not at {ENRON} (the shared data folder is absent)")
    by_folder: dict[str, list[Path]] = {"INBOX": [], "Sent": []}
    for path in sorted(p for p in ENRON.glob("*/*/**/*") if p.is_file()):
        mailbox = path.relative_to(ENRON).parts[1]
        by_folder["Sent" if mailbox in SENT_FOLDERS else "INBOX"].append(path)
    return by_folder


def test_every_enron_message_comes_through(imap_server: ImapServer) -> None:
    files = enron_files()
    total = sum(len(paths) for paths in files.values())
    assert total > 12_000
    expected: Counter[str] = Counter()
    for folder, paths in files.items():
        raws = [p.read_bytes() for p in paths]
        expected.update(m.group(1).decode() for raw in raws
                        if (m := re.search(rb"(?im)^Message-ID:\s*<([^>]+)>", raw)))
        assert imap_server.append_many(folder, raws) == len(paths)

    seen: list[Message] = []
    quarantined: list[str] = []
    with closing(ImapSource(account_for(imap_server), imap_server.password)) as source:
        for page in source.pull(None):
            seen += [m for m in page.items if isinstance(m, Message)]
            quarantined += page.quarantined

    assert quarantined == []
    assert len(seen) == total
    assert len({m.native_id for m in seen}) == total
    assert Counter(m.scope for m in seen) == {"INBOX": len(files["INBOX"]),
                                              "Sent": len(files["Sent"])}
    for message in seen:
        assert message.date.tzinfo is not None and message.date.utcoffset() == timedelta(0)
        assert 1979 < message.date.year < 2003
    assert all(m.labels == ("\\Sent",) for m in seen if m.scope == "Sent")
    assert Counter(m.message_id for m in seen) == expected  # each file's own Message-ID
    # the mailbox owners' own addresses dominate the senders of their sent folders
    senders = Counter(m.sender.email for m in seen if m.scope == "Sent" and m.sender)
    assert senders.most_common(1)[0][0].endswith("@enron.com")
