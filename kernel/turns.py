"""Turns: work on the same thing takes turns in this process instead of racing in the database.

Two transactions that update the same document at once both run, one aborts with a write conflict and is
retried; under load each retry is more load, and a busy thing (a group chat, a much-liked post) is retried
over and over. Within one process the work can simply wait for its turn. Other processes still race; their
transactions settle it as before. The locks are striped (a few things share one), so memory stays bounded;
in an eventlet worker they are green locks (the worker monkey-patches threading before importing this).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager


class Turns:
    def __init__(self, stripes: int = 256):
        self._locks = [threading.Lock() for _ in range(stripes)]

    def _stripe(self, key: str) -> int:
        return zlib.crc32(key.encode()) % len(self._locks)

    @contextmanager
    def of(self, *keys: str) -> Iterator[None]:
        """Hold the turns of every key (taken in one order, so two holders of several never deadlock)."""
        with ExitStack() as held:
            for stripe in sorted({self._stripe(k) for k in keys}):
                held.enter_context(self._locks[stripe])
            yield
