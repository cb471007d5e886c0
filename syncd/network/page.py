"""One self-contained HTML page: inline CSS and SVG, no script, nothing loaded from elsewhere;
readable on a phone (one column under 700px) and in print (``@media print``)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from syncd.network import charts
from syncd.network.facts import Facts, Row

CSS = """
:root { color-scheme: light; --ink: #1a202c; --muted: #5a6473; --line: #e2e8f0; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #f7fafc; }
header, main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.25rem; }
header h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
header p { margin: 0; color: var(--muted); }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 1.25rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem;
          min-width: 0; break-inside: avoid; }
section.wide { grid-column: 1 / -1; }
h2 { margin: 0 0 .5rem; font-size: 1.15rem; }
p.note { margin: .25rem 0 .75rem; color: var(--muted); font-size: .9rem; }
figure { margin: 0; }
figure svg { width: 100%; height: auto; display: block; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .4rem; border-bottom: 1px solid var(--line);
         vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
a { color: #2b6cb0; }
.empty { color: var(--muted); font-style: italic; }
@media (max-width: 700px) {
  main { grid-template-columns: 1fr; padding: .75rem; }
  header { padding: .75rem; }
  table { font-size: .85rem; }
  td.hide-small, th.hide-small { display: none; }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  main { display: block; max-width: none; }
  section { border: none; border-top: 1px solid #999; border-radius: 0; padding: .5rem 0;
            margin-bottom: .75rem; }
  a { color: inherit; text-decoration: none; }
}
"""


def _person(row: Row) -> str:
    return f'<a href="mailto:{escape(quote(row.email, safe="@"))}">{escape(row.name)}</a>'


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    cells = "".join(f'<th class="{c}">{escape(h)}</th>' for h, c in _classes(head))
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' for v, (_h, c) in
                                    zip(r, _classes(head), strict=True)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _classes(head: Sequence[str]) -> list[tuple[str, str]]:
    """A heading ending in '#' is a number column; one ending in '~' hides on a phone."""
    return [(h.rstrip("#~"), "n" if h.endswith("#") else "hide-small" if h.endswith("~")
             else "") for h in head]


def _section(title: str, note: str, body: str, *, wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""
    return (f"<section{cls}><h2>{escape(title)}</h2><p class=\"note\">{escape(note)}</p>"
            f"{body}</section>")


def _days(n: int | None) -> str:
    return "" if n is None else f"{n} d"


def render(facts: Facts, me: str = "") -> str:
    """The whole page. Raises ``SyncdError`` with the install hint when pygal is missing."""
    strongest = [[_person(r), str(r.strength), _days(r.rhythm_days), _days(r.silent_days),
                  f"{r.balance:+d}"] for r in facts.strongest]
    drifting = [[_person(r), _days(r.rhythm_days), _days(r.silent_days),
                 f"{(r.silent_days or 0) / (r.rhythm_days or 1):.1f}x", str(r.strength)]
                for r in facts.drifting]
    due = [[escape(d.start.strftime("%a %d %b %H:%M") if d.start else "not placed"),
            escape(d.kind.replace("_", " ")),
            (f'<a href="mailto:{escape(quote(d.email, safe="@"))}">{escape(d.name)}</a>'
             if d.email else escape(d.name)), escape(d.reason)] for d in facts.due]
    made = sum(n for _w, n in facts.intro_weeks)
    sections = [
        _section("Strongest relationships", "Strength 0-100: frequency, two-way reciprocity, "
                 "meetings and tenure, decaying since the last touch (syncd why NAME explains "
                 "each).", f"<figure>{charts.strongest(facts.strongest)}</figure>"
                 + _table(["person", "strength#", "usual gap#~", "silent#", "balance#~"],
                          strongest, "No two-way relationships yet.")),
        _section("Drifting", "Quiet for longer than usual: a reconnect reminder is planned, "
                 "or the silence is past the drift factor times the usual gap between touches.",
                 _table(["person", "usual gap#", "silent#", "ratio#", "strength#~"], drifting,
                        "Nobody is drifting.")),
        _section("Givers and takers", "Balance = what you gave (initiations, replies, "
                 "introductions) minus what you received.",
                 f"<figure>{charts.balance(facts.givers, facts.takers)}</figure>"
                 if facts.givers or facts.takers else '<p class="empty">All even.</p>'),
        _section("Introductions against the goal", f"{made} made in the last "
                 f"{len(facts.intro_weeks)} weeks; " + (
                     f"goal {facts.intro_goal} a week." if facts.intro_goal else
                     "no goal set ([goals] introductions_per_week)."),
                 f"<figure>{charts.introductions(facts)}</figure>"),
        _section("Touches per week", "Messages either way and meetings, the last year.",
                 f"<figure>{charts.weekly(facts)}</figure>", wide=True),
        _section("Follow-ups due", "What syncd plans in your calendar, soonest first.",
                 _table(["when", "kind", "person", "why~"], due, "Nothing due."), wide=True),
    ]
    title = "Your network" + (f": {me}" if me else "")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{facts.people} people; made by syncd on "
        f"{facts.generated.strftime('%Y-%m-%d %H:%M UTC')}. Names open a new message.</p>"
        f"</header><main>{''.join(sections)}</main></body></html>\n")
