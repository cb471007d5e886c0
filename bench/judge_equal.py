"""Judging the words, two checkouts side by side: the same flags, message by message, and the
CPU time of each (DESIGN.md section 9).

    python bench/judge_equal.py --before /tmp/j3/base --data /work/shared/data
    python bench/judge_equal.py --before DIR --data DATA --rounds 5   # more timing rounds
    python bench/judge_equal.py --before DIR --data DATA --profile 25  # cProfile of this tree

Every Enron message of the shared data (the five users, every folder; copies with the same
Message-ID judged once) is read as the IMAP preview reads it: the first ~2 KB
(``PREVIEW_BYTES``) of its first text part as the server serves it (CRLF line ends), decoded by
``connectors._imap_preview.decode``, and judged by ``rules.text_signals.judge`` with the
sender and recipients (To and Cc) the IMAP header parse gives, as ``ImapSource`` passes them.
Each checkout (``--before`` and this one) runs in its own interpreter with only its own code on
``sys.path``; the children take turns (before, this, before, this, ...), each judging every
text ``--passes`` times and reporting the fastest pass's CPU time (``time.process_time``) and
the flags (never the text) of each message. The parent prints how many messages got other
flags (0 means the same behaviour) and a few of their Message-IDs, and each checkout's CPU
time per message (the fastest of its rounds) with the load average. Asserts nothing.
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
USERS = ("delainey-d", "fossum-d", "dean-c", "badeer-r", "cuilla-m")

CHILD = r"""
import cProfile, email, json, pstats, sys, time
from email.policy import compat32
from pathlib import Path
sys.path.insert(0, {root!r})
from connectors._imap_parse import parse_headers
from connectors._imap_preview import TextPart, decode
from rules.text_signals import PREVIEW_BYTES, judge
from syncd.errors import ProtocolError

def text_part(raw):
    # the first text/plain part (else text/html) and its bytes as the server serves them
    message = email.message_from_bytes(raw, policy=compat32)
    found = [p for p in message.walk() if p.get_content_maintype() == "text"
             and p.get_content_subtype() in ("plain", "html")
             and not str(p.get("content-disposition", "")).lower().startswith("attachment")]
    plain = [p for p in found if p.get_content_subtype() == "plain"]
    chosen = (plain or found or [None])[0]
    if chosen is None:
        return None
    if chosen is message:
        body = raw.partition(b"\r\n\r\n")[2]
    else:
        body = chosen.get_payload(decode=False).encode("utf-8", "surrogateescape")
        body = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    part = TextPart("1", chosen.get_content_subtype(),
                    str(chosen.get("content-transfer-encoding", "7bit")).strip().lower(),
                    chosen.get_content_charset() or "us-ascii")
    return decode(body[:PREVIEW_BYTES], part)

inputs, seen = [], set()
top = Path({data!r}) / "enron-maildir" / "maildir"
for user in {users!r}:
    for path in sorted(p for p in (top / user).rglob("*") if p.is_file()):
        raw = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        head = raw.partition(b"\r\n\r\n")[0] + b"\r\n\r\n"
        try:
            m = parse_headers(head, account="bench", native_id=str(path), internaldate=None,
                              labels=(), scope="INBOX")
        except ProtocolError:
            continue
        if m.message_id in seen:
            continue
        seen.add(m.message_id)
        text = text_part(raw)
        if text is not None:
            inputs.append((m.message_id, text, m.sender, m.to + m.cc))

profile = {profile!r}
best, flags = None, None
for _ in range({passes!r}):
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    started = time.process_time()
    out = [judge(text, sender, people) for _, text, sender, people in inputs]
    spent = time.process_time() - started
    if prof:
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(profile)
    best = spent if best is None else min(best, spent)
    flags = out
Path({result!r}).write_text(json.dumps({{
    "cpu": best, "flags": [[mid, list(f)] for (mid, *_), f in zip(inputs, flags)]}}),
    encoding="utf-8")
"""


def run(code: Path, data: Path, passes: int, profile: int) -> tuple[float, dict[str, list[str]]]:
    with tempfile.TemporaryDirectory(prefix="judge-equal-") as tmp:
        result = Path(tmp) / "result.json"
        script = CHILD.format(root=str(code), data=str(data), users=USERS, passes=passes,
                              profile=profile, result=str(result))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=tmp)
        found = json.loads(result.read_text(encoding="utf-8"))
    return found["cpu"], {mid: flags for mid, flags in found["flags"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", type=Path, required=True,
                        help="the other checkout (e.g. `git archive main | tar -x -C DIR`)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="the shared data folder (holds enron-maildir)")
    parser.add_argument("--rounds", type=int, default=3, help="turns each checkout takes")
    parser.add_argument("--passes", type=int, default=2, help="judging passes per turn")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="only this checkout, once, with cProfile's top N lines")
    args = parser.parse_args()
    if not (args.data / "enron-maildir" / "maildir").is_dir():
        raise SystemExit(f"no Enron maildirs under {args.data}")
    if args.profile:
        run(ROOT, args.data, 1, args.profile)
        return
    print(f"load average at the start {os.getloadavg()[0]:.2f}")
    times: dict[str, list[float]] = {"before": [], "this": []}
    flags: dict[str, dict[str, list[str]]] = {}
    for _ in range(args.rounds):
        for name, code in (("before", args.before), ("this", ROOT)):
            cpu, flags[name] = run(code.resolve(), args.data, args.passes, 0)
            times[name].append(cpu)
    before, this = flags["before"], flags["this"]
    differ = sorted(mid for mid in before.keys() | this.keys() if before.get(mid) != this.get(mid))
    print(f"{len(before):,} messages judged (before), {len(this):,} (this checkout); "
          f"{len(differ)} with other flags")
    for mid in differ[:10]:
        print(f"   {mid}: before {before.get(mid)}, this {this.get(mid)}")
    count = max(len(before), 1)
    for name in ("before", "this"):
        shown = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"{name:>6}: {min(times[name]) / count * 1e6:6.1f} µs a message "
              f"(CPU {shown} s per pass, fastest of each turn)")
    print(f"speed-up {min(times['before']) / min(times['this']):.2f}x; "
          f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
