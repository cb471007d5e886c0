"""How right syncd's nudges and owed replies are on real mailboxes, against hand-made keys.

    python bench/followup_eval.py [--data DATA_DIR] [--today 2026-12-07] [--only fossum-d]

For each answer key in bench/followup_keys/*.json (see its README.md): the Enron mailbox is
moved into the present (``enron_present.shift_user``: the cut day lands in the week of
``--today``), loaded into a local IMAP server (Dovecot when installed, else pymap; sent folders
to ``Sent``, everything else to ``INBOX``), pulled through the production ``ImapSource`` (header
fetch plus the text preview when ``message_text = "preview"``), and planned by
``syncd.pipeline.compute`` with ``now`` pinned to the end of the (shifted) cut day. The planned
``nudge`` and ``owed_reply`` follow-ups are then scored at the person level:

- expected nudge people: the ``asked`` addresses of ``ask_unanswered`` messages whose date plus
  ``nudge_after`` (5 days) falls by the end of the cut day;
- expected owed people: the senders of ``owed`` messages whose date plus ``owed_reply_after``
  (2 days) falls by the end of the cut day;
- planned: the ``nudge`` and ``owed_reply`` candidates due by the end of the cut day (one a
  person and kind, as syncd plans them);
- a follow-up about a message dated before the key's window (its anchor) has no label to be
  judged by: it is counted apart and not scored;
- a planned follow-up is a true positive when one of its person's addresses is expected, else a
  false positive (a reminder for an ``excluded`` sender, a self address or anyone else);
  precision = true positives / planned, recall = expected people covered / expected people.

Also printed: self addresses among the contacts and follow-ups for excluded (non-person) senders.
``--text none`` plans from headers only; ``--primary-only`` configures only the key's first self
address, so that the user's other addresses must be found by syncd. Exits 0 with a note when
the data is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from contextlib import closing
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from enron_present import shift_user, shift_weeks  # noqa: E402

from connectors.imap import ImapSource  # noqa: E402
from rules.identity import normalize_address  # noqa: E402
from syncd import config as config_mod  # noqa: E402
from syncd.localservers.imap import start_imap_server  # noqa: E402
from syncd.model import Message  # noqa: E402
from syncd.pipeline import compute  # noqa: E402

KEYS = ROOT / "bench" / "followup_keys"
DEFAULT_DATA = next((p for p in (ROOT.parent / "shared" / "data",
                               ROOT.parents[1] / "shared" / "data") if p.is_dir()),
                    ROOT.parent / "shared" / "data")
SENT = {"sent", "_sent_mail", "sent_items"}
NAMES = {"fossum-d": "Drew Fossum", "delainey-d": "David Delainey",  # what me.name would say
         "dean-c": "Clint Dean", "cuilla-m": "Martin Cuilla", "badeer-r": "Robert Badeer"}
PASSWORD_ENV = "SYNCD_BENCH_IMAP_PASSWORD"
TARGET_P, TARGET_R = 0.85, 0.7


def _norm(address: str) -> str:
    return normalize_address(address.strip())


def _mid(value: str) -> str:
    return value.strip().strip("<>")


def load(server_dir: Path, shifted: Path, tmp: Path, text: str) -> list[Message]:
    """The shifted mailbox through a real IMAP server and the production connector."""
    with start_imap_server(tmp / "imap") as server:
        by_folder: dict[str, list[tuple[bytes, datetime | None]]] = {"INBOX": [], "Sent": []}
        for path in sorted(p for p in shifted.rglob("*") if p.is_file()):
            folder = path.relative_to(shifted).parts[0]
            raw = path.read_bytes()  # delivered when it was dated (INTERNALDATE = Date)
            by_folder["Sent" if folder in SENT else "INBOX"].append((raw, _dated(raw)))
        for folder, raws in by_folder.items():
            server.append_many(folder, raws)
        os.environ[PASSWORD_ENV] = server.password
        account = config_mod.ImapAccount(
            type="imap", name="enron", host=server.host, port=server.port, security="none",
            username=server.user, password_env=PASSWORD_ENV, timeout=60)
        out: list[Message] = []
        source_args = {"preview": text == "preview"} if _has_text_key() else {}
        with closing(ImapSource(account, server.password, **source_args)) as source:
            for page in source.pull(None):
                out += [m for m in page.items if isinstance(m, Message)]
        del server_dir
        return out


def _dated(raw: bytes) -> datetime | None:
    found = re.search(rb"(?im)^Date:[ \t]*([^\r\n]+)", raw[:raw.find(b"\n\n") % (1 << 20)])
    try:
        return parsedate_to_datetime(found.group(1).decode("latin-1")) if found else None
    except (TypeError, ValueError):
        return None


def _has_text_key() -> bool:
    account = config_mod.ImapAccount  # a pydantic model before issue 16 (d1), a dataclass since
    return "message_text" in (getattr(account, "model_fields", None)
                              or getattr(account, "__dataclass_fields__", {}))


def score(planned: Iterable[set[str]], expected: set[str]) -> tuple[int, int, int, int]:
    """(true positives, planned, expected covered, expected)."""
    planned = list(planned)
    tp = sum(1 for addresses in planned if addresses & expected)
    covered = len({a for addresses in planned for a in addresses} & expected)
    return tp, len(planned), covered, len(expected)


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def evaluate(name: str, data: Path, today: date, text: str, verbose: bool,
             primary_only: bool = False) -> dict[str, object]:
    key = json.loads((KEYS / f"{name}.json").read_text())
    cut = date.fromisoformat(key["cut"])
    weeks = shift_weeks(cut, today)
    delta = timedelta(weeks=weeks)
    first = next(iter(key["outbound"] or key["inbound"] or key["excluded"]))["date"]
    offset = datetime.fromisoformat(first).utcoffset() or timedelta(0)
    cut_end = datetime.combine(cut, time(23, 59, 59), timezone(offset))
    now = cut_end + delta
    user = key.get("user", name)  # a second key on one mailbox: "fossum-d-2", user "fossum-d"
    src = data / "enron-maildir" / "maildir" / user
    with tempfile.TemporaryDirectory(prefix="syncd-followup-eval-") as tmp_name:
        tmp = Path(tmp_name)
        shift_user(src, tmp / "mail", cut, today)
        messages = load(tmp, tmp / "mail", tmp, text)
    selfs = [_norm(a) for a in key["self_addresses"]]
    config = config_mod.from_dict({
        "me": {"name": key.get("name") or NAMES.get(user, ""),
               "addresses": selfs[:1] if primary_only else selfs,
               "timezone": "America/Chicago"},
        **({"detection": {"message_text": text}} if _has_text_key() else {}),
    })
    snap = compute(config, messages, [], now)
    nudge_after = config.reciprocity.nudge_after
    owed_after = config.reciprocity.owed_reply_after
    expected_nudge = {_norm(a) for m in key["outbound"] if m["label"] == "ask_unanswered"
                      and datetime.fromisoformat(m["date"]) + nudge_after <= cut_end
                      for a in m["asked"]}
    expected_owed = {_norm(m["from"]) for m in key["inbound"] if m["label"] == "owed"
                     and datetime.fromisoformat(m["date"]) + owed_after <= cut_end}
    excluded = {_norm(m["from"]) for m in key.get("excluded", [])}
    planned: dict[str, list[set[str]]] = {"nudge": [], "owed_reply": []}
    lines: list[str] = []
    window_start = (cut_end - timedelta(days=key.get("window_days", 21))) + delta
    dated = {m.message_id: m.date for m in messages}
    unjudged = 0
    for cand in snap.candidates.values():
        if cand.kind in planned and cand.due <= now:  # due by the end of the cut day
            anchor = cand.anchor.split(":")[1] if ":" in cand.anchor else ""
            if anchor in dated and dated[anchor] < window_start:
                unjudged += 1  # about a message before the key's window: no label to judge by
                continue
            addresses = {_norm(a) for a in snap.directory.addresses(cand.person)}
            planned[cand.kind].append(addresses)
            hit = addresses & (expected_nudge if cand.kind == "nudge" else expected_owed)
            lines.append(f"    {'ok ' if hit else 'FP '} {cand.kind:10} {min(addresses)}: "
                         f"{cand.reason}")
    result: dict[str, object] = {"mailbox": name, "messages": len(messages),
                                 "unjudged": unjudged}
    for kind, expected in (("nudge", expected_nudge), ("owed_reply", expected_owed)):
        tp, n, covered, total = score(planned[kind], expected)
        result[kind] = (tp, n, covered, total)
        if verbose:
            for address in sorted(expected - {a for s in planned[kind] for a in s}):
                lines.append(f"    FN  {kind:10} {address}")
    contacts = {_norm(a) for pid in snap.ledgers for a in snap.directory.addresses(pid)}
    result["self_contacts"] = sorted(set(selfs) & contacts)
    result["excluded_followups"] = sum(
        1 for kind in planned for s in planned[kind] if s & excluded)
    result["lines"] = lines
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get(
        "SYNCD_DATA", DEFAULT_DATA)))
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 7))
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--text", choices=("preview", "none"), default="preview")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--primary-only", action="store_true",
                        help="configure only the key's first self address (and the name): "
                             "syncd must find the user's other addresses itself")
    args = parser.parse_args(argv)
    if not (args.data / "enron-maildir" / "maildir").is_dir():
        print(f"note: no Enron maildirs under {args.data}; nothing to evaluate")
        return 0
    names = args.only or sorted(p.stem for p in KEYS.glob("*.json"))
    print(f"targets: precision >= {TARGET_P}, recall >= {TARGET_R}; message_text = {args.text}")
    print(f"{'mailbox':12} {'kind':10} {'planned':>7} {'tp':>4} {'P':>5} "
          f"{'expected':>8} {'found':>5} {'R':>5}")
    pooled = {kind: [0, 0, 0, 0] for kind in ("nudge", "owed_reply")}
    for name in names:
        result = evaluate(name, args.data, args.today, args.text, args.verbose,
                          args.primary_only)
        for kind in ("nudge", "owed_reply"):
            tp, n, covered, total = result[kind]  # type: ignore[misc]
            pooled[kind] = [a + b for a, b in zip(pooled[kind], (tp, n, covered, total),
                                                  strict=True)]
            print(f"{name:12} {kind:10} {n:7} {tp:4} {_ratio(tp, n):>5} {total:8} "
                  f"{covered:5} {_ratio(covered, total):>5}")
        print(f"{name:12} self addresses among contacts: {result['self_contacts'] or 'none'}; "
              f"follow-ups for non-person senders: {result['excluded_followups']}; "
              f"about mail before the window (not scored): {result['unjudged']}")
        if args.verbose:
            print("\n".join(result["lines"]))  # type: ignore[arg-type]
    if len(names) > 1:
        for kind, (tp, n, covered, total) in pooled.items():
            print(f"{'all':12} {kind:10} {n:7} {tp:4} {_ratio(tp, n):>5} {total:8} "
                  f"{covered:5} {_ratio(covered, total):>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
