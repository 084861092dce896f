"""Run CPU-bound recognition off the event loop, in worker processes that load models once.

`WorkPool(workers=N)` owns a `ProcessPoolExecutor` (forkserver, else spawn: never fork, which
would copy the parent's threads and locks). Each worker runs the initializer once, which loads
models into module-level caches, so every later call in that worker reuses them.
`WorkPool(workers=0)` runs the same calls in-process on one background thread (tests, CLI).
Like any spawn/forkserver pool, the workers re-import the `__main__` module: a script that
starts a pool needs the `if __name__ == "__main__":` guard (console entry points have it).

In front of the executor sits a counter of admitted jobs (running + waiting). When it reaches
`capacity` (one per worker plus `queue_size`), `run` raises `Overloaded` at once: the caller
sheds load instead of queueing without bound. A job counts until it has really finished in the
worker, even when its awaiting coroutine was cancelled, so cancellations cannot overfill it.

A worker process lives no longer than the process that owns the pool, however that one ends:
it ignores SIGINT (a terminal's Ctrl-C reaches the whole process group; the owner stops the
workers itself), and `recognition.lifecycle` makes it exit when its owner is gone, even after a
`kill -9`. A job whose worker died is retried once on a restarted pool: the usual victim is an
innocent job that was queued beside the one that killed the worker, or the first job after a
worker was killed while idle; a job that kills its worker twice gets `BackendUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from recognition.errors import BackendUnavailable, Overloaded
from recognition.lifecycle import bind_to_owner

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_init_error: BaseException | None = None  # per worker process (or the host, in-process)
_start_barrier: Any = None  # a multiprocessing Barrier shared by the workers of one executor
_PROBE_TIMEOUT = 300.0


def _initialize(
    function: Callable[..., object] | None, args: tuple[Any, ...], barrier: Any = None
) -> None:
    """Worker initializer: run `function` and keep (not raise) its error.

    An exception escaping an initializer marks the whole executor broken; kept here, the
    error is reported by `start()` and the worker stays usable for calls that don't need it.
    """
    global _init_error, _start_barrier
    _start_barrier = barrier
    if function is None:
        return
    try:
        function(*args)
    except Exception as exc:
        _init_error = exc


def _initialize_process(
    owner: int, function: Callable[..., object] | None, args: tuple[Any, ...], barrier: Any
) -> None:
    """Initializer of a worker process: tie its life to `owner`, then `_initialize`."""
    bind_to_owner(owner)
    _initialize(function, args, barrier)


def _probe() -> tuple[int, str | None]:
    """This worker's pid and initializer error. Each probe waits at the start barrier until
    every worker holds one, so `start()`'s probes reach (and start) all the workers."""
    if _start_barrier is not None:
        _start_barrier.wait(_PROBE_TIMEOUT)
    if _init_error is None:
        return os.getpid(), None
    return os.getpid(), f"{type(_init_error).__name__}: {_init_error}"


@dataclass(frozen=True, slots=True)
class PoolStats:
    workers: int
    capacity: int
    pending: int
    completed: int
    refused: int
    restarts: int


class WorkPool:
    def __init__(
        self,
        *,
        workers: int,
        queue_size: int,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
        context: str | None = None,
    ) -> None:
        if workers < 0 or queue_size < 0:
            raise ValueError("workers and queue_size must be ≥ 0")
        self.workers = workers
        self.capacity = max(1, workers) + queue_size
        self._initializer = initializer
        self._initargs = initargs
        self._context = context or (
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        )
        self._executor: Executor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending = 0
        self._completed = 0
        self._refused = 0
        self._restarts = 0
        self._closed = False

    @property
    def pending(self) -> int:
        """Jobs admitted and not yet finished (running or waiting)."""
        return self._pending

    def stats(self) -> PoolStats:
        return PoolStats(
            self.workers, self.capacity, self._pending, self._completed, self._refused,
            self._restarts,
        )

    async def start(self) -> list[int]:
        """Start every worker and wait until each has run the initializer; the worker pids.

        Raises BackendUnavailable (and shuts down) when the initializer failed.
        """
        if self._closed:
            raise RuntimeError("this pool was closed")
        self._loop = asyncio.get_running_loop()
        self._executor = self._new_executor()
        probes = [
            asyncio.wrap_future(self._executor.submit(_probe))
            for _ in range(max(1, self.workers))
        ]
        try:
            answers = await asyncio.gather(*probes)
        except (BrokenProcessPool, threading.BrokenBarrierError) as exc:  # a worker died
            await self.close()
            raise BackendUnavailable(f"recognition workers could not start: {exc}") from exc
        errors = sorted({error for _, error in answers if error})
        if errors:
            await self.close()
            raise BackendUnavailable("recognition workers failed to load: " + "; ".join(errors))
        return sorted({pid for pid, _ in answers})

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `function(*args)` in a worker; `Overloaded` at once when the pool is full.

        `function` and its arguments must pickle (module-level functions, plain data). When the
        worker dies under it, the call is retried once on a restarted pool (logged at WARNING);
        `BackendUnavailable` when that one dies too.
        """
        if self._closed or self._executor is None or self._loop is None:
            raise BackendUnavailable("the recognition pool is not running")
        if self._pending >= self.capacity:
            self._refused += 1
            raise Overloaded(f"{self._pending} recognition jobs admitted (limit {self.capacity})")
        try:
            return await self._attempt(function, *args, **kwargs)
        except BrokenProcessPool:
            log.warning(
                "a recognition worker died; retrying %s once on a restarted pool",
                getattr(function, "__name__", function),
            )
        try:
            return await self._attempt(function, *args, **kwargs)
        except BrokenProcessPool as exc:
            message = "a recognition worker died during this job and its retry"
            raise BackendUnavailable(message) from exc

    async def close(self) -> None:
        """Stop accepting work, cancel what waits, let running jobs end, stop the workers."""
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    async def __aenter__(self) -> WorkPool:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _attempt(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """One submission to the current executor; BrokenProcessPool once it is restarted.

        The retry is already admitted: it does not pass the capacity check again.
        """
        executor = self._executor
        if self._closed or executor is None:
            raise BackendUnavailable("the recognition pool is not running")
        self._pending += 1
        try:
            future = executor.submit(function, *args, **kwargs)
        except BrokenProcessPool:
            self._pending -= 1
            await self._restart(executor)
            raise
        except BaseException:
            self._pending -= 1
            raise
        future.add_done_callback(self._finished)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            await self._restart(executor)
            raise

    def _finished(self, future: Future[Any]) -> None:
        """Done callback (runs on the executor's thread): release the slot on the loop."""
        loop = self._loop
        if loop is None:
            return
        # RuntimeError: the loop is already closed, nobody is counting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._release)

    def _release(self) -> None:
        self._pending -= 1
        self._completed += 1

    def _new_executor(self) -> Executor:
        if self.workers == 0:
            return ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="recognition",
                initializer=_initialize, initargs=(self._initializer, self._initargs),
            )
        context = multiprocessing.get_context(self._context)
        barrier = context.Barrier(self.workers)  # handed over at process creation
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_initialize_process,
            initargs=(os.getpid(), self._initializer, self._initargs, barrier),
        )

    async def _restart(self, broken: Executor) -> None:
        """Replace `broken` by a new executor, unless that already happened: every job that
        was in the broken pool lands here, and a second restart would kill the first one's
        retries."""
        if self._closed or self._executor is not broken:
            return
        self._executor = self._new_executor()
        self._restarts += 1
        await asyncio.to_thread(broken.shutdown, wait=False, cancel_futures=True)
