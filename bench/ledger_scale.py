"""Ledger and plan at scale: a synthetic store of N messages among P people, then the full
recompute a cycle does (load from the store, classify, thread, ledger, follow-ups, placement),
timed in a fresh interpreter that reports its own peak RSS.

    python bench/ledger_scale.py                      # 100,000 messages, 2,000 people
    python bench/ledger_scale.py --messages 1000000 --people 20000   # the issue 4 target size
    python bench/ledger_scale.py --keep /tmp/kept --root /path/to/other/checkout  # other code,
                                                           # the same stores, built once

Prints figures and ratios; asserts nothing (DESIGN.md section 9).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def build_store(path: Path, messages: int, people: int, seed: int = 7) -> float:
    """Write a synthetic history: threads of one to four messages, a third of them started by
    the user, replies a few hours to days apart, spread over five years."""
    sys.path.insert(0, str(ROOT))
    from syncd.model import Address, Message, Page
    from syncd.store import Store

    rng = random.Random(seed)
    me = Address("dana@example.org", "Dana Example")
    folks = [Address(f"p{i}@org{i % 700}.example", f"Person {i}") for i in range(people)]
    started = time.perf_counter()
    with Store.open(path) as store:
        batch: list[Message] = []
        n = 0
        while n < messages:
            other = folks[min(int(rng.paretovariate(1.2)) - 1, people - 1) if rng.random() < 0.5
                          else rng.randrange(people)]
            when = NOW - timedelta(days=rng.uniform(0, 5 * 365))
            outbound = rng.random() < 0.35
            parent: str | None = None
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                mid = f"b{n}@bench.example"
                sender, to = (me, other) if outbound else (other, me)
                batch.append(Message(
                    "mail", f"INBOX/1/{n}", mid, when, sender, (to,),
                    subject=f"Topic {n // 3}" if parent is None else f"Re: Topic {n // 3}",
                    in_reply_to=parent, references=(parent,) if parent else (),
                    labels=("\\Sent",) if outbound else ("\\Inbox",)))
                parent, outbound, n = mid, not outbound, n + 1
                when += timedelta(hours=rng.uniform(1, 72))
                if n >= messages:
                    break
            if len(batch) >= 5000:
                store.ingest("mail", Page(tuple(batch), str(n)))
                batch = []
        if batch:
            store.ingest("mail", Page(tuple(batch), str(n)))
    return time.perf_counter() - started


CHILD_CONFIG = r"""
cfg = config_mod.from_dict({{
    "me": {{"addresses": ["dana@example.org"], "timezone": "Europe/Berlin"}},
    "cadences": [{{"name": "network", "min_exchanges": 2, "every": "90d"}}],
    "goals": {{"introductions_per_week": 2}}}})
"""  # the config every child of the ledger benches uses

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from datetime import datetime
from pathlib import Path
from syncd import config as config_mod
from syncd.engine import placement
from syncd.pipeline import compute_from_store
from syncd.store import Store
""" + CHILD_CONFIG.lstrip("\n") + r"""now = datetime.fromisoformat({now!r})
t0, c0 = time.perf_counter(), time.process_time()
with Store.open(Path({path!r})) as store:
    snap = compute_from_store(cfg, store, now)
    t1 = time.perf_counter()
    placed = placement(cfg, snap, {{}}, {{}}, now)
    t2, c2 = time.perf_counter(), time.process_time()
    interactions = store.derived._db.execute("SELECT count(*) FROM touches").fetchone()[0]
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"compute": t1 - t0, "place": t2 - t1, "cpu": c2 - c0,
                   "people": len(snap.ledgers), "interactions": interactions,
                   "followups": len(placed), "rss_mb": hwm / 1024}}))
"""


def stored(path: Path, count: int, people: int, keep: Path | None) -> float:
    """Build the synthetic store at ``path``, or copy the one kept in ``keep`` (0 s then)."""
    if keep is None:
        return build_store(path, count, people)
    kept = keep / f"ledger-{count}-{people}.sqlite3"
    if not kept.exists():
        keep.mkdir(parents=True, exist_ok=True)
        build_store(kept.with_suffix(".tmp"), count, people)
        kept.with_suffix(".tmp").rename(kept)
    shutil.copyfile(kept, path)
    return 0.0


def measure(path: Path, now: datetime, root: Path = ROOT) -> dict[str, float]:
    code = CHILD.format(root=str(root), now=now.isoformat(), path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def add_mail(path: Path, count: int, people: int, seed: int = 11) -> None:
    """A day of new mail: replies in existing threads and new threads, dated after ``NOW``."""
    sys.path.insert(0, str(ROOT))
    from syncd.model import Address, Message, Page
    from syncd.store import Store

    rng = random.Random(seed)
    me = Address("dana@example.org", "Dana Example")
    batch = []
    for n in range(count):
        other = Address(f"p{rng.randrange(people)}@org0.example", "Someone")
        old = rng.randrange(1_000)
        outbound = rng.random() < 0.4
        sender, to = (me, other) if outbound else (other, me)
        batch.append(Message(
            "mail", f"INBOX/2/{n}", f"new{n}@bench.example", NOW + timedelta(minutes=n + 1),
            sender, (to,), subject=f"Re: Topic {old}" if n % 2 else f"Fresh {n}",
            in_reply_to=f"b{old * 3}@bench.example" if n % 2 else None,
            labels=("\\Sent",) if outbound else ("\\Inbox",)))
    with Store.open(path) as store:
        store.ingest("mail", Page(tuple(batch), "more"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, nargs="+", default=[100_000])
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--new", type=int, default=1_000, help="messages added before the last run")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep each built store in DIR and reuse it in later runs (copied, "
                             "so every run starts from the same underived store)")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose syncd runs")
    args = parser.parse_args()
    print(f"{'messages':>10} {'people':>7} {'interactions':>12} {'cycle':>12} {'compute':>8} "
          f"{'place':>6} {'total':>7} {'CPU':>7} {'peak RSS':>9}")
    for count in args.messages:
        with tempfile.TemporaryDirectory(prefix="syncd-ledger-") as tmp:
            path = Path(tmp) / "bench.sqlite3"
            built = stored(path, count, args.people, args.keep)
            runs = [("first (derive all)", NOW), ("nothing new", NOW + timedelta(hours=1))]
            for label, now in runs:
                _row(count, label, measure(path, now, args.root))
            add_mail(path, args.new, args.people)
            later = NOW + timedelta(days=1)
            _row(count, f"+{args.new} new", measure(path, later, args.root))
            print(f"{'':>10} (store built in {built:.0f} s; code from {args.root})")
    print("target (issue 4): 1,000,000 interactions and 20,000 people in under 5 s and 500 MB")
    return 0


def _row(count: int, label: str, r: dict[str, float]) -> None:
    total = r["compute"] + r["place"]
    print(f"{count:>10,} {int(r['people']):>7,} {int(r['interactions']):>12,} {label:>12} "
          f"{r['compute']:>7.1f}s {r['place']:>5.1f}s {total:>6.1f}s {r['cpu']:>6.1f}s "
          f"{r['rss_mb']:>7.0f}MB"
          f"   ({int(r['followups'])} follow-ups placed)")


if __name__ == "__main__":
    sys.exit(main())
