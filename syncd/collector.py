"""Python's cyclic garbage collector, paused while a derivation builds its records.

A cycle builds hundreds of thousands of records that live until it ends (a first derivation of
a million messages: millions, batch after batch). Each time the heap grows by a quarter the
collector walks *all* of it, finding nothing: the derivation makes no reference cycles (the
tests hold a derivation to that), so everything it drops is freed by reference counting the
moment it is dropped. Measured at 1,000,000 messages: the collector's full passes were about a
third of a warm cycle's CPU (0.33 of 1.0 s) and a tenth of a first derivation's (12 of 107 s).
So the derivation runs with the collector paused, and what it made and returns (the snapshot:
ledgers, follow-ups) joins the oldest generation as it ends (``gc.freeze`` then
``gc.unfreeze``: two list splices), instead of being walked by the young collections that
follow and then by a full one. The daemon collects everything after every cycle
(``syncd.process.release_memory``); a command ends soon after anyway.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def paused(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run with the cyclic collector off (back on after, if it was on); what it
    leaves behind moved to the oldest generation."""
    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        was_on = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.freeze()  # what it made and the caller keeps (the snapshot) joins the oldest
            gc.unfreeze()  # generation at once: no young collection walks it again
            if was_on:
                gc.enable()

    return run
