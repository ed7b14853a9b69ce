"""The machine's crawl lock (`data/state/crawl.lock`): flock, so a killed crawl never leaves it stale.

A local crawl holds it exclusive (crawler/run.py `crawl_lock`); the workers of a distributed crawl
hold it shared (`shared_crawl_lock`), so several run side by side and a local crawl waits for them.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def flocked(path: Path, operation: int) -> Iterator[TextIO | None]:
    """Hold `path` with flock `operation` (LOCK_EX or LOCK_SH); yield the open file, None if taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class MachineLock:
    """The lock held shared by a worker; `alone()` tells whether no other crawl holds it."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.held = True

    def alone(self) -> bool:
        """Try the lock exclusive, then hold it shared again.

        flock converts a lock by dropping it first, so a failed try can lose it; `held` says
        whether the shared lock is still held afterwards.
        """
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except BlockingIOError:
            alone = False
        try:
            fcntl.flock(self.handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            self.held = False
        return alone


# Another worker's `alone()` holds the lock exclusive for an instant; a local crawl holds it for hours.
_SHARED_WAIT_SECONDS = 3.0


@contextmanager
def shared_crawl_lock(path: Path, wait_seconds: float = _SHARED_WAIT_SECONDS) -> Iterator[MachineLock | None]:
    """Hold `path` shared (None while a local crawl holds it exclusive)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    with path.open("a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield None
                    return
                time.sleep(0.05)
        try:
            yield MachineLock(handle)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
