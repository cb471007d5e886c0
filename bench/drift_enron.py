"""Drift reminders on real mailboxes, with no configuration but ``[me]``: how many a week, and
what they say.

    python bench/drift_enron.py [--users fossum-d ...] [--weeks 12] [--today 2026-12-07]
                                [--data ../shared/data]

Each Enron user is moved into the present (``bench/enron_present.py``), a cut day becoming this
week (``CUTS``: the answer keys' days, else the day of the user's 80th-percentile sent
message); every message is parsed the way the IMAP connector does
(``connectors._imap_parse.parse_headers``; Enron's sent folders labelled ``\\Sent``) and the
pipeline runs with a config holding only the owner's address and a time zone: no
``[[cadences]]``, ``[drift]`` at its defaults. For each of the last ``--weeks`` weeks it takes
the mail up to the end of that week (weeks end on the moved cut day) as what a running syncd
had seen and counts the drift reminders due within that week (what the calendar got that
week); then, for a first sync at the cut, the drift reminders that would become events (due
within ``followups.horizon``) and three examples with
their reasons. Prints figures only; exits 0 with a note when the data is absent.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.enron_present import DEFAULT_DATA, shift_user  # noqa: E402
from connectors._imap_parse import parse_headers  # noqa: E402
from syncd import config as config_mod  # noqa: E402
from syncd.errors import ProtocolError  # noqa: E402
from syncd.model import Message  # noqa: E402
from syncd.pipeline import compute  # noqa: E402

USERS = ("delainey-d", "fossum-d", "dean-c", "badeer-r", "cuilla-m")
SENT = {"sent", "_sent_mail", "sent_items"}


def load(user_dir: Path) -> list[Message]:
    out = []
    for path in sorted(p for p in user_dir.rglob("*") if p.is_file()):
        sent = path.relative_to(user_dir).parts[0] in SENT
        try:
            out.append(parse_headers(path.read_bytes(), account="mail", native_id=str(path),
                                     internaldate=None, labels=("\\Sent",) if sent else (),
                                     scope="Sent" if sent else "INBOX"))
        except ProtocolError:  # a header the connector would quarantine
            continue
    return out


# The cut days of the answer keys in bench/followup_keys; for the others, the day by which
# 80% of the user's sent mail was written (the newest sent mail of several users trails off
# for months after they stopped working their mailbox: no "present" there to look at).
CUTS = {"delainey-d": date(2000, 12, 13), "fossum-d": date(2000, 11, 30)}


def cut_and_owner(user: str, user_dir: Path) -> tuple[date, str]:
    """The cut day, and the user's own address (the most common sender of their sent mail)."""
    msgs = sorted((m for m in load(user_dir) if m.scope == "Sent" and m.sender),
                  key=lambda m: m.date)
    owner = Counter(m.sender.email for m in msgs if m.sender).most_common(1)[0][0]
    return CUTS.get(user, msgs[int(len(msgs) * 0.8)].date.date()), owner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", nargs="+", default=list(USERS))
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 7))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    maildir = args.data / "enron-maildir" / "maildir"
    if not maildir.is_dir():
        print(f"no Enron maildirs at {maildir}: nothing to measure")
        return 0
    for user in args.users:
        cut, owner = cut_and_owner(user, maildir / user)
        with tempfile.TemporaryDirectory(prefix=f"drift-{user}-") as tmp:
            counts = shift_user(maildir / user, Path(tmp) / user, cut, args.today)
            messages = load(Path(tmp) / user)
        config = config_mod.from_dict({"me": {"addresses": [owner],
                                              "timezone": "America/Chicago"}})
        now = datetime.combine(cut + timedelta(weeks=counts["weeks"]), datetime.max.time(), UTC)
        per_week = []
        started = time.process_time()
        for n in range(args.weeks, 0, -1):
            end = now - timedelta(weeks=n - 1)
            seen = [m for m in messages if m.date <= end]
            snap = compute(config, seen, [], end)
            per_week.append(sum(1 for c in snap.candidates.values() if c.kind == "drift"
                                and end - timedelta(weeks=1) < c.due <= end))
        elapsed = (time.process_time() - started) / args.weeks
        snap = compute(config, messages, [], now)
        drift = sorted((c for c in snap.candidates.values() if c.kind == "drift"),
                       key=lambda c: c.due)
        soon = [c for c in drift if c.due <= now + config.followups.horizon]
        rhythms = sum(1 for r in snap.rhythm.values() if r is not None)
        print(f"\n== {user} ({owner}): {len(messages)} messages, {len(snap.ledgers)} people, "
              f"{rhythms} with a learned rhythm; cut {cut} moved {counts['weeks']} weeks")
        print(f"drift reminders per week, the last {args.weeks} weeks: {per_week} "
              f"(mean {statistics.mean(per_week):.1f}, max {max(per_week)}); "
              f"{elapsed:.2f} s CPU per cycle")
        print(f"first sync at the cut: {len(drift)} drift reminders wanted, {len(soon)} due "
              f"within the horizon ({config.followups.horizon.days} days)")
        for c in drift[:3]:
            print(f"  - {snap.directory.name(c.person)} <{c.person}>: {c.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
