"""Tables that fit the terminal: each column says how much it matters, and the least important
ones go first when the screen is narrow, so the key (a name, an address, a time) is never cut
to ``…``. Free text (a reason, a title, an error) wraps instead of going."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

FLEX_MIN = 14  # free text columns keep at least this many cells before they are dropped
FLEX_ROOM = 40  # the room free text asks of columns that matter less: two or three lines


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    drop: int = 0  # 0: always shown; the highest number goes first when the width is short
    flex: bool = False  # free text: wraps, never pushes the key columns off the screen
    justify: Literal["left", "right"] = "left"


Cell = str | Text


def _width(cell: Cell) -> int:
    plain = cell.plain if isinstance(cell, Text) else cell
    return max((cell_len(line) for line in plain.splitlines()), default=0)


def shown_columns(width: int, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]
                  ) -> list[int]:
    """The indexes of the columns that fit in ``width`` cells, in their order.

    Columns go from the highest ``drop`` (the rightmost first among equals) until the rest
    fit. A free-text column that matters more than the one in question counts at its natural
    width up to ``FLEX_ROOM`` (the other gives it room); one that matters less counts at
    ``FLEX_MIN`` (it wraps)."""
    natural = [max([cell_len(c.header), *(_width(r[i]) for r in rows)])
               for i, c in enumerate(columns)]
    natural = [min(n, FLEX_ROOM) if c.flex else n for n, c in zip(natural, columns, strict=True)]
    least = [min(n, max(FLEX_MIN, cell_len(c.header))) if c.flex else n
             for n, c in zip(natural, columns, strict=True)]
    shown = list(range(len(columns)))
    for i in sorted(shown, key=lambda i: (-columns[i].drop, -i)):
        if columns[i].drop == 0:
            break
        need = sum((natural[j] if columns[j].drop < columns[i].drop else least[j]) + 3
                   for j in shown) + 1  # rich's box: a border per column and one, a space aside
        if need <= width:
            break
        shown.remove(i)
    return shown


def fitted(width: int, columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
           **options: Any) -> Table:
    """A rich table of ``rows`` with the columns that fit ``width``."""
    shown = shown_columns(width, columns, rows)
    table = Table(**options)
    for i in shown:
        c = columns[i]
        table.add_column(c.header, justify=c.justify, no_wrap=not c.flex,
                         overflow="fold" if c.flex else "ellipsis")
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    return table
