"""How well rules.classify separates people from machines on real mail, and how fast.

    python bench/classify_eval.py [DATA_DIR]

DATA_DIR defaults to $SYNCD_DATA or ../shared/data next to the repository (see its MANIFEST.md).
Every message goes through the production path: header section only, parsed by
``connectors._imap_parse.parse_headers`` (the headers the IMAP connector fetches), classified
with an empty context (no self addresses, nothing written to, nothing ignored). Prints, per set,
the share classified as expected, then the CPU time to parse and classify 10,000 header sets.
Exits 0 with a note when the data is absent.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rules.classify import ClassifyContext, Verdict, classify_message  # noqa: E402
from syncd.commands.classify import HeaderBlock, header_blocks, parse_block  # noqa: E402
from syncd.errors import ProtocolError  # noqa: E402
from syncd.model import Message  # noqa: E402

CONTEXT = ClassifyContext()
TIMED = 10_000


@dataclass(frozen=True)
class Case:
    name: str
    expect: str  # "automated", "personal", or "" (a mixed set: share shown, no target)
    target: float  # the target share, 0 for none
    blocks: Callable[[Path], Iterator[HeaderBlock]]


def _blocks(*parts: str) -> Callable[[Path], Iterator[HeaderBlock]]:
    def read(data: Path) -> Iterator[HeaderBlock]:
        for item in header_blocks([data.joinpath(*parts)]):
            if isinstance(item, HeaderBlock):
                yield item
    return read


def _parsed(blocks: list[HeaderBlock]) -> tuple[list[HeaderBlock], list[Message], int]:
    """The blocks the parser accepts, their messages, and how many it refused."""
    kept, messages = [], []
    for block in blocks:
        try:
            messages.append(parse_block(block))
        except ProtocolError:
            continue
        kept.append(block)
    return kept, messages, len(blocks) - len(kept)


def _enron(wanted: Callable[[set[tuple[str, ...]]], bool]
           ) -> Callable[[Path], Iterator[HeaderBlock]]:
    """Berkeley-labelled Enron messages whose (category, subcategory) labels are ``wanted``."""
    def read(data: Path) -> Iterator[HeaderBlock]:
        root = data / "enron-berkeley-categories" / "enron_with_categories"
        for cats in sorted(root.glob("*/*.cats")):
            labels = {tuple(line.split(",")[:2]) for line in cats.read_text().split()}
            if wanted(labels):
                for item in header_blocks([cats.with_suffix(".txt")]):
                    if isinstance(item, HeaderBlock):
                        yield item
    return read


CASES = (
    Case("sisimai bounces and auto-replies", "automated", 0.99,
         _blocks("sisimai-set-of-emails", "maildir", "bsd")),
    Case("usrp-users mailing list", "automated", 0.99,
         _blocks("mailing-list-usrp-users", "usrp-users-sample.mbox")),
    Case("SpamAssassin hard_ham (newsletters, commercial)", "automated", 0.90,
         _blocks("spamassassin-publiccorpus", "hard_ham")),
    Case("SpamAssassin hard_ham_2 (held out, older release)", "automated", 0,
         _blocks("spamassassin-publiccorpus", "hard_ham_2")),
    Case("SpamAssassin easy_ham (lists + personal copies)", "", 0,
         _blocks("spamassassin-publiccorpus", "easy_ham")),
    Case("Enron labelled personal (genre 1.2, 1.3)", "personal", 0.98,
         _enron(lambda labels: bool({("1", "2"), ("1", "3")} & labels))),
    Case("Enron labelled, all but newsletters (2.10)", "personal", 0.98,
         _enron(lambda labels: ("2", "10") not in labels)),
)


def evaluate(data: Path) -> list[HeaderBlock]:
    print(f"{'set':52} {'msgs':>5} {'expected':>9} {'share':>7} {'target':>7}")
    everything: list[HeaderBlock] = []
    for case in CASES:
        blocks, messages, refused = _parsed(list(case.blocks(data)))
        everything.extend(blocks)
        verdicts = [classify_message(m, CONTEXT) for m in messages]
        if not verdicts:
            print(f"{case.name:52} {'absent':>5}")
            continue
        automated = sum(not v.personal for v in verdicts) / len(verdicts)
        share = 1 - automated if case.expect == "personal" else automated
        shown = case.expect or "non-pers."
        target = f">={case.target:.0%}" if case.target else "-"
        mark = "" if not case.target else ("  ok" if share >= case.target else "  MISSED")
        print(f"{case.name:52} {len(verdicts):5} {shown:>9} {share:7.1%} {target:>7}{mark}"
              + (f"  ({refused} unparsable header block(s) left out)" if refused else ""))
        if os.environ.get("SYNCD_BENCH_VERBOSE"):
            _show_misses(case, blocks, verdicts)
    return everything


def _show_misses(case: Case, blocks: list[HeaderBlock], verdicts: list[Verdict]) -> None:
    wanted = case.expect == "personal"
    for block, verdict in zip(blocks, verdicts, strict=True):
        if case.expect and verdict.personal != wanted:
            print(f"    {block.path}: {verdict.verdict}: {verdict.reasons[0]}")
    print("    verdicts:", dict(Counter(v.verdict for v in verdicts).most_common()))


def timing(blocks: list[HeaderBlock]) -> None:
    sample = list(itertools.islice(itertools.cycle(blocks), TIMED))
    start = time.process_time()
    for block in sample:
        classify_message(parse_block(block), CONTEXT)
    both = time.process_time() - start
    messages: list[Message] = [parse_block(b) for b in sample]
    start = time.process_time()
    for message in messages:
        classify_message(message, CONTEXT)
    alone = time.process_time() - start
    print(f"\nCPU time for {TIMED:,} header sets (cycled from the {len(blocks):,} above):")
    print(f"  parse + classify  {both:6.3f} s  ({both / TIMED * 1e6:5.1f} us each)")
    print(f"  classify alone    {alone:6.3f} s  ({alone / TIMED * 1e6:5.1f} us each)")


def main(argv: list[str]) -> int:
    default = os.environ.get("SYNCD_DATA") or str(ROOT.parent / "shared" / "data")
    data = Path(argv[1] if len(argv) > 1 else default)
    if not data.is_dir():
        print(f"classify_eval: no corpus at {data}; nothing to measure (see bench/README.md)")
        return 0
    blocks = evaluate(data)
    if blocks:
        timing(blocks)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
