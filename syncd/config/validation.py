"""Turn pydantic's validation errors into ``Problem``s a person can act on.

Key paths read like the file (``accounts[1].port``), unknown keys get a "did you mean", and
missing keys say what they are for.
"""

from __future__ import annotations

import difflib
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from syncd.errors import Problem


def problems_from_validation(exc: ValidationError, root: type[BaseModel]) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        model, path = _resolve(root, loc)
        kind = error["type"]
        field = str(loc[-1]) if loc else ""
        if kind == "extra_forbidden":
            problems.append(Problem(path, "unknown key", _suggest(field, model)))
        elif kind == "missing":
            hint = _describe(model, field)
            problems.append(Problem(path, "required key is missing", hint))
        elif kind == "union_tag_invalid":
            tag = error.get("ctx", {}).get("tag")
            problems.append(Problem(path, f"unknown account type {tag!r}",
                                    "use one of: imap, caldav, carddav, gmail, google_calendar, "
                                    "google_contacts, outlook"))
        elif kind == "union_tag_not_found":
            problems.append(Problem(f"{path}.type", "every account needs a type",
                                    "add type = \"imap\" (or caldav, carddav, gmail, "
                                    "google_calendar, google_contacts, outlook)"))
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(path, message, _describe(model, field)))
    return problems


def _resolve(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, str]:
    """Walk ``loc`` through the schema: the model holding the last key, and the key path."""
    candidates: list[type[BaseModel]] = [root]
    holder: type[BaseModel] | None = root
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
            continue
        tagged = _pick_tag(candidates, item)
        if tagged is not None:  # a discriminated union puts the tag ("imap") in the path
            candidates = [tagged]
            continue
        holder = candidates[0] if len(candidates) == 1 else None
        parts.append(str(item))
        field = holder.model_fields.get(item) if holder is not None else None
        candidates = _models_in(field.annotation) if field is not None else []
    return holder, ".".join(parts)


def _pick_tag(candidates: list[type[BaseModel]], tag: str) -> type[BaseModel] | None:
    if len(candidates) < 2:
        return None
    for option in candidates:
        field = option.model_fields.get("type")
        if field is not None and tag in get_args(field.annotation):
            return option
    return None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _suggest(field: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return "remove it"
    close = difflib.get_close_matches(field, list(model.model_fields), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"known keys here: {', '.join(model.model_fields)}"


def _describe(model: type[BaseModel] | None, field: str) -> str:
    if model is None or field not in model.model_fields:
        return ""
    return model.model_fields[field].description or ""
