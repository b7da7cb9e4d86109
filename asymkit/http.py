"""One shared HTTP client for asymkit's calls to clones on loopback.

Creating an ``httpx.Client`` builds an SSL context (~15 ms); reusing one also
keeps connections alive. httpx clients are safe to share between threads.
"""

from __future__ import annotations

import atexit
import threading

import httpx

_client: httpx.Client | None = None
_lock = threading.Lock()


def client() -> httpx.Client:
    global _client
    with _lock:
        if _client is None or _client.is_closed:
            _client = httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=64))
            atexit.register(_client.close)
        return _client
