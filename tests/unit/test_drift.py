"""Kind ``drift`` (rules/drift.py): a two-way relationship quiet for longer than usual, found
without any ``[[cadences]]``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rules.candidates import PRIORITY
from syncd.model import Page
from syncd.pipeline import compute, compute_from_store
from syncd.store import Store
from tests.factories import ME, NOW, config, mail, meeting

JANE, OMAR = "jane@acme.example", "omar@haddad.example"


def talks(person: str, every: int, count: int, last: int) -> list:  # type: ignore[type-arg]
    """A conversation with ``person`` every ``every`` days, the newest ``last`` days ago: they
    write, the user replies the same day."""
    out = []
    for n in range(count):
        ago = last + every * n
        out.append(mail(person, ME, days_ago=ago + 0.2, subject=f"Topic {n}", mid=f"{person}{n}"))
        out.append(mail(ME, person, days_ago=ago, subject=f"Re: Topic {n}", mid=f"{person}r{n}",
                        reply_to=f"{person}{n}"))
    return out


def drifts(msgs: list, **cfg: object) -> dict[str, object]:  # type: ignore[type-arg]
    snap = compute(config(**cfg), msgs, [], NOW)  # type: ignore[arg-type]
    return {c.person: c for c in snap.candidates.values() if c.kind == "drift"}


def test_a_relationship_quiet_for_three_times_its_rhythm_gets_a_reconnect() -> None:
    found = drifts(talks(JANE, 12, 10, last=30))
    c = found[JANE]
    assert c.due.date() == (NOW - timedelta(days=30) + timedelta(days=36)).date()  # type: ignore[attr-defined]
    assert "you usually talk every 12 days" in c.reason  # type: ignore[attr-defined]
    assert "it has been 36 days" in c.reason  # type: ignore[attr-defined]
    assert PRIORITY["drift"] == PRIORITY["cadence"] - 1 < PRIORITY["weekly_plan"]


def test_factor_and_min_touches_are_read_from_the_config() -> None:
    msgs = talks(JANE, 12, 10, last=30)
    assert drifts(msgs, drift={"factor": 5})[JANE].due.date() == (  # type: ignore[attr-defined]
        NOW + timedelta(days=30)).date()
    assert JANE not in drifts(msgs, drift={"min_touches": 11})
    assert drifts(msgs, drift={"enabled": False}) == {}


def test_a_configured_cadence_wins() -> None:
    snap = compute(config(cadences=[{"name": "all", "every": "60d"}]),
                   talks(JANE, 12, 10, last=30), [], NOW)
    assert {c.kind for c in snap.candidates.values()} == {"cadence"}


def test_never_for_one_way_history() -> None:
    newsletter_like = [mail(JANE, ME, days_ago=30 + 12 * n, subject=f"News {n}", mid=f"n{n}")
                       for n in range(10)]
    assert drifts(newsletter_like) == {}
    pestering = [mail(ME, OMAR, days_ago=30 + 12 * n, subject=f"Hi {n}", mid=f"o{n}")
                 for n in range(10)]
    assert drifts(pestering) == {}


def test_a_silence_noticed_long_ago_lapses() -> None:
    # usual gap 12 days, silent for a year: due long before the horizon; no flood of old news
    assert drifts(talks(JANE, 12, 10, last=365)) == {}
    # still within the horizon (14 days): kept, placed on the next free slot
    assert JANE in drifts(talks(JANE, 12, 10, last=40))


def test_meetings_count_as_two_way_touches() -> None:
    meetings = [meeting([OMAR], days_ago=20 + 10 * n) for n in range(8)]
    snap = compute(config(), [], meetings, NOW)
    found = [c for c in snap.candidates.values() if c.kind == "drift"]
    assert [c.person for c in found] == [OMAR]
    assert "every 10 days" in found[0].reason


def test_the_stored_ledgers_learn_the_same_rhythm_strength_and_drift(tmp_path: Path) -> None:
    """``compute_from_store`` reads the touches of the last two years in SQL; it must agree
    with one pass over the messages (months of history, which the Hypothesis test in
    test_incremental.py, over twelve days, never reaches)."""
    msgs = [*talks(JANE, 12, 10, last=30), *talks(OMAR, 5, 30, last=2)]
    msgs += [mail(ME, "zoe@zed.example", days_ago=800 + n, mid=f"z{n}") for n in range(3)]
    cfg = config()
    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(msgs), "1"))
        stored = compute_from_store(cfg, store, NOW)
    full = compute(cfg, msgs, [], NOW)
    assert stored.candidates == full.candidates
    assert stored.rhythm == full.rhythm and stored.rhythm[JANE] is not None
    assert {p: s.score for p, s in stored.strength.items()} == {
        p: s.score for p, s in full.strength.items()}
    assert stored.ledgers[JANE].recent == full.ledgers[JANE].recent
    assert len(stored.ledgers["zoe@zed.example"].recent) == 0  # older than two years
