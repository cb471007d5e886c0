"""imapclient as the reference for syncd's FETCH reader (``connectors._imap_fetch``)."""

from __future__ import annotations

from typing import Any

import pytest
from imapclient.response_parser import parse_fetch_response

from connectors._imap_fetch import read_fetch


def reads_like_imapclient(data: list[Any], normalise: bool = False) -> dict[Any, Any] | None:
    """Read ``data`` with ``read_fetch`` and with imapclient: the same values (returned), or
    the same exception type from both (then None)."""
    try:
        expected: dict[Any, Any] = dict(parse_fetch_response(data, normalise, True))
    except Exception as exc:  # noqa: BLE001 - whatever imapclient raises, we raise too
        with pytest.raises(type(exc)):
            read_fetch(data, normalise_times=normalise)
        return None
    assert read_fetch(data, normalise_times=normalise) == expected
    return expected
