"""Birthdays end to end: `syncd sync` against a real IMAP server and a real Radicale writes
all-day birthday events into the follow-up calendar, and `due --json` lists them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from syncd.commands.demo import TIMEZONE
from tests.integration.test_end_to_end import Setup, setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration


def test_birthdays_land_in_radicale_as_all_day_events(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    soon = datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE)).date() + timedelta(days=3)
    text = setup.config.read_text()
    # Jane (tagged, in the sample mail) gets a year-less birthday; Mo has never written.
    text = text.replace('tags = ["inner-circle"]\n',
                        f'tags = ["inner-circle"]\nbirthday = "--{soon:%m-%d}"\n', 1)
    text += ('\n[[people]]\nname = "Mo Ghost"\naddresses = ["mo@ghost.example"]\n'
             f'birthday = "1990-{soon:%m-%d}"\n')
    setup.config.write_text(text)

    code, report = setup.run(capsys, "sync", "--json")
    assert code == 0, report
    events = [icalendar.Calendar.from_ical(ics).events[0] for ics in setup.events().values()]
    birthdays = {str(e["SUMMARY"]): e for e in events if str(e["SUMMARY"]).startswith("Birth")}
    assert list(birthdays) == ["Birthday: Jane Roe (acme.example)"]  # remind = "active"
    jane = birthdays["Birthday: Jane Roe (acme.example)"]
    assert jane.start == soon and jane.end == soon + timedelta(days=1)  # VALUE=DATE, all day
    assert "Last touch:" in str(jane["DESCRIPTION"]) and "Ledger:" in str(jane["DESCRIPTION"])
    _, contacts = setup.run(capsys, "contacts", "--json")
    assert {c["name"]: c["birthday"] for c in contacts}["Jane Roe"] == f"--{soon:%m-%d}"

    setup.config.write_text(text + '\n[birthdays]\nremind = "all"\n')
    code, report = setup.run(capsys, "sync", "--json")
    assert code == 0, report
    summaries = {str(icalendar.Calendar.from_ical(ics).events[0]["SUMMARY"])
                 for ics in setup.events().values()}
    assert "Birthday: Mo Ghost (ghost.example)" in summaries
    _, due = setup.run(capsys, "due", "--json")
    rows = {r["person"]: r for r in due if r["kind"] == "birthday"}
    assert set(rows) == {"Jane Roe", "Mo Ghost"}
    assert rows["Mo Ghost"]["due"] == soon.isoformat() and rows["Mo Ghost"]["state"] == "written"
    assert f"turns {soon.year - 1990}" in rows["Mo Ghost"]["reason"]

    code, again = setup.run(capsys, "sync", "--json")
    assert code == 0 and again["plan"] == []  # written once, left alone
