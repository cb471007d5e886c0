"""Check, at scale, that the ledger cache changes no number: the synthetic store of
``bench/ledger_scale.py``, the same three cycles (first derivation, nothing new an hour later,
1,000 new messages a day later) run by this checkout and by another (``--root``, e.g. an archive
of main before the cache), each cycle's ledgers, strengths, rhythms and follow-ups written out
in a form both understand and compared; then, with this checkout, the last cycle again with the
cache dropped and rebuilt from every touch.

    python bench/ledger_cache_check.py --root DIR_MAIN               # 100,000 messages
    python bench/ledger_cache_check.py --root DIR_MAIN --keep DIR    # the store built once

Prints, per cycle, how many people and follow-ups each side has and whether all of it is equal.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ledger_scale import CHILD_CONFIG, NOW, stored  # noqa: E402

ADD = ("import sys; sys.path[:0] = [{root!r} + '/bench', {root!r}]; from pathlib import Path; "
       "from ledger_scale import add_mail; add_mail(Path({path!r}), {new}, {people})")

CHILD = r"""
import json, sys
sys.path.insert(0, {root!r})
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from syncd import config as config_mod
from syncd.pipeline import compute_from_store
from syncd.store import Store
""" + CHILD_CONFIG.lstrip("\n") + r"""tz = ZoneInfo("Europe/Berlin")
now = datetime.fromisoformat({now!r})
with Store.open(Path({path!r})) as store:
    if {drop!r}:
        with store.derived._db as db:
            db.execute("DELETE FROM meta WHERE key = 'ledger_cache'")
    snap = compute_from_store(cfg, store, now)

def recent(value):
    if isinstance(value, list):  # before the cache: (time, direction) of every touch
        return [len(value), sorted({{at.astimezone(tz).date().isoformat() for at, _ in value}}),
                sum(1 for _, d in value if d == "meeting")]
    return [len(value), [d.isoformat() for d in value.dates()], len(value.meetings)]

people = {{}}
for pid, led in snap.ledgers.items():
    row = {{f.name: (recent(getattr(led, f.name)) if f.name == "recent" else
                    repr(getattr(led, f.name))) for f in fields(led) if f.name != "history"}}
    s, r = snap.strength[pid], snap.rhythm[pid]
    row["strength"] = [s.score, s.shares, s.decay, s.half_life_days, s.days_since, s.one_way,
                       s.touch_days_year, s.meetings_year]
    row["rhythm"] = None if r is None else [r.days, r.gaps, r.since.isoformat()]
    people[pid] = row
cands = {{k: [c.kind, c.person, c.due.isoformat(), c.reason] for k, c in snap.candidates.items()}}
print(json.dumps({{"people": people, "candidates": cands}}, sort_keys=True, default=str))
"""


def snapshot(root: Path, path: Path, now: datetime, drop: bool = False) -> dict[str, dict]:
    code = CHILD.format(root=str(root), now=now.isoformat(), path=str(path), drop=drop)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def cycles(root: Path, count: int, people: int, keep: Path | None, new: int
           ) -> list[dict[str, dict]]:
    """The three cycles of ``ledger_scale.py`` with ``root``'s code, on a fresh copy; with this
    checkout's, a fourth: the last again with the cache rebuilt."""
    with tempfile.TemporaryDirectory(prefix="syncd-check-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        stored(path, count, people, keep)
        out = [snapshot(root, path, NOW), snapshot(root, path, NOW + timedelta(hours=1))]
        subprocess.run([sys.executable, "-c", ADD.format(root=str(root), path=str(path),
                                                          new=new, people=people)], check=True)
        out.append(snapshot(root, path, NOW + timedelta(days=1)))
        if root == ROOT:
            out.append(snapshot(root, path, NOW + timedelta(days=1), drop=True))
        return out


def _digest(snap: dict[str, dict]) -> str:
    return hashlib.sha256(json.dumps(snap, sort_keys=True).encode()).hexdigest()[:12]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="as ledger_scale.py")
    parser.add_argument("--root", type=Path, required=True, help="the checkout to compare with")
    args = parser.parse_args()
    other = cycles(args.root.resolve(), args.messages, args.people, args.keep, args.new)
    mine = cycles(ROOT, args.messages, args.people, args.keep, args.new)
    labels = ["first (derive all)", "nothing new", f"+{args.new} new", "cache rebuilt"]
    same = True
    for n, snap in enumerate(mine):
        theirs = other[min(n, len(other) - 1)]
        equal = snap == theirs
        same &= equal
        differ = sorted(p for p in set(snap["people"]) | set(theirs["people"])
                        if snap["people"].get(p) != theirs["people"].get(p))
        print(f"{labels[n]:>20}: {len(snap['people']):,} people, "
              f"{len(snap['candidates']):,} follow-ups, {_digest(snap)} "
              f"vs {_digest(theirs)} ({args.root}): "
              f"{'equal' if equal else f'DIFFERENT ({len(differ)} people, e.g. {differ[:3]})'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
