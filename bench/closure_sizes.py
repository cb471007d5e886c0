"""How much a new message can make syncd re-thread: the sizes of the groups of messages linked
by a shared normalised subject or a reference (``syncd.incremental``'s closures), on the real
Enron mailboxes in ``../shared/data`` (skipped with a note when absent), each derived once
through a real store.

    python bench/closure_sizes.py

A cycle re-threads the groups its new mail falls into; the largest group bounds that work.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENRON = ROOT.parent / "shared" / "data" / "enron-maildir" / "maildir"
SENT = {"sent", "_sent_mail", "sent_items"}


def groups(store: object) -> Counter[str]:
    """Message -> group by union-find over subjects and references, from the derived tables."""
    db = store.derived._db  # type: ignore[attr-defined]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    for message_id, subject in db.execute("SELECT message_id, subject_key FROM facts"):
        union("subject:" + subject, message_id) if subject else parent.setdefault(
            message_id, message_id)
    for message_id, ref in db.execute(
            "SELECT r.message_id, r.ref FROM refs r JOIN facts f ON f.message_id = r.ref"):
        union(ref, message_id)
    return Counter(find(m) for (m,) in db.execute("SELECT message_id FROM facts"))


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from connectors._imap_parse import parse_headers
    from syncd import config as config_mod
    from syncd.model import Page
    from syncd.pipeline import compute_from_store
    from syncd.store import Store

    if not ENRON.is_dir():
        print(f"skipped: the Enron maildirs are not at {ENRON}")
        return 0
    print(f"{'mailbox':<12} {'messages':>8} {'groups':>7} {'largest five':<26} {'share':>6} "
          f"{'first derivation':>16}")
    for user in sorted(p.name for p in ENRON.iterdir()):
        messages = []
        for n, path in enumerate(sorted(p for p in (ENRON / user).glob("**/*") if p.is_file())):
            folder = path.relative_to(ENRON / user).parts[0]
            head = path.read_bytes().replace(b"\r\n", b"\n").split(b"\n\n", 1)[0] + b"\n\n"
            messages.append(parse_headers(
                head, account="mail", native_id=f"{folder}/{n}", internaldate=None,
                labels=("\\Sent",) if folder in SENT else (), scope=folder))
        me = Counter(m.sender.email.lower() for m in messages
                     if "\\Sent" in m.labels and m.sender).most_common(1)[0][0]
        config = config_mod.from_dict({"me": {"addresses": [me], "timezone": "UTC"}})
        with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
            store.ingest("mail", Page(tuple(messages), "all"))
            started = time.perf_counter()
            compute_from_store(config, store, max(m.date for m in messages) + timedelta(days=1))
            took = time.perf_counter() - started
            sizes = [count for _, count in groups(store).most_common()]
        top = ", ".join(str(s) for s in sizes[:5])
        print(f"{user:<12} {len(messages):>8,} {len(sizes):>7,} {top:<26} "
              f"{sizes[0] / len(messages):>6.1%} {took:>15.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
