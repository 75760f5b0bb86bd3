"""Worker threads when the platform has them, the same work in the calling thread when
it does not.

xlwings Lite runs Python in Pyodide (WebAssembly in the browser), where starting a
thread fails ("can't start new thread"); `sys.platform` is then "emscripten". The reader
overlaps parsing, hashing and the caller's work with threads elsewhere; there it does
each step in turn and gives the same result.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any


def threads_available() -> bool:
    """False in Pyodide, or when a thread cannot be started here and now."""
    if sys.platform == "emscripten":
        return False
    try:
        probe = threading.Thread(target=lambda: None, name="cmr-xl-probe", daemon=True)
        probe.start()
        probe.join()
    except RuntimeError:  # "can't start new thread"
        return False
    return True


class SerialExecutor(Executor):
    """An Executor that runs each call at once, in the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - delivered through the future
            future.set_exception(error)
        return future

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], timeout: float | None = None,
            chunksize: int = 1) -> Iterator[Any]:
        return iter([fn(*args) for args in zip(*iterables, strict=False)])

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None


def executor(max_workers: int, thread_name_prefix: str) -> Executor:
    """A thread pool, or a SerialExecutor where threads are unavailable."""
    if threads_available():
        return ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
    return SerialExecutor()
