"""Blocking calls (smtplib, Apprise, a webhook's DNS lookup) in threads of their own.

Not ``asyncio.to_thread`` (nor ``loop.getaddrinfo``, which uses the same pool): that
pool, a few threads for the whole daemon, is shared with the crawl launcher, so channels
that hang would fill it and delay other channels and the next crawl. A thread per call
costs a thread start; a channel sends one message at a time, so the threads alive are
about the channels that hang.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["ended", "in_own_thread", "start_thread"]


def start_thread(func: Callable[..., T], *args: Any) -> Future[T]:
    """Run ``func(*args)`` in a new thread; its outcome is the returned future's. Not a
    daemon thread: the process's exit waits for a send in flight, which each channel
    bounds (its own socket timeouts, e-mail's deadline)."""
    future: Future[T] = Future()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            result = func(*args)
        except BaseException as e:  # the caller reads it from the future
            future.set_exception(e)
        else:
            future.set_result(result)

    threading.Thread(target=run, name=f"newshound-{func.__qualname__}").start()
    return future


async def ended(future: Future[Any]) -> None:
    """Wait until ``future`` has ended. Cancelling the wait leaves the thread running."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def end() -> None:
        if not done.done():  # not cancelled meanwhile
            done.set_result(None)

    def wake(_: Future[Any]) -> None:
        try:
            loop.call_soon_threadsafe(end)
        except RuntimeError:  # that loop has closed (``newshound run --once`` is over)
            pass

    future.add_done_callback(wake)
    await done


async def in_own_thread(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a thread of its own: what it returns, or raises."""
    future = start_thread(func, *args)
    await ended(future)
    return future.result()
