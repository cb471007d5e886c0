"""The tree reads as the architecture (DESIGN.md section 1): no import circle among syncd's
modules, rooms for what draws, what configures and what signs in, and modules of one job.

Imports are read from the source (module level and inside functions alike), so a lazy import
that closes a circle counts too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("syncd", "connectors", "rules")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The project's modules that ``path`` imports (``from a import b`` counts ``a.b`` when that
    is a module, else ``a``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known
                     else node.module for alias in node.names]
        else:
            continue
        yield from (n for n in names if n in known)


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {name: set(imports(path, known)) for name, path in known.items()}
    for name, targets in edges.items():  # importing a.b runs a's __init__ first: not a circle
        targets.discard(name)
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle() -> None:
    edges = graph()
    assert len(edges) > 80  # the walk saw the whole tree
    assert circles(edges) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_rooms_hold_their_jobs() -> None:
    known = modules()
    for room, members in {
        "syncd.commands": ("cli", "why", "why_person", "classify", "views", "report", "progress",
                           "demo", "install", "sample_mailbox"),
        "syncd.config": ("schema", "accounts", "sample", "types", "validation"),
        "syncd.auth": ("flows", "google", "outlook", "secrets", "reauth"),
    }.items():
        assert {f"{room}.{m}" for m in members} <= set(known), room


def test_only_commands_draw_and_the_core_never_imports_a_command() -> None:
    edges = graph()
    drawing = {name for name in edges if name.startswith("syncd.commands")}
    for name, targets in edges.items():
        if name not in drawing and name != "syncd.__main__":
            assert not targets & drawing, (name, targets & drawing)


def test_modules_stay_small() -> None:
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 330}
    assert long == {}
