"""An access token the provider no longer accepts is refreshed once and the request repeated; a
refresh that does not cure it parks the account (``needs_auth``, exit 77) instead of looping.
(Gmail: tests/integration/test_gmail_source.py refreshes ahead of expiry and maps
``invalid_grant``; Outlook's refused refresh: tests/integration/test_outlook_end_to_end.py.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncd.engine import run_cycle
from syncd.store import Store
from tests.factories import config

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.mark.parametrize(("times", "state", "code"), [(1, "ok", 0), (10, "needs_auth", 77)])
def test_graph_401_refreshes_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, times: int,
                                  state: str, code: int) -> None:
    from connectors.outlook import OutlookSource, make_client
    from tests.fakes.graph_server import start_graph_server
    from tests.fixtures_graph import StaticTokens, account_for, message_row

    with start_graph_server() as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        server.fake.add_message("inbox", message_row(1))
        server.fake.fail("/messages/delta", 401, "InvalidAuthenticationToken", times=times)
        account = account_for(server)
        tokens = StaticTokens()
        source = OutlookSource(account, now=lambda: NOW,
                               client=make_client(account, tokens=tokens, sleep=lambda _: None))
        with Store.open(tmp_path / "db.sqlite3") as store:
            report = run_cycle(config(), store, {"office": source}, None, NOW)
    assert (report.accounts[0].state, report.exit_code) == (state, code)
    assert tokens.forced == 1  # one refresh per request, never a loop
