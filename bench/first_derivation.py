"""The first derivation without the network: a store filled with parsed mail, then the first
``compute_from_store`` (classify, thread, interactions, ledgers, follow-ups), timed in a fresh
interpreter per run that reports its CPU time, peak RSS (VmHWM) and a digest of what it derived,
so two checkouts can be compared on the same store, side by side.

    python bench/first_derivation.py --mailbox backfill --messages 100000
    python bench/first_derivation.py --mailbox enron --data ../shared/data --text preview
    python bench/first_derivation.py --root DIR_BEFORE            # DIR's code too, same store
    python bench/first_derivation.py --profile 30                 # cProfile, top 30 lines

Mailboxes: ``backfill`` is the synthetic mailbox of ``bench/imap_backfill.py`` (one big
subject/reference group), ``enron`` the five Enron users of the shared data as one account,
``ledger`` the store of ``bench/ledger_scale.py`` (threads of one to four messages, one person
per 50 messages).
Their header blocks are parsed by the IMAP source's own parser (``connectors._imap_parse``);
``--text preview`` also judges the start of each message's text (``rules.text_signals``) as the
IMAP source does with ``message_text = "preview"``. The store is built once per run (by this
checkout's code) and copied for every child. The digest covers the interactions (every touch
row), each message's verdict, personal flag and thread, ``written_to``, every person's ledger
and every wanted follow-up; equal digests mean the same results. Asserts nothing (DESIGN.md
section 9), but says when the digests differ.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ME = ("dana@example.org",)


def _raw_mail(kind: str, count: int, data: Path | None
              ) -> Iterator[tuple[str, bytes, datetime | None]]:
    sys.path.insert(0, str(ROOT / "bench"))
    import imap_backfill  # the same generator and the same Enron reading

    if kind == "backfill":
        yield from imap_backfill.mailbox(count)
    else:
        assert data is not None
        yield from imap_backfill.enron_mailbox(data)


def build_store(path: Path, kind: str, count: int, data: Path | None, text: str) -> int:
    """Parse each message's header block (and with ``text``, judge its text) into pages of
    2,000, as a first IMAP sync stores them; the number of messages stored."""
    sys.path.insert(0, str(ROOT))
    from connectors._imap_parse import parse_headers
    from rules.text_signals import judge
    from syncd.errors import ProtocolError
    from syncd.model import Message, Page
    from syncd.store import Store

    if kind == "ledger":  # the store of bench/ledger_scale.py: small threads, many people
        sys.path.insert(0, str(ROOT / "bench"))
        import ledger_scale

        ledger_scale.build_store(path, count, max(count // 50, 1))
        return count
    stored = 0
    with Store.open(path) as store:
        batch: list[Message] = []
        for n, (folder, raw, when) in enumerate(_raw_mail(kind, count, data)):
            raw = raw.replace(b"\r\n", b"\n")
            head, _, body = raw.partition(b"\n\n")
            try:
                m = parse_headers(head.replace(b"\n", b"\r\n") + b"\r\n", account="bench",
                                  native_id=f"{folder}/1/{n}", internaldate=when,
                                  labels=("\\Sent",) if folder == "Sent" else ("\\Inbox",),
                                  scope=folder)
            except ProtocolError:
                continue
            if text == "preview":
                words = body[:2048].decode("utf-8", "replace")
                m = Message(**{**{f: getattr(m, f) for f in m.__dataclass_fields__},
                               "signals": judge(words, m.sender, (*m.to, *m.cc))})
            batch.append(m)
            if len(batch) == 2000:
                store.ingest("bench", Page(tuple(batch), str(n), scope=folder))
                stored, batch = stored + len(batch), []
        if batch:
            store.ingest("bench", Page(tuple(batch), "end"))
            stored += len(batch)
    return stored


CHILD = r"""
import cProfile, hashlib, json, pstats, sys, time
sys.path.insert(0, {root!r})
from datetime import datetime
from pathlib import Path
from syncd import config as config_mod
from syncd.engine import placement
from syncd.pipeline import compute_from_store
from syncd.store import Store
cfg = config_mod.from_dict({{
    "me": {{"name": "Dana Example", "addresses": {me!r}, "timezone": "UTC"}},
    "cadences": [{{"name": "network", "min_exchanges": 2, "every": "90d"}}],
    "goals": {{"introductions_per_week": 2}}}})
now = datetime.fromisoformat({now!r})
profile = {profile!r}
prof = cProfile.Profile() if profile else None
t0, c0 = time.perf_counter(), time.process_time()
with Store.open(Path({path!r})) as store:
    if prof:
        prof.enable()
    snap = compute_from_store(cfg, store, now)
    placed = placement(cfg, snap, {{}}, {{}}, now)
    if prof:
        prof.disable()
    t1, c1 = time.perf_counter(), time.process_time()
    db = store.derived._db
    digest = hashlib.sha256()
    parts = {{
        "touches": "SELECT * FROM touches ORDER BY ref, person, direction, ts",
        "facts": "SELECT message_id, verdict, soft, outbound, sender, subject_key, intro, "
                 "personal, thread FROM facts ORDER BY message_id",
        "written_to": "SELECT address FROM written_to ORDER BY address",
        "members": "SELECT * FROM members ORDER BY message_id, person, thread",
    }}
    counts = {{}}
    for name, query in parts.items():
        rows = [repr(tuple(r)) for r in db.execute(query)]
        counts[name] = len(rows)
        digest.update(name.encode() + "\n".join(rows).encode())
    for pid in sorted(snap.ledgers):
        digest.update(repr(snap.ledgers[pid]).encode())
    for key in sorted(snap.candidates):
        c = snap.candidates[key]
        digest.update(repr((key, c.kind, c.person, c.anchor, placed.get(key))).encode())
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"wall": t1 - t0, "cpu": c1 - c0, "rss_mb": hwm / 1024,
                   "people": len(snap.ledgers), "followups": len(snap.candidates),
                   "counts": counts, "digest": digest.hexdigest()[:16]}}))
if prof:
    for order in ("cumulative", "tottime"):
        pstats.Stats(prof, stream=sys.stderr).sort_stats(order).print_stats(profile)
"""


def measure(path: Path, root: Path, profile: int) -> dict[str, object]:
    code = CHILD.format(root=str(root), now=NOW.isoformat(), path=str(path), me=list(ME),
                        profile=profile)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    if profile:
        print(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    global ME
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailbox", choices=["backfill", "enron", "ledger"], default="backfill")
    parser.add_argument("--messages", type=int, default=30_000, help="backfill, ledger: how many")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="enron: the shared data folder (default: ../shared/data)")
    parser.add_argument("--text", choices=["none", "preview"], default="none")
    parser.add_argument("--root", type=Path, action="append", default=[],
                        help="another checkout whose code runs too (before this one's); "
                             "may be given more than once")
    parser.add_argument("--runs", type=int, default=1, help="runs of each checkout, alternating")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="cProfile this checkout's run; print the top N lines")
    args = parser.parse_args()
    if args.mailbox == "enron":
        if not (args.data / "enron-maildir" / "maildir").is_dir():
            raise SystemExit(f"no Enron maildirs under {args.data} (give --data)")
        sys.path.insert(0, str(ROOT / "bench"))
        import imap_backfill

        ME = tuple(imap_backfill.enron_owners(args.data))
    with tempfile.TemporaryDirectory(prefix="syncd-first-") as tmp:
        built = Path(tmp) / "built.sqlite3"
        started = time.perf_counter()
        count = build_store(built, args.mailbox, args.messages, args.data, args.text)
        print(f"{args.mailbox}: {count:,} messages stored in {time.perf_counter() - started:.0f} "
              f"s (text {args.text})")
        digests: set[str] = set()
        for _ in range(args.runs):
            for root in [*args.root, ROOT]:
                path = Path(tmp) / "run.sqlite3"
                shutil.copyfile(built, path)
                r = measure(path, root, args.profile if root == ROOT else 0)
                digests.add(str(r["digest"]))
                print(f"  {root!s:<40} wall {r['wall']:6.2f} s  CPU {r['cpu']:6.2f} s  "
                      f"peak RSS {r['rss_mb']:5.0f} MB  people {r['people']:,}  follow-ups "
                      f"{r['followups']:,}  {r['counts']}  digest {r['digest']}")
        print("same results" if len(digests) == 1 else "RESULTS DIFFER")
    return 0


if __name__ == "__main__":
    sys.exit(main())
