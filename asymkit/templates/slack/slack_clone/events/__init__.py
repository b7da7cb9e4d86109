"""Events: what the clone tells a connected app after a write (Socket Mode or signed HTTP).

``build`` turns a Web API write into Events API payloads stored with it;
``hub`` delivers them (queue, Socket Mode outboxes, HTTP senders and retries);
``webhook`` makes one Events API request (signing, a bounded read of the
answer, URL verification); ``endpoints`` serves ``apps.connections.open``, the
Socket Mode WebSocket and the admin endpoints.
"""

from __future__ import annotations

from . import endpoints
from .build import before, lock_first, record
from .endpoints import (
    HUB,
    mark_delivered,
    recorded,
    still_stored,
    subscription,
    token_revoked,
)
from .hub import Hub

__all__ = [
    "HUB",
    "Hub",
    "before",
    "endpoints",
    "lock_first",
    "mark_delivered",
    "record",
    "recorded",
    "still_stored",
    "subscription",
    "token_revoked",
]
