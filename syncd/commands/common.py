"""What every command shares: the two consoles, and the config the command line names."""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from syncd import config as config_mod
from syncd.config import Config

if TYPE_CHECKING:
    from rich.console import Console


@cache
def out() -> Console:
    """Standard output's console, made on first use: `syncd run` never draws, and rich costs
    memory. A real Console (not a proxy): rich's live displays enter it as a context manager."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@cache
def err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def config_path(args: argparse.Namespace) -> Path:
    return Path(args.config).expanduser() if args.config else config_mod.default_config_path()


def load_config(args: argparse.Namespace) -> Config:
    return config_mod.load(config_path(args))
