"""rules.classify on real mail from ../shared/data (see its MANIFEST.md); skipped when absent.

The production path: header sections read by ``syncd.commands.classify`` and parsed by the IMAP
connector's parser (only the headers it fetches), classified with an empty context (no self
addresses, nothing written to, nothing ignored). The targets are issue 3's; the figures measured
(``bench/classify_eval.py``, recorded in bench/README.md):

- sisimai ``maildir/bsd`` (bounces from ~100 MTAs, RFC 3834 auto-replies, ARF reports):
  630 of 631 non-personal (99.8%). The one left is a person forwarding a bounce.
- usrp-users mailing-list mbox: 1170 of 1170 parsable posts non-personal (List-Id on every
  post; 4 separators have an empty message behind them).
- SpamAssassin ``hard_ham`` (2002 newsletters and commercial mail): 236 of 249 non-personal
  (94.8%; 76.3% before the envelope, bulk-domain and display-name signals). Two of the 13 left
  are a person at Open Text writing in Japanese, which is personal.
- Berkeley-labelled Enron: of the 211 messages an annotator put in coarse genre 1.2 (purely
  personal) or 1.3 (personal in a professional context), 2 are dropped (0.9%): a
  customerservice@ confirmation and a "Declined:" calendar reply. Of the 1,684 not flagged
  2.10 (newsletter), 3 are dropped (0.2%).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rules.classify import ClassifyContext, Verdict, classify_message
from syncd.commands.classify import HeaderBlock, header_blocks, parse_block
from syncd.errors import ProtocolError

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"real-mail corpus not found at {DATA}"),
]
CONTEXT = ClassifyContext()


def _verdicts(*paths: Path) -> Iterator[Verdict]:
    for item in header_blocks(paths):
        if isinstance(item, HeaderBlock):
            try:
                message = parse_block(item)
            except ProtocolError:
                continue  # an empty message in an mbox: not mail, nothing to classify
            yield classify_message(message, CONTEXT)


def _share_non_personal(verdicts: Iterator[Verdict]) -> tuple[float, int]:
    found = list(verdicts)
    assert found, "no messages read"
    return sum(not v.personal for v in found) / len(found), len(found)


def test_bounces_and_auto_replies_are_not_personal() -> None:
    share, count = _share_non_personal(
        _verdicts(DATA / "sisimai-set-of-emails" / "maildir" / "bsd"))
    assert count > 600
    assert share >= 0.99


def test_mailing_list_posts_are_not_personal() -> None:
    share, count = _share_non_personal(
        _verdicts(DATA / "mailing-list-usrp-users" / "usrp-users-sample.mbox"))
    assert count > 1000
    assert share >= 0.99


def test_newsletters_and_commercial_mail_are_not_personal() -> None:
    share, count = _share_non_personal(
        _verdicts(DATA / "spamassassin-publiccorpus" / "hard_ham"))
    assert count > 240
    assert share >= 0.90


def _enron() -> Iterator[tuple[set[tuple[str, str]], Verdict]]:
    """(labels as (category, subcategory) pairs, verdict) per Berkeley-labelled message."""
    root = DATA / "enron-berkeley-categories" / "enron_with_categories"
    for cats in sorted(root.glob("*/*.cats")):
        labels = {(a, b) for a, b, *_ in (line.split(",") for line in cats.read_text().split())}
        (verdict,) = _verdicts(cats.with_suffix(".txt"))
        yield labels, verdict


def test_enron_personal_mail_is_almost_never_dropped() -> None:
    rows = list(_enron())
    assert len(rows) > 1600
    personal = [v for labels, v in rows if {("1", "2"), ("1", "3")} & labels]
    assert len(personal) > 200
    assert sum(not v.personal for v in personal) / len(personal) <= 0.02
    not_newsletters = [v for labels, v in rows if ("2", "10") not in labels]
    assert sum(not v.personal for v in not_newsletters) / len(not_newsletters) <= 0.02
