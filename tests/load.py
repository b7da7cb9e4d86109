"""Background Slack clients that keep writing and reading while a test (or a benchmark)
resets the clone under them; every failure is counted by kind."""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


class Writers:
    """``n`` slack_sdk clients posting to #general and reading its history, in threads."""

    def __init__(self, clone: Any, n: int = 8) -> None:
        self.clone, self.n = clone, n
        self.stop = threading.Event()
        self.counts: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(n)]

    def __enter__(self) -> Writers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def _count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def _run(self, i: int) -> None:
        web = WebClient(token=self.clone.tokens.user, base_url=self.clone.api_url, timeout=30)
        general = next(
            c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general"
        )
        while not self.stop.is_set():
            try:
                web.chat_postMessage(channel=general, text=f"writer {i} at {time.time()}")
                web.conversations_history(channel=general, limit=5)
                self._count("ok")
            except SlackApiError as exc:
                status = exc.response.status_code
                self._count("5xx" if status >= 500 else f"slack:{exc.response.get('error')}")
            except Exception as exc:  # connection dropped, timeout: what clients must not see
                self._count(f"transport:{type(exc).__name__}")
