"""The daemon's IDLE watcher: which returns of IDLE start a cycle."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from syncd.daemon import IDLE_RENEW, _IdleWatcher
from syncd.process import Wakeup


class ScriptedIdle:
    """Stands in for an IMAP source's IDLE: each call returns the next scripted answer when
    the test says ``go``; the test sees every timeout asked for; after the script it blocks
    until closed."""

    def __init__(self, answers: list[bool]) -> None:
        self.answers, self.timeouts = iter(answers), list[float]()
        self.asked, self.go = threading.Semaphore(0), threading.Semaphore(0)
        self.closed = threading.Event()

    def wait_for_change(self, timeout: float) -> bool:
        self.timeouts.append(timeout)
        self.asked.release()
        answer = next(self.answers, None)
        if answer is None:
            self.closed.wait()
            return False
        self.go.acquire()
        return answer

    def close(self) -> None:
        self.closed.set()


def fired_after_each(answers: list[bool]) -> Iterator[bool]:
    wakeup = Wakeup()
    source = ScriptedIdle(answers)
    watcher = _IdleWatcher("mail", source, wakeup)  # type: ignore[arg-type]
    try:
        watcher.thread.start()
        assert source.asked.acquire(timeout=10)
        for _ in answers:
            source.go.release()
            assert source.asked.acquire(timeout=10)  # the answer was handled, the next asked
            yield watcher.fired.is_set()
            watcher.fired.clear()
    finally:
        watcher.stopped.set()
        source.close()
        source.go.release()
        watcher.thread.join(timeout=10)
        wakeup.close()
    assert source.timeouts[0] == 1.0 and set(source.timeouts[1:]) == {IDLE_RENEW}


def test_the_first_return_catches_up_then_only_changes_fire() -> None:
    # armed (nothing new, but mail may have come before IDLE): fire; a change: fire;
    # a renewal without change: no cycle; another change: fire
    assert list(fired_after_each([False, True, False, True])) == [True, True, False, True]
