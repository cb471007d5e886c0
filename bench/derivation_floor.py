"""What any first derivation of this design costs at least, against what it costs: the parts
that cannot be left out, each timed alone (CPU), on the store of ``bench/ledger_scale.py``.

    python bench/derivation_floor.py --messages 1000000 --people 20000 --keep DIR

A first derivation has to read every stored message and decode it into a ``Message`` (the
rules read those), judge it with the rules (``syncd.verdicts.make_fact``: the verdict and the
facts the later stages read; ``syncd.parties.touch_parts``: who it touches, and how), and write
what it derived: the rows of ``facts``, ``refs``, ``named``, ``touches``, ``members``, ``seen``,
``written_to`` and the ledger cache, with their indexes, committed. This bench derives the store
once the way ``syncd sync`` does (the figure to beat), then times each of those parts alone on
the same data: the scan of the messages, their decoding, the rules, the same rows written
through ``executemany`` 2,000 at a time into empty tables of the same schema, the indexes, the
commit. Their sum is a floor: what a derivation costs before it threads a single message, marks
a touch or sums a ledger, and before any temporary row. Asserts nothing (DESIGN.md section 9).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import ledger_scale  # noqa: E402  (the same store and config as the ledger benches)

if TYPE_CHECKING:
    from syncd.config import Config

# The derived tables a first derivation fills, as it stores them.
DERIVED = ("facts", "refs", "named", "touches", "members", "seen", "written_to",
           "ledger_parts", "ledger_cache")
BATCH = 2_000


def cpu() -> float:
    spent = os.times()
    return spent.user + spent.system


def timed(work: Callable[[], object]) -> float:
    started = cpu()
    work()
    return cpu() - started


def config() -> Config:
    from syncd import config as config_mod

    return config_mod.from_dict({
        "me": {"addresses": ["dana@example.org"], "timezone": "Europe/Berlin"},
        "cadences": [{"name": "network", "min_exchanges": 2, "every": "90d"}],
        "goals": {"introductions_per_week": 2}})


def derive(path: Path) -> float:
    """The first derivation as ``syncd sync`` runs it (``compute_from_store``): CPU seconds."""
    from syncd.pipeline import compute_from_store
    from syncd.store import Store

    cfg = config()
    with Store.open(path) as store:
        return timed(lambda: compute_from_store(cfg, store, ledger_scale.NOW))


def rows(db: sqlite3.Connection, query: str) -> Iterator[list[tuple[object, ...]]]:
    cursor = db.execute(query)
    while batch := cursor.fetchmany(BATCH):
        yield batch


def read_floor(path: Path) -> dict[str, float]:
    """Scan, decode and judge every message (each part's CPU, the one before subtracted)."""
    from rules.people import Directory  # noqa: F401  (imported before the clock starts)
    from syncd.interactions import classify_context
    from syncd.parties import parties, touch_parts
    from syncd.pipeline import directory_for
    from syncd.store import Store, codec
    from syncd.verdicts import _fact as fact_of  # (make_fact, given the parties it reads)

    cfg = config()
    query = f"SELECT {codec.COLUMNS} FROM messages"
    with Store.open(path) as store:
        directory = directory_for(cfg, store.address_book(), store.own_senders())
        context = classify_context(cfg, directory.self_addresses)
        db = store._db

        def scan() -> None:
            for _batch in rows(db, query):
                pass

        def decode() -> None:
            for batch in rows(db, query):
                for row in batch:
                    codec.message(row)

        def judge() -> None:
            for batch in rows(db, query):
                for row in batch:
                    m = codec.message(row)
                    p = parties(m, directory)
                    fact_of(m, p, m.date.timestamp(), directory, context)
                    touch_parts(m, p, cfg, directory)

        scanned = timed(scan)
        decoded = timed(decode)
        judged = timed(judge)
    return {"scan every message": scanned, "decode each into a Message": decoded - scanned,
            "the rules (make_fact, touch_parts)": judged - decoded}


def write_floor(derived: Path, work: Path) -> dict[str, float]:
    """The derived rows written into an empty store of the same schema, through
    ``executemany`` (rows fetched outside the clock), then its indexes, then the commit."""
    from syncd.store import schema

    target = work / "floor.sqlite3"
    db = sqlite3.connect(target, isolation_level=None)
    db.execute(f"PRAGMA page_size = {schema.PAGE_SIZE}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("ATTACH ? AS d", (str(derived),))
    db.execute("BEGIN")
    found: dict[str, float] = {}
    written = 0.0
    for table in DERIVED:
        create = db.execute("SELECT sql FROM d.sqlite_master WHERE type = 'table' AND name = ?",
                            (table,)).fetchone()[0]
        db.execute(create)
        width = len(db.execute(f"SELECT * FROM d.{table} LIMIT 0").description)
        insert = f"INSERT INTO main.{table} VALUES ({','.join('?' * width)})"
        for batch in rows(db, f"SELECT * FROM d.{table}"):
            started = cpu()
            db.executemany(insert, batch)
            written += cpu() - started
    found["write the derived rows (executemany)"] = written
    indexes = [sql for (sql,) in db.execute(
        f"SELECT sql FROM d.sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({','.join('?' * len(DERIVED))})", DERIVED)]
    found[f"build their {len(indexes)} indexes"] = timed(
        lambda: [db.execute(sql) for sql in indexes])
    found["commit"] = timed(lambda: db.execute("COMMIT"))
    db.close()
    return found


def rest_floor(derived: Path) -> dict[str, float]:
    """Two parts of the rest, each alone on the derived rows (read outside the clock): every
    touch marked with its place in its thread (``marking_held``, a thread at a time) and every
    touch summed into its person's ledger parts (``ledger_parts.summarize``, in person and time
    order)."""
    from zoneinfo import ZoneInfo

    from syncd.recent import DayFinder
    from syncd.store.ledger_parts import SCAN, summarize
    from syncd.touch_rows import marking_held

    db = sqlite3.connect(derived)
    marked = 0.0
    threads: list[list[tuple[Any, ...]]] = []

    def mark() -> float:
        started = cpu()
        for held in threads:
            marking_held(held)
        threads.clear()
        return cpu() - started

    rows = db.execute("SELECT thread, ts, ref, person, direction, subject, direct, address, "
                      "name, answered FROM touches WHERE direction IN ('in', 'out') "
                      "ORDER BY thread")
    for _, group in groupby(rows, key=itemgetter(0)):
        threads.append(list(group))
        if len(threads) >= BATCH:
            marked += mark()
    marked += mark()
    scanned = db.execute(f"SELECT {SCAN} FROM touches ORDER BY person, ts").fetchall()
    finder = DayFinder(ZoneInfo("Europe/Berlin"))
    db.execute("BEGIN")
    summed = timed(lambda: sum(1 for _ in summarize(db, scanned, finder)))
    db.execute("ROLLBACK")
    db.close()
    return {"mark every touch in its thread": marked,
            "sum every touch into its ledger": summed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the built store in DIR and reuse it (as ledger_scale.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncd-floor-") as tmp:
        work = Path(tmp)
        path = work / "bench.sqlite3"
        ledger_scale.stored(path, args.messages, args.people, args.keep)
        underived = work / "underived.sqlite3"
        shutil.copyfile(path, underived)
        whole = derive(path)
        parts = read_floor(underived)
        underived.unlink()
        parts |= write_floor(path, work)
        rest = rest_floor(path)
    floor = sum(parts.values())
    print(f"first derivation, {args.messages:,} messages, {args.people:,} people (CPU, "
          f"load {os.getloadavg()[0]:.1f})")
    print(f"  {'as syncd does it (compute_from_store)':<48} {whole:>7.1f} s")
    print("  the parts any derivation of this design needs, each alone:")
    for name, spent in parts.items():
        print(f"    {name:<46} {spent:>7.1f} s")
    print(f"  {'their sum: the floor':<48} {floor:>7.1f} s  ({floor / whole:.0%} of the whole)")
    print(f"  {'the rest: threading, marks, ledgers, temp rows':<48} {whole - floor:>7.1f} s")
    print("  of the rest, two parts no design of these tables can leave out, each alone:")
    for name, spent in rest.items():
        print(f"    {name:<46} {spent:>7.1f} s")
    least = floor + sum(rest.values())
    print(f"  {'the floor and those two':<48} {least:>7.1f} s  ({least / whole:.0%} of the whole)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
