"""Write ``syncd/config/plain.py``: the validated config as plain frozen dataclasses.

The schema is the pydantic models (``schema``, ``sections``, ``accounts``): they validate a file
and explain its mistakes. What the program then holds is a tree of plain dataclasses with the
same class names, fields, types and defaults, generated from those models by this module, so
that ``syncd run`` can receive a validated config without importing pydantic (about 9 MB of
its idle memory; ``syncd.config.isolated``). What the config classes do besides holding values
(``Config.account``, ``Config.message_text``, ``GoogleAccount.reads_text``) is written here, in
``METHODS``, and generated into plain.py with them.

    python -m syncd.config.generate          # rewrite plain.py after changing the schema

``tests/unit/test_config_plain.py`` fails while plain.py differs from what this writes.
"""

from __future__ import annotations

import datetime as dt
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from syncd.config.schema import Config

TARGET = Path(__file__).with_name("plain.py")
METHODS = {
    "Config": '''
    def message_text(self, name: str) -> str:
        """``"preview"`` or ``"none"`` for account ``name``: its own ``message_text``, else
        ``[detection] message_text``. Gmail only on its own word: reading snippets needs the
        wider gmail.readonly scope, so the default never turns it on."""
        account = self.account(name)
        if isinstance(account, GoogleAccount) and account.type == "gmail":
            return "preview" if account.reads_text else "none"
        return account.message_text or self.detection.message_text

    def account(self, name: str
                ) -> ImapAccount | CaldavAccount | CarddavAccount | GoogleAccount | OutlookAccount:
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(name)
''',
    "GoogleAccount": '''
    @property
    def reads_text(self) -> bool:
        """A Gmail account reads message text (each message's snippet, for the text signals)
        only when it says ``message_text = "preview"`` itself: [detection]'s default never
        widens its scope."""
        return self.type == "gmail" and self.message_text == "preview"
''',
}
HEADER = '''"""The validated config as plain frozen dataclasses: GENERATED, do not edit.

Written by ``python -m syncd.config.generate`` from the pydantic schema (``syncd.config.schema``
and its sections and accounts), which validates; this is what the program holds, so the daemon
needs no pydantic (``syncd.config.isolated``).
"""

# ruff: noqa: E501

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
{names}
]
'''


def models() -> list[type[BaseModel]]:
    """Every model the schema reaches, dependencies first."""
    found: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in found:
            return
        for info in model.model_fields.values():
            for inner in _models_in(info.annotation):
                visit(inner)
        found.append(model)

    visit(Config)
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def spell(annotation: Any) -> str:
    """The annotation as source, pydantic's metadata left out."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return spell(args[0])
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(spell(a) for a in args)
    if origin is tuple:
        return f"tuple[{', '.join('...' if a is Ellipsis else spell(a) for a in args)}]"
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return str(annotation.__name__)
    if annotation in (str, int, float, bool):
        return str(annotation.__name__)
    if annotation in (dt.timedelta, dt.time):
        return f"datetime.{annotation.__name__}"
    raise TypeError(f"no plain spelling for {annotation!r}: teach syncd.config.generate")


def default(info: Any) -> str | None:
    """The field's default as source; None for a required field."""
    if info.default_factory is not None:
        made = info.default_factory()
        if isinstance(made, BaseModel):
            return f"field(default_factory={type(made).__name__})"
        return literal(made)
    if info.default is PydanticUndefined:
        return None
    return literal(info.default)


def literal(value: Any) -> str:
    if isinstance(value, BaseModel):
        raise TypeError("a model default needs a default_factory")
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def render() -> str:
    names = [m.__name__ for m in models()]
    listed = [f'"{n}",' for n in sorted(names)]
    lines, line = [], "   "
    for item in listed:
        if len(line) + 1 + len(item) > 99:
            lines.append(line)
            line = "   "
        line += " " + item
    out = [HEADER.format(names="\n".join([*lines, line]))]
    for model in models():
        out.append(f"\n\n@dataclass(frozen=True, kw_only=True, slots=True)\n"
                   f"class {model.__name__}:\n")
        out.append(f'    """The validated ``{model.__name__}`` (``{model.__module__}``)."""\n\n')
        for name, info in model.model_fields.items():
            value = default(info)
            tail = "" if value is None else f" = {value}"
            out.append(f"    {name}: {spell(info.annotation)}{tail}\n")
        out.append(METHODS.get(model.__name__, ""))
    return "".join(out)


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
