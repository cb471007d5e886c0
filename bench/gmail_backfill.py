"""Gmail backfill against the local wire-format server (never Google): quota and speed.

    python bench/gmail_backfill.py [MESSAGES]        # default 100000

Prints, for the Gmail source (connectors/gmail.py) driven through google-api-python-client:
1. quota units spent per backfilled message (budget accounting: getProfile 1, messages.list 5,
   messages.get 20, history.list 2 - the defaults for new Cloud projects);
2. HTTP requests per idle poll (incremental pull with nothing new);
3. messages per second at a configured quota against what that quota allows
   (quota / 60 / 20 messages a second), real clock, the token bucket pacing;
4. peak RSS of the syncd process for MESSAGES messages (the server runs in a child process, and
   the quota is set so high it never waits; pages are consumed and dropped as the engine's
   store would take them).
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors._google_http import Policy
from connectors.gmail import GmailSource
from syncd.config import GoogleAccount
from tests.fakes.google_server import GoogleServer
from tests.fixtures_google import header_list


def _fill(server: GoogleServer, count: int) -> None:
    base = 1_700_000_000_000
    for n in range(count):
        server.fake.add_message(header_list(n), internal_ms=base + n * 1000,
                                labels=("INBOX", "CATEGORY_PERSONAL"))


def _serve(count: int, conn: multiprocessing.connection.Connection) -> None:
    server = GoogleServer()
    _fill(server, count)
    conn.send((server.root, server.token_json()))
    conn.recv()  # until the parent is done
    conn.send(server.fake.http_requests)
    server.close()


def _source(root: str, token: str, state: Path, quota: int) -> GmailSource:
    (state / "tokens").mkdir(parents=True, exist_ok=True, mode=0o700)
    (state / "tokens" / "bench.json").write_text(token)
    account = GoogleAccount(name="bench", type="gmail", client_secrets="/dev/null",
                            api_endpoint=root, quota_per_minute=quota)
    return GmailSource(account, state_dir=state, policy=Policy(attempts=3, base_wait=0.1))


def run_in_child(count: int, quota: int, state: Path) -> tuple[GmailSource, list[int], str, float]:
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=_serve, args=(count, child), daemon=True)
    proc.start()
    root, token = parent.recv()
    source = _source(root, token, state, quota)
    t0 = time.perf_counter()
    got, cursor = 0, None
    for page in source.pull(None):
        got += len(page.items)
        cursor = page.cursor
    elapsed = time.perf_counter() - t0
    assert cursor is not None and got == count, (got, count)
    parent.send("done")
    parent.recv()
    source.close()
    proc.join()
    return source, [got], cursor, elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        # 4: peak RSS for `count` messages, server in a child process, quota never binding
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _, _, _, elapsed = run_in_child(count, 10**12, state / "c")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"{count:,} messages backfilled in {elapsed:.1f} s ({count / elapsed:.0f}/s, quota "
              f"not binding); peak RSS {rss / 1024:.0f} MiB (before the run {rss0 / 1024:.0f} MiB)")
        # 1 and 2: units per message, requests per idle poll (small mailbox, in-process server)
        server = GoogleServer()
        _fill(server, 1000)
        source = _source(server.root, server.token_json(), state / "a", 10**9)
        pages = list(source.pull(None))
        spent = source.session.budget.spent
        before = server.fake.http_requests
        idle = list(source.pull(pages[-1].cursor))
        idle_requests = server.fake.http_requests - before
        source.close()
        server.close()
        print(f"quota units per backfilled message (1,000 messages): {spent / 1000:.3f} "
              f"(messages.get alone: 20)")
        print(f"HTTP requests per idle poll: {idle_requests} (pages yielded: {len(idle)})")

        # 3: pacing at a configured quota (60,000 units/min: 50 messages.get a second allowed)
        quota, n = 60_000, 1200
        server = GoogleServer()
        _fill(server, n)
        source = _source(server.root, server.token_json(), state / "b", quota)
        t0 = time.perf_counter()
        list(source.pull(None))
        elapsed = time.perf_counter() - t0
        source.close()
        server.close()
        allowed = quota / 60 / 20
        steady = (source.session.budget.spent - 0.05 * quota) / 20 / elapsed
        print(f"messages per second at quota {quota:,}/min ({n} messages, {elapsed:.1f} s): "
              f"{n / elapsed:.1f} including the {0.05 * quota:.0f}-unit burst, {steady:.1f} "
              f"steady state; the quota allows {allowed:.1f} ({steady / allowed:.1%})")



if __name__ == "__main__":
    main()
