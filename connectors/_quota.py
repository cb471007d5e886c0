"""A client-side budget of Gmail quota units per user per minute, kept across restarts.

Google meters units per user over a rolling minute. A token bucket that refills ``0.95 * Q``
units a minute with a burst of ``0.05 * Q`` never spends more than ``Q`` in any 60 seconds
(burst + refill), so syncd never provokes a rate-limit error on its own, and still runs at 95%
of what the quota allows. A request dearer than the burst waits for a full bucket and leaves
it in debt (the next requests wait longer); batch sizes are chosen so that rarely happens.

The bucket level, and a "not before" instant learnt from a Retry-After that was too long to
wait out, are saved to a small JSON file so that a restart does not forget them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from syncd.files import write_private

BURST = 0.05


@dataclass
class Budget:
    per_minute: float
    clock: Callable[[], float]  # wall-clock seconds (time.time), so the file means something
    sleep: Callable[[float], None]
    level: float = -1.0
    at: float = 0.0
    not_before: float = 0.0
    spent: float = 0.0  # units acquired by this process (benchmarks, tests)

    def __post_init__(self) -> None:
        if self.per_minute <= 0:
            raise ValueError("per_minute must be positive")
        if self.level < 0 and self.at == 0.0:
            self.level, self.at = self.capacity, self.clock()

    @property
    def capacity(self) -> float:
        return self.per_minute * BURST

    @property
    def rate(self) -> float:
        """Units per second."""
        return self.per_minute * (1 - BURST) / 60.0

    def _refill(self) -> None:
        now = self.clock()
        if now > self.at:
            self.level = min(self.capacity, self.level + (now - self.at) * self.rate)
        self.at = max(self.at, now)

    def acquire(self, units: float) -> None:
        """Block until ``units`` may be spent, then spend them."""
        need = min(units, self.capacity)
        while True:
            self._refill()
            if self.level >= need - 1e-6:
                break
            self.sleep(max((need - self.level) / self.rate, 0.001))
        self.level -= units
        self.spent += units

    # -- persistence ---------------------------------------------------------------------------

    def dump(self) -> dict[str, float]:
        self._refill()
        return {"level": self.level, "at": self.at, "not_before": self.not_before}

    def save(self, path: Path) -> None:
        write_private(path, json.dumps(self.dump()))

    @classmethod
    def load(cls, path: Path, per_minute: float, clock: Callable[[], float],
             sleep: Callable[[float], None]) -> Budget:
        """The saved budget (refilled for the time that passed), or a full one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            level, at, not_before = (float(data["level"]), float(data["at"]),
                                     float(data.get("not_before", 0.0)))
        except (OSError, ValueError, KeyError, TypeError):
            return cls(per_minute, clock, sleep)
        budget = cls(per_minute, clock, sleep, level=min(level, per_minute * BURST),
                     at=min(at, clock()), not_before=not_before)
        budget._refill()
        return budget
