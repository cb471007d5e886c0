"""Python's cyclic garbage collector, paused while a derivation builds its records.

A cycle builds hundreds of thousands of records that live until it ends (a first derivation of
a million messages: millions, batch after batch). Each time the heap grows by a quarter the
collector walks *all* of it, finding nothing: the derivation makes no reference cycles (the
tests hold a derivation to that), so everything it drops is freed by reference counting the
moment it is dropped. Measured at 1,000,000 messages: the collector's full passes were about a
third of a warm cycle's CPU (0.33 of 1.0 s) and a tenth of a first derivation's (12 of 107 s).
So the derivation runs with the collector paused; the daemon collects after every cycle
(``syncd.process.release_memory``), and a command ends soon after anyway.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def paused(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run with the cyclic collector off (back on after, if it was on)."""
    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        was_on = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_on:
                gc.enable()

    return run
