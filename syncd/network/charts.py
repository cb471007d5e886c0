"""The report's charts: inline SVG drawn by pygal (the optional extra ``syncd[report]``).

Every chart is plain SVG: pygal's inline tooltip script is removed, so the report runs no script
and loads nothing from elsewhere; the SVG scales to its container (``viewBox``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

from syncd.errors import SyncdError
from syncd.network.facts import Facts, Row

HALF, WIDE = 440, 900  # the drawing's own width: half-width charts keep their text readable
INSTALL_HINT = "pip install 'syncd[report]'"
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _pygal() -> Any:
    try:
        import pygal  # type: ignore[import-untyped]
    except ImportError:
        raise SyncdError("the HTML report draws its charts with pygal, which is not "
                         f"installed; install the optional extra: {INSTALL_HINT}") from None
    # pygal puts an import hook for its map plugins (unused here) in front of every import of
    # the process, one that warns on each lookup it does not know: take it out again.
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "pygal"]
    return pygal


def _style() -> Any:
    from pygal.style import Style  # type: ignore[import-untyped]

    return Style(background="transparent", plot_background="transparent",
                 foreground="#222", foreground_strong="#111", foreground_subtle="#999",
                 colors=("#2b6cb0", "#c05621", "#2f855a", "#718096"),
                 font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                 label_font_size=13, major_label_font_size=13, value_font_size=12,
                 title_font_size=16, legend_font_size=13)


def _render(chart: Any) -> str:
    svg = str(chart.render(is_unicode=True))
    return _COMMENT.sub("", _SCRIPT.sub("", svg))


def _chart(kind: str, *, height: int, width: int = HALF, **options: Any) -> Any:
    pygal = _pygal()
    settings: dict[str, Any] = {"js": [], "disable_xml_declaration": True, "style": _style(),
                                "width": width, "height": height, "show_legend": False,
                                "truncate_label": -1, "truncate_legend": -1}
    return getattr(pygal, kind)(**(settings | options))


def _counts(top: int) -> list[int]:
    """Whole-number axis labels from 0 to at least ``top`` (no '0.2 touches')."""
    step = max(1, -(-top // 6))
    return list(range(0, max(top, 1) + step, step))


def strongest(rows: Sequence[Row]) -> str:
    chart = _chart("HorizontalBar", height=max(160, 28 * len(rows) + 60), range=(0, 100),
                   y_labels=[0, 25, 50, 75, 100])
    shown = list(reversed(rows))  # pygal draws the first at the bottom
    chart.x_labels = [r.name for r in shown]
    chart.add("strength", [r.strength for r in shown])
    return _render(chart)


def balance(givers: Sequence[Row], takers: Sequence[Row]) -> str:
    """Givers and takers: the balance (what you gave minus what you received) per person."""
    shown = sorted([*takers, *givers], key=lambda r: r.balance)  # the biggest giver on top
    top = max(abs(r.balance) for r in shown)
    ticks = _counts(top)
    chart = _chart("HorizontalBar", height=max(180, 28 * len(shown) + 90), show_legend=True,
                   legend_at_bottom=True, y_labels=[-t for t in reversed(ticks[1:])] + ticks)
    chart.x_labels = [r.name for r in shown]
    chart.add("you gave more", [r.balance if r.balance > 0 else None for r in shown])
    chart.add("they gave more", [r.balance if r.balance < 0 else None for r in shown])
    return _render(chart)


def weekly(facts: Facts) -> str:
    counts = [n for _w, n in facts.weeks]
    chart = _chart("Bar", height=300, width=WIDE, show_minor_x_labels=False,
                   y_labels=_counts(max(counts, default=0)))
    chart.x_labels = [w.strftime("%d %b") for w, _n in facts.weeks]
    chart.x_labels_major = chart.x_labels[::4]
    chart.add("touches", counts)
    return _render(chart)


def introductions(facts: Facts) -> str:
    made = [n for _w, n in facts.intro_weeks]
    chart = _chart("Bar", height=260, show_legend=True, legend_at_bottom=True,
                   x_label_rotation=45, y_labels=_counts(max([*made, facts.intro_goal])))
    chart.x_labels = [w.strftime("%d %b") for w, _n in facts.intro_weeks]
    chart.add("introductions made", made)
    chart.add(f"goal ({facts.intro_goal} a week)", [facts.intro_goal] * len(facts.intro_weeks))
    return _render(chart)
