"""``syncd why`` at scale: the synthetic store of ``bench/ledger_scale.py`` (N messages among P
people), derived once as a cycle would, then ``syncd why`` for the person with most mail, a
person with a few messages and one Message-ID, each the whole CLI in a fresh interpreter that
reports its own wall time and peak RSS (``VmHWM``).

    python bench/why_scale.py --messages 1000000 --people 20000     # the issue 16 size
    python bench/why_scale.py --root /path/to/other/checkout         # the same with other code

Prints figures; asserts nothing (DESIGN.md section 9).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ledger_scale import NOW, measure, stored  # noqa: E402

CHILD = r"""
import contextlib, io, json, sys, time
sys.path.insert(0, {root!r})
t0, c0 = time.perf_counter(), time.process_time()
from syncd.commands.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["--config", {config!r}, "why", {query!r}, "--json"])
took, cpu = time.perf_counter() - t0, time.process_time() - c0
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
data = json.loads(out.getvalue()) if code == 0 else {{}}
rows = len(data.get("counted", [])) + len(data.get("not_counted", []))
print(json.dumps({{"code": code, "seconds": took, "cpu": cpu, "rss_mb": hwm / 1024, "rows": rows}}))
"""


def why(root: Path, config: Path, query: str) -> dict[str, float]:
    code = CHILD.format(root=str(root), config=str(config), query=query)
    env = dict(os.environ, SYNCD_NOW=NOW.isoformat())
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose syncd runs")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the built store in DIR and reuse it (as ledger_scale.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncd-why-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        built = stored(path, args.messages, args.people, args.keep)
        derive = measure(path, NOW, args.root)  # the first cycle, as the daemon would have
        config = Path(tmp) / "config.toml"
        config.write_text(f'[me]\naddresses = ["dana@example.org"]\ntimezone = "Europe/Berlin"\n'
                          f'[store]\npath = "{path}"\n[[cadences]]\nname = "network"\n'
                          'min_exchanges = 2\nevery = "90d"\n', encoding="utf-8")
        print(f"{args.messages:,} messages, {args.people:,} people (store built in {built:.0f} s, "
              f"derived in {derive['compute']:.0f} s); code from {args.root}")
        print(f"{'query':>26} {'rows':>7} {'time':>8} {'CPU':>7} {'peak RSS':>9}")
        last = args.people - 1
        for query in ("p0@org0.example", f"p{last}@org{last % 700}.example",
                      f"b{args.messages // 2}@bench.example"):
            r = why(args.root, config, query)
            print(f"{query:>26} {int(r['rows']):>7,} {r['seconds']:>7.1f}s {r['cpu']:>6.1f}s "
                  f"{r['rss_mb']:>7.0f}MB"
                  + ("" if r["code"] == 0 else f"   exit {r['code']}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
