"""A progress bar on stderr for work that takes more than a second.

Silent when stderr is not a terminal (CI logs, pipes) and for work that
finishes within the first second.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

DELAY = 1.0
WIDTH = 28


class Bar:
    """Call ``advance(n)`` as work completes; ``close()`` clears the line."""

    def __init__(
        self, label: str, total: int, *, stream: TextIO | None = None, force: bool = False
    ) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.started = time.monotonic()
        self.shown = False
        self._lock = threading.Lock()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done = min(self.done + n, self.total)
            if self.enabled and time.monotonic() - self.started >= DELAY:
                self._draw()

    def _draw(self) -> None:
        filled = WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        with self._lock:
            if self.shown:
                self.stream.write("\r\033[K")
                self.stream.flush()
