"""Batch loading: every load asked for in one pass of the executor becomes one query.

Resolvers return a loader's future instead of awaiting a query, so that the
executor, completing a page of 50 issues, asks for 50 states before any query
runs; the loader then sends one ``WHERE id = ANY(...)`` for all of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Loader(Generic[K]):
    """Collects keys until the event loop next runs, then fetches them in one call."""

    def __init__(self, fetch: Callable[[list[K]], Awaitable[dict[K, Any]]]) -> None:
        self._fetch = fetch
        self._cache: dict[K, asyncio.Future[Any]] = {}
        self._pending: list[K] = []

    def load(self, key: K) -> asyncio.Future[Any]:
        """The value for ``key`` (``None`` when there is none), shared by every caller."""
        future = self._cache.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._cache[key] = loop.create_future()
            self._pending.append(key)
            if len(self._pending) == 1:
                loop.call_soon(self._dispatch)
        return future

    def forget(self, key: K) -> None:
        """Drop a cached value (after a mutation changed it)."""
        self._cache.pop(key, None)

    def _dispatch(self) -> None:
        keys, self._pending = self._pending, []
        task = asyncio.ensure_future(self._run(keys))
        task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    async def _run(self, keys: list[K]) -> None:
        try:
            found = await self._fetch(keys)
        except Exception as exc:  # every waiting resolver gets the error
            for key in keys:
                future = self._cache.pop(key)
                if not future.done():
                    future.set_exception(exc)
            return
        for key in keys:
            future = self._cache[key]
            if not future.done():
                future.set_result(found.get(key))


def then(future: Awaitable[T], fn: Callable[[T], Any]) -> Awaitable[Any]:
    """``fn`` of the future's result, still without starting a coroutine per resolver."""
    result = asyncio.get_running_loop().create_future()

    def done(source: asyncio.Future[T]) -> None:
        if result.done():
            return
        if source.exception() is not None:
            result.set_exception(source.exception())  # type: ignore[arg-type]
            return
        try:
            result.set_result(fn(source.result()))
        except Exception as exc:
            result.set_exception(exc)

    asyncio.ensure_future(future).add_done_callback(done)
    return result
