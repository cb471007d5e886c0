"""The network report's facts, page and refresh (syncd/network/), on hand-made histories; the
browser's view of it is tests/integration/test_report_browser.py."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncd.network.facts import WEEKS, gather
from syncd.network.page import render
from syncd.network.write import Refresher, stale
from syncd.pipeline import compute
from syncd.render import render as render_event
from tests.factories import ME, NOW, config, mail

JANE, EVIL, OMAR = "jane@acme.example", "evil@bad.example", "omar@haddad.example"
BERLIN = ZoneInfo("Europe/Berlin")


def history() -> list:  # type: ignore[type-arg]
    out = []
    for n in range(10):  # Jane: every 12 days, quiet for 40 (past 3 x 12)
        ago = 40 + 12 * n
        out += [mail(JANE, ME, days_ago=ago + 0.1, subject=f"T{n}", mid=f"j{n}", name="Jane Roe"),
                mail(ME, JANE, days_ago=ago, subject=f"Re: T{n}", mid=f"jr{n}", reply_to=f"j{n}")]
    out += [mail(EVIL, ME, days_ago=3, mid="e1", name="<b>Evil</b> & Co"),
            mail(ME, EVIL, days_ago=2, mid="e2", reply_to="e1")]
    out += [mail(ME, OMAR, days_ago=5 + n, subject=f"Hi {n}", mid=f"o{n}") for n in range(4)]
    return out


def test_the_facts_hold_the_drifting_the_givers_and_a_year_of_weeks() -> None:
    snap = compute(config(goals={"introductions_per_week": 2}), history(), [], NOW)
    facts = gather(snap, {}, NOW, BERLIN, factor=3, goal=2)
    assert [r.pid for r in facts.drifting] == [JANE]
    assert facts.drifting[0].rhythm_days == 12 and facts.drifting[0].silent_days == 40
    assert [r.pid for r in facts.givers] == [OMAR] and facts.takers == []
    assert len(facts.weeks) == WEEKS and facts.weeks[-1][0].weekday() == 0
    assert sum(n for _w, n in facts.weeks) == 20 + 2 + 4  # every touch of the year, once
    assert facts.weeks[-1][1] == 2  # this week (Mon 16 - Fri 20 Nov): Evil's two; Omar's before
    assert [d.kind for d in facts.due].count("drift") == 1


def test_the_page_escapes_names_and_links_them_and_loads_nothing() -> None:
    pytest.importorskip("pygal")
    snap = compute(config(), history(), [], NOW)
    page = render(gather(snap, {}, NOW, BERLIN, factor=3, goal=0), "Dana")
    assert "<b>Evil</b>" not in page and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in page
    assert '<a href="mailto:jane@acme.example">Jane Roe</a>' in page
    assert "<script" not in page and "@media print" in page and "max-width: 700px" in page
    assert page.count("<svg") == 4


def test_without_the_extra_the_command_says_how_to_install_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from syncd.commands.cli import main

    monkeypatch.setitem(sys.modules, "pygal", None)  # as if not installed: import fails
    path = tmp_path / "c.toml"
    path.write_text(f'[me]\naddresses = ["{ME}"]\n[store]\npath = "{tmp_path / "s.db"}"\n',
                    encoding="utf-8")
    assert main(["--config", str(path), "report", "--html", str(tmp_path / "r.html")]) == 1
    assert "pip install 'syncd[report]'" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_the_daemon_refreshes_the_report_at_most_daily(tmp_path: Path) -> None:
    pytest.importorskip("pygal")
    target = tmp_path / "state" / "report.html"
    cfg = config(report={"path": str(target)})
    snap = compute(cfg, history(), [], NOW)
    refresh = Refresher()
    assert refresh(config(), snap, {}, NOW) is None  # no [report] path: nothing to do
    assert refresh(cfg, snap, {}, NOW) == target
    assert oct(target.stat().st_mode & 0o777) == "0o600"  # it names the user's contacts
    os.utime(target, (NOW.timestamp(), NOW.timestamp()))
    assert refresh(cfg, snap, {}, NOW + timedelta(hours=23)) is None
    assert not stale(target, NOW + timedelta(hours=23)) and stale(target, NOW + timedelta(days=1))
    assert refresh(cfg, snap, {}, NOW + timedelta(days=1, hours=1)) == target


def test_the_weekly_plan_links_to_the_report(tmp_path: Path) -> None:
    cfg = config(goals={"introductions_per_week": 1}, report={"path": str(tmp_path / "r.html")})
    snap = compute(cfg, history(), [], NOW)
    plan = next(c for c in snap.candidates.values() if c.kind == "weekly_plan")
    event = render_event(cfg, snap.directory, snap.ledgers, plan, NOW, "k")
    assert f"Your network report: {(tmp_path / 'r.html').as_uri()}" in event.description
    plain = config(goals={"introductions_per_week": 1})
    event = render_event(plain, snap.directory, snap.ledgers, plan, NOW, "k")
    assert "network report" not in event.description
