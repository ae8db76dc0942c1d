"""Where the actions' work runs. The action server (rasa_sdk on Sanic) awaits an action's `run` on its one
event loop; a synchronous `run` stalls every conversation behind one slow database call or SMS gateway. So
every action's `run` is async and hands the blocking work (database, catalogue search, SMS) to a pool of
worker threads, sized by DVC_ACTION_THREADS: that many turns may wait on I/O at once, the rest queue."""

from __future__ import annotations

import asyncio
import functools
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.services import services

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def worker_pool() -> ThreadPoolExecutor:
    """Built on the event loop at the first action, so `services()` is built there once, before any
    worker thread could race to build it."""
    global _pool
    with _pool_lock:
        if _pool is None:
            size = services().settings.action_threads
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="action")
        return _pool


async def off_loop(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a worker thread, awaited without blocking the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(worker_pool(), functools.partial(function, *args))


class OffLoopAction(Action, ABC):
    """An action whose work (`act`) runs in a worker thread. (Abstract, so rasa_sdk does not register it.)"""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await off_loop(self.act, dispatcher, tracker, domain)

    @abstractmethod
    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]: ...
