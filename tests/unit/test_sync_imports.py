"""What a `syncd sync` without progress bars (``--json``, or output into a pipe) leaves
unimported: the bars' library is loaded only to draw them."""

from __future__ import annotations

import subprocess
import sys


def test_a_sync_without_bars_does_not_import_them() -> None:
    code = ("import io, sys\n"
            "from rich.console import Console\n"
            "from syncd.commands.progress import bar_observer\n"
            "for enabled in (False, True):  # True: not a terminal, so no bars either\n"
            "    with bar_observer(Console(file=io.StringIO()), enabled=enabled) as seen:\n"
            "        seen.page('mail', 10)\n"
            "print('rich.progress' in sys.modules)\n"
            "with bar_observer(Console(file=io.StringIO(), force_terminal=True)) as seen:\n"
            "    seen.page('mail', 10)\n"
            "print('rich.progress' in sys.modules, type(seen).__name__)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "True", "BarObserver"]
