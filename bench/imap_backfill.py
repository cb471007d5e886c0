"""IMAP backfill benchmark (DESIGN.md section 9): figures and ratios measured in one run.

A synthetic mailbox (INBOX and Sent, realistic headers, a few hundred correspondents) is loaded
into a local Dovecot on 127.0.0.1; then each measurement runs in a fresh interpreter that times
itself after its imports and reports its own peak RSS (VmHWM):

  raw     imapclient UID FETCH of the same BODY.PEEK[HEADER.FIELDS (...)] + INTERNALDATE, in the
          same UID chunks, nothing else (the floor a header sync can reach in Python)
  source  ImapSource.pull end to end: STATUS, EXAMINE, SEARCH, fetch and parse into Messages
  sync    `syncd sync --dry-run --json` through the CLI's main() with a config file pointing at
          the server and a fresh store: fetch, store, classify, ledger, plan; once with
          `message_text = "none"` (headers only), once with "preview" (the text signals: one
          more FETCH of the first ~2 KB of the first text part per chunk) (only when
          syncd/engine.py and syncd/commands/cli.py exist; see measure_sync_dry_run)

A warm-up fetch runs first (Dovecot builds its header cache on the first fetch), so every
measured run reads a warm server. Each row gives wall time, the child's CPU time (steadier than
wall time on a shared machine), both as a ratio to the faster raw fetch (2,000- or 5,000-UID
chunks, each run twice), and for a sync the part of its wall time spent in the derivation after
the pull (``compute_from_store``: classify, thread, ledgers, plan). Usage:

    python bench/imap_backfill.py                 # 10k and 50k
    python bench/imap_backfill.py --sizes 100000  # the big one (about a minute or two)
    python bench/imap_backfill.py --before DIR    # DIR's `syncd sync` too, side by side
    python bench/imap_backfill.py --enron ../shared/data               # the five Enron users
    python bench/imap_backfill.py --enron ../shared/data --enron-sizes --sizes 50000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--code" in sys.argv:  # a child measuring another checkout's syncd (--before)
    sys.path.insert(0, sys.argv[sys.argv.index("--code") + 1])
sys.path.insert(0 if "--code" not in sys.argv else 1, str(ROOT))

from connectors._imap_parse import HEADER_FIELDS  # noqa: E402
from syncd.localservers.imap import ImapServer, start_imap_server  # noqa: E402

PASSWORD_ENV = "SYNCD_BENCH_IMAP_PASSWORD"
CHUNK = 2000
FIRST = ["anna", "ben", "carla", "dev", "elif", "femi", "grace", "hiro", "ines", "jon", "kai",
         "lena", "mo", "nora", "omar", "pia", "quinn", "ravi", "sara", "tomas", "uma", "vik"]
LAST = ["meyer", "okafor", "tanaka", "silva", "novak", "haddad", "larsen", "kowalski", "rossi",
        "nguyen", "fischer", "obi", "sato", "moreau", "petrov", "garcia"]
DOMAINS = ["acme.example", "globex.example", "initech.example", "umbrella.example",
           "example.com", "mail.example.net", "uni.example.edu", "studio.example.org"]
TOPICS = ["quarterly numbers", "lunch next week", "draft contract",
          "intro: two people you should meet", "re: the offsite", "slides for Tuesday",
          "hiring update", "invoice 2231",
          "coffee?", "feedback on the proposal", "travel plans", "Grüße aus Berlin"]


# -- the synthetic mailbox -------------------------------------------------------------------

def correspondents(rng: random.Random, count: int = 300) -> list[tuple[str, str]]:
    people: set[tuple[str, str]] = set()
    while len(people) < count:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.add((f"{first.title()} {last.title()}", f"{first}.{last}@{rng.choice(DOMAINS)}"))
    return sorted(people)


def mailbox(total: int, seed: int = 42) -> Iterator[tuple[str, bytes, datetime]]:
    """(folder, raw, internaldate): ~80% INBOX (some of it lists and notifications), ~20% Sent."""
    rng = random.Random(seed)
    people = correspondents(rng)
    me = ("Dana Example", "dana@example.org")
    start = datetime(2022, 1, 1, tzinfo=UTC)
    for n in range(total):
        when = start + timedelta(minutes=17 * n + rng.randrange(10))
        outbound = rng.random() < 0.2
        other = rng.choice(people)
        sender, to = (me, other) if outbound else (other, me)
        cc = rng.sample(people, rng.choice((0, 0, 0, 1, 2)))
        extra = ""
        if not outbound and rng.random() < 0.15:
            extra = ("List-Id: Project news <news.lists.example.com>\r\n"
                     "List-Unsubscribe: <mailto:leave@lists.example.com>\r\nPrecedence: list\r\n")
        reply = rng.random() < 0.4 and n > 0
        threading = (f"In-Reply-To: <m{n - 1}@bench.example>\r\n"
                     f"References: <m{max(n - 5, 0)}@bench.example> <m{n - 1}@bench.example>\r\n"
                     if reply else "")
        raw = (
            f"Return-Path: <{sender[1]}>\r\n"
            f"Received: from mx.{DOMAINS[n % len(DOMAINS)]} (mx [192.0.2.{n % 250}])\r\n"
            f"\tby imap.example.org with ESMTPS id {n:08x}; "
            f"{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            f"DKIM-Signature: v=1; a=rsa-sha256; d={sender[1].split('@')[1]}; s=s1;\r\n"
            f"\tbh={'x' * 44}=;\r\n\tb={'y' * 120}\r\n"
            f"From: {sender[0]} <{sender[1]}>\r\n"
            f"To: {to[0]} <{to[1]}>\r\n"
            + (f"Cc: {', '.join(f'{c[0]} <{c[1]}>' for c in cc)}\r\n" if cc else "")
            + f"Subject: {'Re: ' if reply else ''}{rng.choice(TOPICS)}\r\n"
            f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            f"Message-ID: <m{n}@bench.example>\r\n{threading}{extra}"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "X-Mailer: bench 1.0\r\n\r\n"
            f"Hello {to[0].split()[0]},\r\n\r\nsome words about item {n}.\r\n"
            f"\r\n-- \r\n{sender[0]}\r\n"
        ).encode()
        yield ("Sent" if outbound else "INBOX"), raw, when


def load(server: ImapServer, total: int, enron: Path | None = None) -> dict[str, int]:
    folders: dict[str, list[tuple[bytes, datetime | None]]] = {"INBOX": [], "Sent": []}
    for folder, raw, when in (mailbox(total) if enron is None else enron_mailbox(enron, total)):
        folders[folder].append((raw, when))
    return {name: server.append_many(name, items) for name, items in folders.items()}


# -- the real mailboxes ----------------------------------------------------------------------

ENRON_USERS = ("delainey-d", "fossum-d", "dean-c", "badeer-r", "cuilla-m")
ENRON_SENT = {"sent", "_sent_mail", "sent_items"}


def enron_files(data: Path) -> Iterator[tuple[str, Path]]:
    for user in ENRON_USERS:
        top = data / "enron-maildir" / "maildir" / user
        for path in sorted(p for p in top.rglob("*") if p.is_file()):
            yield ("Sent" if path.relative_to(top).parts[0] in ENRON_SENT else "INBOX"), path


def enron_mailbox(data: Path, total: int = 0) -> Iterator[tuple[str, bytes, datetime | None]]:
    """All five Enron users' folders as one account: their sent folders in Sent, every other
    folder in INBOX (all_documents and discussion_threads repeat inbox mail: the same
    Message-IDs, merged by the store as a real account's copies are).

    ``total`` (more than the 12,466 files): the files again and again, each copy moved in time
    by a multiple of five years (0, -5, +5, -10, +10, ...: the mail spans four years, so no
    thread, subject window or reply crosses two copies) with its Message-IDs made its own, up
    to ``total`` files: real mail's shapes (small threads, real subjects and people, real
    closure sizes) at the sizes of the synthetic mailbox. Without it, each file once."""
    files = list(enron_files(data))
    count = len(files) if total <= 0 else total
    for n in range(count):
        folder, path = files[n % len(files)]
        copy = n // len(files)
        raw = path.read_bytes()
        yield folder, raw if copy == 0 else _moved(raw, copy), None


_YEARS = (0, -5, 5, -10, 10, -15, 15, -20, -25, -30)  # from 2026 on would be in the future
_DATE_LINE = re.compile(rb"^Date:[ \t]*(.*?)\r?$", re.MULTILINE | re.IGNORECASE)
_ID_LINE = re.compile(rb"^(Message-ID:[ \t]*<)([^>\r\n]*)>", re.MULTILINE | re.IGNORECASE)


def _moved(raw: bytes, copy: int) -> bytes:
    """Enron message ``raw`` as copy ``copy``: its Date moved by ``_YEARS[copy]`` years, its
    Message-ID given the copy's suffix (the header section only; the body is untouched)."""
    from email.utils import format_datetime, parsedate_to_datetime

    head, sep, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(
        b"\n\n")
    years = _YEARS[copy % len(_YEARS)] + 50 * (copy // len(_YEARS))

    def date(found: re.Match[bytes]) -> bytes:
        try:
            when = parsedate_to_datetime(found[1].decode("latin-1"))
            moved = when.replace(year=when.year + years, day=min(when.day, 28))
        except (TypeError, ValueError, IndexError, OverflowError):
            return found[0]  # unreadable as it was: left so
        return b"Date: " + format_datetime(moved).encode()

    head = _DATE_LINE.sub(date, head, count=1)
    head = _ID_LINE.sub(lambda found: found[1] + found[2] + b".copy%d>" % copy, head, count=1)
    return head + sep + body


def enron_owners(data: Path) -> list[str]:
    """Each user's own address: the most common From of their sent mail."""
    owners: list[str] = []
    for user in ENRON_USERS:
        senders: Counter[str] = Counter()
        for folder, path in enron_files(data):
            if folder == "Sent" and f"/{user}/" in str(path):
                head = path.read_bytes().split(b"\n\n", 1)[0].decode("latin-1")
                found = re.search(r"^From:\s*(\S+@\S+)", head, re.MULTILINE)
                senders.update([found[1].strip("<>").lower()] if found else [])
        owners.extend(address for address, _ in senders.most_common(1))
    return owners


# -- measurements, each run in a child process --------------------------------------------------
#
# Each child times itself after its imports and reads its own peak RSS from /proc (VmHWM): the
# rusage of a child counts the parent's memory at fork, and the parent holds the mailbox.

def measure_raw(port: int, chunk: int = CHUNK) -> int:
    from imapclient import IMAPClient

    client = IMAPClient("127.0.0.1", port, ssl=False, timeout=120)
    client.login("dana", os.environ[PASSWORD_ENV])
    item = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS).upper()})]"
    count = 0
    for folder in ("INBOX", "Sent"):
        client.select_folder(folder, readonly=True)
        uids = sorted(client.search(["UID", "1:*"]))
        for i in range(0, len(uids), chunk):
            count += len(client.fetch(uids[i:i + chunk], [item, "INTERNALDATE"]))
    client.logout()
    return count


def measure_source(port: int) -> int:
    from connectors.imap import ImapSource
    from syncd.config import ImapAccount

    account = ImapAccount(type="imap", name="bench", host="127.0.0.1", port=port,
                          security="none", username="dana", password_env=PASSWORD_ENV)
    source = ImapSource(account, os.environ[PASSWORD_ENV], chunk=CHUNK)
    count = sum(len(page.items) for page in source.pull(None))
    source.close()
    return count


def measure_sync_dry_run(config: Path) -> int:
    """`syncd --config FILE sync --dry-run --json` through the CLI's own main(); items synced."""
    from syncd.commands.cli import main

    with tempfile.TemporaryFile() as out:
        saved = os.dup(1)
        os.dup2(out.fileno(), 1)  # the JSON report (and anything else) goes to the file
        try:
            code = main(["--config", str(config), "sync", "--dry-run", "--json"])
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
        out.seek(0)
        report = json.loads(out.read().decode() or "{}")
    if code != 0:
        raise SystemExit(f"syncd sync --dry-run exited {code}: {report}")
    return int(sum(account["items"] for account in report.get("accounts", [])))


def sync_available() -> bool:
    """Part (c) needs the engine and the CLI (syncd/engine.py run_cycle, syncd/commands/cli.py)."""
    engine, cli = ROOT / "syncd" / "engine.py", ROOT / "syncd" / "commands" / "cli.py"
    return engine.exists() and cli.exists() and "def run_cycle" in engine.read_text("utf-8")


def write_config(port: int, workdir: Path, text: str = "preview",
                 addresses: tuple[str, ...] = ("dana@example.org",)) -> Path:
    stamp = time.monotonic_ns()
    config = workdir / f"bench-{stamp}.toml"
    config.write_text(f"""[me]
name = "Dana Example"
addresses = {json.dumps(list(addresses))}
timezone = "UTC"

[store]
path = "{workdir / f'store-{stamp}.sqlite3'}"

[[accounts]]
name = "bench"
type = "imap"
host = "127.0.0.1"
port = {port}
security = "none"
username = "dana"
password_env = "{PASSWORD_ENV}"

[detection]
message_text = "{text}"
""", encoding="utf-8")
    return config


class ChildFailed(Exception):
    pass


Row = tuple[float, float, float, float | None]  # seconds, CPU seconds, peak RSS MB, derivation


def run_child(kind: str, port: int, expect: int, config: Path | None = None, *,
              chunk: int = CHUNK, code: Path | None = None) -> Row:
    """Run one measurement in a fresh interpreter: seconds, CPU seconds, peak RSS in MB and
    (a sync) the seconds of the derivation after the pull."""
    with tempfile.NamedTemporaryFile(suffix=".result") as result, \
            tempfile.TemporaryFile() as err:
        argv = [sys.executable, __file__, "--child", kind, "--port", str(port),
                "--result", result.name, "--chunk", str(chunk)] + (
                    ["--config", str(config)] if config else []) + (
                    ["--code", str(code)] if code else [])
        returncode = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                                    check=False).returncode
        err.seek(0)
        if returncode != 0:
            raise ChildFailed(f"{kind} failed ({returncode}):\n{err.read().decode()[-1500:]}")
        count, seconds, cpu, hwm_kib, derive = Path(result.name).read_text(
            encoding="utf-8").split()
    if expect >= 0 and int(count) != expect:  # -1: unchecked (real mail has quarantined items)
        raise ChildFailed(f"{kind} saw {count} messages, not {expect}")
    return (float(seconds), float(cpu), int(hwm_kib) / 1024,
            None if derive == "-" else float(derive))


def time_derivation(spent: list[float]) -> None:
    """Add the wall time of each ``compute_from_store`` of the cycle to ``spent`` (the sync
    child only: a measurement, nothing in the measured code changes)."""
    from syncd import engine

    derive = getattr(engine, "compute_from_store")  # noqa: B009 - imported there, not exported

    def timed(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return derive(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    setattr(engine, "compute_from_store", timed)  # noqa: B010


def child(args: argparse.Namespace) -> None:
    spent: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    if args.child == "raw":
        count = measure_raw(args.port, args.chunk)
    elif args.child == "source":
        count = measure_source(args.port)
    else:
        time_derivation(spent)
        count = measure_sync_dry_run(Path(args.config))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    hwm = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    derive = f"{sum(spent):.3f}" if spent else "-"
    Path(args.result).write_text(f"{count} {seconds:.3f} {cpu:.3f} {hwm} {derive}\n",
                                 encoding="utf-8")


# -- the run ---------------------------------------------------------------------------------

def bench(total: int, workdir: Path, before: Path | None = None,
          texts: tuple[str, ...] = ("none", "preview"), enron: Path | None = None) -> None:
    with start_imap_server(workdir / f"imap-{total}", kind="dovecot") as server:
        os.environ[PASSWORD_ENV] = server.password
        started = time.perf_counter()
        counts = load(server, total, enron)
        total = sum(counts.values())
        expect = -1 if enron else total
        me = tuple(enron_owners(enron)) if enron else ("dana@example.org",)
        print(f"\n== {total:,} messages{' (Enron)' if enron else ''} "
              f"(INBOX {counts['INBOX']:,}, Sent {counts['Sent']:,}), "
              f"Dovecot on 127.0.0.1; loaded in {time.perf_counter() - started:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        run_child("raw", server.port, expect)  # warm-up: Dovecot builds its header cache
        rows: list[tuple[str, Row]] = [
            ("raw imapclient header fetch", run_child("raw", server.port, expect)),
            ("raw, 5,000-UID chunks", run_child("raw", server.port, expect, chunk=5000)),
            ("ImapSource.pull (fetch + parse)", run_child("source", server.port, expect))]
        if sync_available():
            for text in texts:
                for label, code in (("before", before), ("", None)):
                    if label and code is None:
                        continue
                    try:
                        config = write_config(server.port, workdir, text, me)
                        rows.append((f"syncd sync --dry-run, text {text} {label}".rstrip(),
                                     run_child("sync", server.port, expect, config, code=code)))
                    except ChildFailed as exc:
                        print(f"   (syncd sync --dry-run could not be measured: {exc})")
        else:
            print("   (syncd sync --dry-run: the engine or the CLI is missing; skipped)")
        rows.append(("raw imapclient header fetch, again", run_child("raw", server.port, expect)))
        rows.append(("raw, 5,000-UID chunks, again",
                     run_child("raw", server.port, expect, chunk=5000)))
        report(total, rows)
        print(f"   load average at the end {os.getloadavg()[0]:.1f}")


def report(total: int, rows: list[tuple[str, Row]]) -> None:
    raw = min(row[0] for name, row in rows if name.startswith("raw"))
    raw_cpu = min(row[1] for name, row in rows if name.startswith("raw"))
    print(f"   {'':<40} {'wall':>8} {'msg/s':>8} {'x raw':>6} {'CPU':>7} {'x raw':>6} "
          f"{'derive':>7} {'peak RSS':>9}")
    for name, (seconds, cpu, rss, derive) in rows:
        derived = "" if derive is None else f"{derive:6.2f}s"
        print(f"   {name:<40} {seconds:7.2f}s {total / seconds:8,.0f} {seconds / raw:6.2f} "
              f"{cpu:6.2f}s {cpu / raw_cpu:6.2f} {derived:>7} {rss:6.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--child", choices=["raw", "source", "sync"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--chunk", type=int, default=CHUNK, help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--texts", nargs="+", choices=["none", "preview"],
                        default=["none", "preview"],
                        help="the [detection] message_text settings to sync with")
    parser.add_argument("--enron", type=Path, metavar="DATA",
                        help="instead of the synthetic mailbox: the five Enron users of the "
                             "shared data folder DATA (e.g. ../shared/data) as one account")
    parser.add_argument("--enron-sizes", action="store_true",
                        help="with --enron: the Enron files again, each copy moved in time by "
                             "five years, up to each of --sizes messages (for memory at scale)")
    parser.add_argument("--before", type=Path,
                        help="another checkout (e.g. `git worktree add`): its `syncd sync` is "
                             "measured too, in the same run")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="syncd-bench-") as tmp:
        if args.enron is not None:
            if not (args.enron / "enron-maildir" / "maildir").is_dir():
                raise SystemExit(f"no Enron maildirs under {args.enron}")
            for total in args.sizes if args.enron_sizes else [0]:
                bench(total, Path(tmp), args.before, tuple(args.texts), args.enron)
            return
        for total in args.sizes:
            bench(total, Path(tmp), args.before, tuple(args.texts))


if __name__ == "__main__":
    main()
