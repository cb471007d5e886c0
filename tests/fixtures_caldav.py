"""CalDAV server fixtures (a pytest plugin, registered in tests/conftest.py).

``caldav_server`` starts a fresh Radicale in ``tmp_path`` for each test and stops it after; a
Radicale that cannot start skips the test with the reason (its log tail). ``account_for`` builds
a ``CaldavAccount`` pointing at it; ``caldav_account`` also puts the password where the account
says (``password_env``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.config import CaldavAccount
from syncd.localservers.caldav import CaldavServer, ServerStartError, start_caldav_server

PASSWORD_ENV = "SYNCD_TEST_CALDAV_PASSWORD"


@pytest.fixture
def caldav_server(tmp_path: Path) -> Iterator[CaldavServer]:
    """A fresh local Radicale (user ``dana``, no calendars yet), stopped after the test."""
    try:
        context = start_caldav_server(tmp_path / "radicale")
        server = context.__enter__()
    except ServerStartError as exc:
        pytest.skip(f"the local Radicale could not start: {exc}")
    try:
        yield server
    finally:
        context.__exit__(None, None, None)


def account_for(server: CaldavServer, *, name: str = "cal",
                calendars: tuple[str, ...] = ()) -> CaldavAccount:
    """An account for ``server``; its password comes from PASSWORD_ENV."""
    return CaldavAccount(type="caldav", name=name, url=server.url, username=server.user,
                         password_env=PASSWORD_ENV, calendars=calendars, timeout=20)


@pytest.fixture
def caldav_account(caldav_server: CaldavServer, monkeypatch: pytest.MonkeyPatch
                   ) -> CaldavAccount:
    monkeypatch.setenv(PASSWORD_ENV, caldav_server.password)
    return account_for(caldav_server)


def ics_event(uid: str, start: str, *, end: str | None = None, summary: str = "Meeting",
              organizer: str | None = "dana@example.org",
              attendees: tuple[tuple[str, str, str], ...] = (), lines: tuple[str, ...] = (),
              overrides: tuple[str, ...] = ()) -> str:
    """A VCALENDAR with one VEVENT. ``start``/``end`` are iCalendar values with their
    parameters, e.g. ``"20261110T100000Z"`` or ``";TZID=Europe/Berlin:20261110T100000"``;
    ``attendees`` are (address, CN, PARTSTAT); ``lines`` are extra VEVENT lines; each of
    ``overrides`` is the body of one more VEVENT with the same UID (a RECURRENCE-ID override)."""
    def value(v: str) -> str:
        return v if v.startswith(";") else f":{v}"

    body = [f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART{value(start)}"]
    if end is not None:
        body.append(f"DTEND{value(end)}")
    body.append(f"SUMMARY:{summary}")
    if organizer:
        body.append(f"ORGANIZER;CN=Dana:mailto:{organizer}")
    body += [f"ATTENDEE;CN={cn};PARTSTAT={ps}:mailto:{a}" for a, cn, ps in attendees]
    body += list(lines)
    events = ["BEGIN:VEVENT", *body, "END:VEVENT"]
    for extra in overrides:
        events += ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *extra.splitlines(),
                   "END:VEVENT"]
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//syncd tests//EN", *events,
                        "END:VCALENDAR", ""])
