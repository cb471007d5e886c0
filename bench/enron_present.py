"""Copy one Enron maildir user, moved forward in time so that a chosen day becomes this week.

    python bench/enron_present.py fossum-d OUTDIR --cut 2001-05-15 [--today 2026-12-05]
                                  [--data ../shared/data]

Every message's ``Date:`` header (and the file's mtime) is shifted by a whole number of weeks, so
that the cut day (a day in the original mail) lands in the week of ``--today`` (Monday to Sunday,
default: today's local date) on the same weekday; the cut day may therefore fall a few days after
``--today``. Messages dated after the cut day, in the Date header's own offset, are dropped. The
folder structure is kept and every other byte is left as it is: only the ``Date:`` line is
rewritten, with its original timezone text (``-0800 (PST)``) kept even where it no longer matches
daylight saving time. A message whose Date cannot be parsed is copied unchanged and counted.

OUTDIR becomes the copy of the user's directory (``OUTDIR/_sent_mail/...``); it must be absent or
empty. ``shift_user`` does the work and can be imported by another script.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"

# The header line as the Enron release writes it: "Date: Wed, 18 Oct 2000 07:03:00 -0700 (PDT)".
DATE_LINE = re.compile(
    rb"^Date:[ \t]*(?P<value>[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE
)
# Day name, then the wall-clock part that is rewritten, then the zone text that is kept verbatim.
WALL = re.compile(
    r"^(?P<dow>[A-Za-z]{3},\s*)?(?P<day>\d{1,2})\s+(?P<mon>[A-Za-z]{3})\s+(?P<year>\d{4})\s+"
    r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)(?P<zone>.*)$",
    re.DOTALL,
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def shift_weeks(cut: date, today: date) -> int:
    """Whole weeks that move ``cut`` into the week of ``today`` on the same weekday."""
    target = today - timedelta(days=today.weekday()) + timedelta(days=cut.weekday())
    return (target - cut).days // 7


def _header_end(raw: bytes) -> int:
    """Offset of the blank line that ends the header section (the whole message if none)."""
    match = re.search(rb"\r?\n\r?\n", raw)
    return match.start() if match else len(raw)


def _message_date(value: str) -> datetime | None:
    """The Date header as an aware datetime, or None when it cannot be parsed."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # "-0000": UTC, unknown


def _shifted_value(value: str, when: datetime, delta: timedelta) -> str:
    """The Date header value moved by ``delta``, its zone text kept as written."""
    wall = WALL.match(value)
    if wall is None:  # a parsable but unusual layout: write it afresh, same numeric offset
        return format_datetime(when + delta)
    seconds = wall["time"].count(":") == 2
    moved = when.replace(tzinfo=None) + delta  # wall-clock time; the offset text stays as is
    clock = moved.strftime("%H:%M:%S" if seconds else "%H:%M")
    dow = f"{DAYS[moved.weekday()]}, " if wall["dow"] else ""  # a day name only if there was one
    return f"{dow}{moved.day} {MONTHS[moved.month - 1]} {moved.year} {clock}{wall['zone']}"


def shift_user(src: Path, dest: Path, cut: date, today: date) -> dict[str, int]:
    """Copy the maildir user ``src`` into ``dest``, shifted so ``cut`` lands in ``today``'s week.

    Returns the counts: ``kept`` (written, unparsable ones included), ``dropped`` (dated after the
    cut day), ``unparsable`` (copied unchanged) and ``weeks`` (the shift).
    """
    weeks = shift_weeks(cut, today)
    delta = timedelta(weeks=weeks)
    counts = {"kept": 0, "dropped": 0, "unparsable": 0, "weeks": weeks}
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        end = _header_end(raw)
        line = DATE_LINE.search(raw, 0, end)
        when = _message_date(line["value"].decode("latin-1")) if line else None
        out = dest / path.relative_to(src)
        if line is None or when is None:
            counts["unparsable"] += 1
            counts["kept"] += 1
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(raw)
            continue
        if when.date() > cut:  # the day as the sender's clock showed it
            counts["dropped"] += 1
            continue
        value = _shifted_value(line["value"].decode("latin-1"), when, delta)
        start, stop = line.span("value")
        shifted = raw[:start] + value.encode("latin-1") + raw[stop:]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(shifted)
        stamp = (when + delta).timestamp()
        os.utime(out, (stamp, stamp))
        counts["kept"] += 1
    return counts


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("user", help="an Enron maildir user, e.g. fossum-d")
    parser.add_argument("outdir", type=Path, help="the copy of the user's directory (new)")
    parser.add_argument("--cut", type=_day, required=True, help="last day kept, YYYY-MM-DD")
    parser.add_argument("--today", type=_day, default=datetime.now().astimezone().date(),
                        help="the week the cut day moves into, YYYY-MM-DD (default: today)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"the shared data directory (default: {DEFAULT_DATA})")
    args = parser.parse_args(argv)

    src = args.data / "enron-maildir" / "maildir" / args.user
    if not src.is_dir():
        print(f"no such maildir user: {src}", file=sys.stderr)
        return 2
    if args.outdir.exists() and any(args.outdir.iterdir()):
        print(f"{args.outdir} is not empty; give a new directory", file=sys.stderr)
        return 2
    counts = shift_user(src, args.outdir, args.cut, args.today)
    landed = args.cut + timedelta(weeks=counts["weeks"])
    print(f"{args.user}: kept {counts['kept']}, dropped {counts['dropped']} (dated after "
          f"{args.cut}), unparsable Date kept unchanged {counts['unparsable']}")
    print(f"shifted by {counts['weeks']} weeks: {args.cut} is now {landed} "
          f"({DAYS[landed.weekday()]}) -> {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
