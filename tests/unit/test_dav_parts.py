"""The pieces the CalDAV client reads answers with since caldav 2.2.4 (issue 16, d1): the
multistatus walk shared with CardDAV, and Retry-After in both of its forms."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from connectors import _neterr
from connectors._dav_xml import members, status_of, text

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

ANSWER = b"""<?xml version="1.0"?>
<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:response><D:href>/dana/work/</D:href>
    <D:propstat><D:prop><D:getetag>"c"</D:getetag></D:prop>
      <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
  <D:response><D:href> /dana/work/a%20b.ics </D:href>
    <D:propstat><D:prop><D:getetag> "1" </D:getetag><C:calendar-data>BEGIN:VCALENDAR
END:VCALENDAR</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
    <D:propstat><D:prop><D:displayname/></D:prop>
      <D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>
  <D:response><D:href>/dana/work/gone.ics</D:href>
    <D:status>HTTP/1.1 404 Not Found</D:status></D:response>
  <D:sync-token>http://example.org/sync/7</D:sync-token>
</D:multistatus>"""


def test_members_give_href_status_and_the_200_prop() -> None:
    found = list(members(etree.fromstring(ANSWER)))
    assert [(href, status) for href, status, _ in found] == [
        ("/dana/work/", 200), ("/dana/work/a%20b.ics", 200), ("/dana/work/gone.ics", 404)]
    prop = found[1][2]
    assert text(prop, "DAV:", "getetag") == '"1"'
    assert prop.findtext("{urn:ietf:params:xml:ns:caldav}calendar-data").startswith("BEGIN:")
    assert found[2][2] is None and list(members(None)) == []


def test_status_lines() -> None:
    assert status_of("HTTP/1.1 207 Multi-Status") == 207
    assert status_of(None) == status_of("") == status_of("HTTP/1.1 OK") == 0


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert _neterr.retry_after("7", NOW) == 7.0
    assert _neterr.retry_after(" 120 ", NOW) == 120.0
    assert _neterr.retry_after("Mon, 02 Mar 2026 12:01:30 GMT", NOW) == 90.0
    assert _neterr.retry_after("Mon, 02 Mar 2026 11:00:00 GMT", NOW) == 0.0  # already past
    for useless in (None, "", "soon", "-5", "1.5"):
        assert _neterr.retry_after(useless, NOW) is None
