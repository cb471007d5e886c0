"""Log lines: a timestamp of their own outside journald, the journal's priority prefix under
it (systemd sets ``JOURNAL_STREAM`` for a unit's stderr)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

import pytest

from syncd.process import log_formatter, setup_logging

WHEN = 1_795_000_000.25  # a fixed instant: the line must carry it, not today's date


def line(formatter: logging.Formatter) -> str:
    record = logging.LogRecord("syncd.engine", logging.WARNING, __file__, 1,
                               "stopped writing follow-ups: %s", ("reset",), None)
    record.created = WHEN
    return formatter.format(record)


def test_outside_journald_each_line_carries_its_local_time_with_offset() -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(WHEN))
    assert line(log_formatter(False)) == \
        f"{stamp} WARNING syncd.engine: stopped writing follow-ups: reset"


def test_under_journald_the_journal_stamps_the_line() -> None:
    assert line(log_formatter(True)) == "<4>syncd.engine: stopped writing follow-ups: reset"


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("root_logging")
@pytest.mark.parametrize(("journal", "stamped"), [(None, True), ("8:1234", False)])
def test_setup_logging_chooses_by_journal_stream(journal: str | None, stamped: bool,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    if journal is None:
        monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    else:
        monkeypatch.setenv("JOURNAL_STREAM", journal)
    setup_logging()
    logging.getLogger("syncd.test").info("hello")
    err = capsys.readouterr().err.strip()
    if stamped:
        stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}"
        assert re.fullmatch(stamp + " INFO syncd.test: hello", err), err
    else:
        assert err == "<6>syncd.test: hello"
