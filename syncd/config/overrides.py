"""``SYNCD_<SECTION>__<KEY>`` environment overrides, merged over the file before validation.

A small reader instead of pydantic-settings (which cost the daemon about 10 MB of imports for
this one job). Names are case-insensitive; only names whose first part is a top-level config key
count (``SYNCD_CONFIG``, ``SYNCD_NOW`` and the like are left alone). A value that looks like
JSON (``[...]``, ``{...}``) is parsed as JSON, so lists and tables can be given too; anything
else stays a string for the schema to convert (``"2"`` for an integer key, ``"true"``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from typing import Any

PREFIX = "SYNCD_"
NESTED = "__"


def _value(text: str) -> Any:
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def overrides(keys: Collection[str], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The nested dict that the ``SYNCD_`` variables naming one of ``keys`` spell out."""
    found: dict[str, Any] = {}
    for name, text in sorted((environ if environ is not None else os.environ).items()):
        if not name.upper().startswith(PREFIX):
            continue
        path = name[len(PREFIX):].lower().split(NESTED)
        if path[0] not in keys or any(not part for part in path):
            continue
        node = found
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = _value(text)
    return found


def merged(raw: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` with ``over`` laid on top, tables merged key by key (``over`` wins)."""
    result = dict(raw)
    for key, value in over.items():
        base = result.get(key)
        if isinstance(value, dict) and isinstance(base, Mapping):
            result[key] = merged(base, value)
        else:
            result[key] = value
    return result
