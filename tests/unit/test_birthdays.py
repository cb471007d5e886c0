"""Birthdays (DESIGN.md section 4, kind ``birthday``): pure, ``now`` injected."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.birthdays import birthday, selected
from rules.candidates import Candidate
from rules.placement import place
from rules.plan import Record, plan
from syncd.config import sample
from syncd.errors import ConfigError
from syncd.ledger import PersonLedger
from syncd.model import Birthday, Remote, Written
from syncd.pipeline import compute
from syncd.render import render
from tests.factories import ME, NOW, config, mail, meeting

BERLIN = ZoneInfo("Europe/Berlin")
JANE, OMAR, ZOE = "jane@acme.example", "omar@haddad.example", "zoe@zed.example"


@pytest.mark.parametrize(("text", "expected"), [
    ("1980-03-15", Birthday(3, 15, 1980)),
    ("--03-15", Birthday(3, 15)),
    ("--0315", Birthday(3, 15)),
    ("19800315", Birthday(3, 15, 1980)),
    ("--02-29", Birthday(2, 29)),
])
def test_birthdays_parse_with_or_without_the_year(text: str, expected: Birthday) -> None:
    assert Birthday.parse(text) == expected
    assert Birthday.parse(expected.isoformat()) == expected


@pytest.mark.parametrize("text", ["15.03.1980", "1980-02-30", "--13-01", "1981-02-29", ""])
def test_a_bad_birthday_says_which_forms_work(text: str) -> None:
    with pytest.raises(ValueError, match=r"birthday|not a date"):
        Birthday.parse(text)


def test_february_29_falls_on_february_28_in_other_years() -> None:
    leap = Birthday(2, 29, 1996)
    assert leap.on(2027) == date(2027, 2, 28)
    assert leap.on(2028) == date(2028, 2, 29)
    assert leap.next_from(date(2027, 2, 28)) == date(2027, 2, 28)  # on the day itself
    assert leap.next_from(date(2027, 3, 1)) == date(2028, 2, 29)
    cand = birthday(JANE, leap, datetime(2027, 2, 1, tzinfo=UTC), BERLIN)
    assert cand.due.date() == date(2027, 2, 28) and "turns 31" in cand.reason


def test_the_year_boundary_is_the_users_not_utcs() -> None:
    # 23:30 UTC on December 31 is already New Year's Day in Berlin.
    now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    new_year = birthday(JANE, Birthday(1, 1), now, BERLIN)
    assert new_year.due == datetime(2027, 1, 1, tzinfo=BERLIN)
    assert "turns" not in new_year.reason  # year-less: no age
    eve = birthday(JANE, Birthday(12, 31, 1980), now, BERLIN)
    assert eve.due.date() == date(2027, 12, 31) and "turns 47" in eve.reason  # passed in Berlin
    # In New York it is still December 31: today's birthday, not next year's.
    assert birthday(JANE, Birthday(12, 31), now, ZoneInfo("America/New_York")).due.date() == \
        date(2026, 12, 31)


def test_the_anchor_is_the_day_so_the_day_passing_satisfies_it() -> None:
    day_before = datetime(2026, 3, 14, 12, tzinfo=UTC)
    this_year = birthday(JANE, Birthday(3, 15), day_before, BERLIN)
    next_year = birthday(JANE, Birthday(3, 15), day_before + timedelta(days=2), BERLIN)
    assert this_year.base_key == next_year.base_key and this_year.anchor != next_year.anchor
    start = datetime(2026, 3, 15, tzinfo=UTC)  # the all-day event as the calendar shows it
    record = Written(this_year.base_key, this_year.base_key, "href", "etag", start,
                     this_year.anchor, kind="birthday", person_id=JANE)
    now = day_before + timedelta(days=2)
    actions = plan({next_year.base_key: next_year},
                   {next_year.base_key: datetime(2027, 3, 15, tzinfo=UTC)},
                   {record.base_key: record},
                   {record.key: Remote(record.key, "href", "etag", start)},
                   now, horizon=timedelta(days=14), tz=BERLIN,
                   render=lambda *_: pytest.fail("nothing to write"))
    assert [(type(a), a.written.state) for a in actions if isinstance(a, Record)] == [
        (Record, "done")]


def test_birthdays_take_no_slot_and_land_on_their_own_day_even_a_weekend_in_dst_week() -> None:
    # Sunday 2026-03-29 is the spring change in Berlin; decided on the Saturday before.
    now = datetime(2026, 3, 28, 10, tzinfo=BERLIN)
    cands = [
        birthday(JANE, Birthday(3, 29, 1980), now, BERLIN),  # Sunday, the change itself
        birthday(OMAR, Birthday(3, 30), now, BERLIN),  # Monday
        Candidate("c1", "cadence", ZOE, datetime(2026, 3, 30, tzinfo=BERLIN), "a", "why"),
    ]
    placed = place(cands, {}, now, at=time(9), duration=timedelta(minutes=15),
                   working_days=("mon", "tue", "wed", "thu", "fri"), max_per_day=1, tz=BERLIN)
    assert placed[cands[0].base_key] == datetime(2026, 3, 29, tzinfo=UTC)
    assert placed[cands[1].base_key] == datetime(2026, 3, 30, tzinfo=UTC)
    # the one slot of Monday is still the cadence's, at 09:00 summer time
    assert placed["c1"] == datetime(2026, 3, 30, 9, tzinfo=BERLIN)
    assert placed["c1"].utcoffset() == timedelta(hours=2)


def people(**extra: object) -> list[dict[str, object]]:
    return [{"name": "Jane Roe", "addresses": [JANE], "birthday": "1980-11-23", **extra},
            {"name": "Omar Haddad", "addresses": [OMAR], "birthday": "--11-24"},
            {"name": "Zoe Zed", "addresses": [ZOE], "birthday": "--11-25"}]


def birthday_people(msgs: list, meetings: list, remind: str | None = None,  # type: ignore[type-arg]
                    **extra: object) -> set[str]:
    cfg = config(people=people(**extra),
                 **({"birthdays": {"remind": remind}} if remind else {}))
    snap = compute(cfg, msgs, meetings, NOW)
    return {c.person for c in snap.candidates.values() if c.kind == "birthday"}


def test_remind_active_wants_two_way_history_in_two_years_or_a_tag() -> None:
    msgs = [mail(ME, JANE, days_ago=30, mid="j1", subject="Lunch?"),
            mail(JANE, ME, days_ago=29, mid="j2", subject="Re: Lunch?", reply_to="j1"),
            mail(OMAR, ME, days_ago=10, subject="Newsletter-ish note")]  # one-way only
    meetings = [meeting([ZOE], days_ago=800)]  # met, but more than two years ago
    assert birthday_people(msgs, meetings) == {JANE}
    assert birthday_people(msgs, meetings, "all") == {JANE, OMAR, ZOE}
    assert birthday_people(msgs, meetings, "none") == set()
    # nobody written to at all, but tagged: the tag says the user cares
    assert birthday_people([], [], tags=["family"]) == {JANE}
    assert birthday_people([], []) == set()


def test_selected_reads_the_ledger_as_documented() -> None:
    led = PersonLedger(JANE, last_touch=NOW - timedelta(days=700), meetings=1)
    assert selected("active", led, (), NOW)
    assert not selected("active", PersonLedger(JANE, last_touch=NOW, messages_in=4), (), NOW)
    assert selected("all", None, (), NOW) and not selected("none", led, ("x",), NOW)


def test_the_event_is_all_day_titled_with_the_name_and_carries_the_ledger() -> None:
    cfg = config(people=people(), birthdays={"remind": "all"})
    msgs = [mail(ME, JANE, days_ago=30, mid="j1", subject="Lunch?"),
            mail(JANE, ME, days_ago=29, mid="j2", subject="Re: Lunch?", reply_to="j1")]
    snap = compute(cfg, msgs, [], NOW)
    by_person = {c.person: c for c in snap.candidates.values() if c.kind == "birthday"}
    jane = by_person[JANE]
    assert jane.due == datetime(2026, 11, 23, tzinfo=BERLIN)
    assert jane.reason == "birthday on Monday 23 November, turns 46"
    start = datetime(2026, 11, 23, tzinfo=UTC)
    event = render(cfg, snap.directory, snap.ledgers, jane, start, jane.base_key)
    assert event.title == "Birthday: Jane Roe (acme.example)"
    assert event.all_day and event.duration == timedelta(days=1) and event.email == JANE
    assert 'mail from them "Re: Lunch?"' in event.description
    assert "1 sent, 1 received, 0 meetings" in event.description
    # Zoe has no interaction at all: `remind = "all"` still holds her birthday
    zoe = render(cfg, snap.directory, snap.ledgers, by_person[ZOE], start, "k")
    assert zoe.title.startswith("Birthday: Zoe Zed") and "Last touch: never." in zoe.description


def test_config_checks_birthdays_and_the_sample_shows_them() -> None:
    with pytest.raises(ConfigError) as caught:
        config(people=[{"name": "X", "addresses": ["x@x.example"], "birthday": "31/12"}],
               birthdays={"remind": "some"})
    text = str(caught.value)
    assert "people[0].birthday" in text and "--03-15" in text and "birthdays.remind" in text
    rendered = sample.render()
    assert 'birthday = "--03-15"' in rendered and 'remind = "active"' in rendered
    assert config(people=[{"name": "X", "addresses": ["x@x.example"],
                           "birthday": "--0229"}]).people[0].birthday == "--02-29"


def test_address_book_birthdays_become_birthday_follow_ups_and_the_config_wins() -> None:
    """A birthday from an address-book entry (any of its addresses) feeds the birthday kind; a
    ``[[people]]`` birthday for the same person overrides it."""
    from syncd.model import Contact

    booked = Contact("contacts", "card-1", "Jane Roe", ("jroe@home.example", JANE),
                     birthday=(NOW.month, NOW.day + 3, None))
    msgs = [mail(ME, JANE, days_ago=30, mid="b1", subject="Lunch?"),
            mail(JANE, ME, days_ago=29, mid="b2", subject="Re: Lunch?", reply_to="b1")]
    snap = compute(config(), msgs, [], NOW, book=[booked])
    found = [c for c in snap.candidates.values() if c.kind == "birthday"]
    assert [c.person for c in found] == [snap.directory.person_id(JANE)]
    assert found[0].due.date() == date(NOW.year, NOW.month, NOW.day + 3)
    day = f"{NOW.year}-{NOW.month:02d}-{NOW.day + 5:02d}"
    cfg = config(people=[{"name": "Jane Roe", "addresses": [JANE], "birthday": day}])
    snap = compute(cfg, msgs, [], NOW, book=[booked])
    found = [c for c in snap.candidates.values() if c.kind == "birthday"]
    assert [c.due.date().isoformat() for c in found] == [day]
