"""The work pool: bounded admission, models loaded once per worker, a free event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time

import pytest

from recognition.errors import BackendUnavailable, NotAnImage, Overloaded
from recognition.pool import WorkPool

# Worker-side helpers: module level so they pickle by name into spawned/forkserver workers.

_model: dict[str, object] = {}
_loads = 0


def load_model(name: str) -> None:
    global _loads
    _loads += 1
    _model["name"] = name
    _model["weights"] = object()


def model_info() -> tuple[int, int, str, int]:
    """(pid, times this process loaded the model, its name, its identity)."""
    return os.getpid(), _loads, str(_model["name"]), id(_model["weights"])


def failing_loader() -> None:
    raise FileNotFoundError("model.onnx")


def busy(seconds: float) -> int:
    """Pure-Python CPU work (holds the GIL the whole time)."""
    deadline = time.perf_counter() + seconds
    count = 0
    while time.perf_counter() < deadline:
        count += 1
    return count


def reject_image() -> None:
    raise NotAnImage("not an image")


def die() -> None:
    os._exit(3)


def wait_for(release: threading.Event, started: threading.Event | None = None) -> str:
    if started is not None:
        started.set()
    release.wait(10)
    return "done"


# In-process mode: deterministic with threading events. -----------------------------------


async def test_in_process_pool_refuses_at_once_when_full() -> None:
    release = threading.Event()
    async with WorkPool(workers=0, queue_size=1) as pool:
        assert pool.capacity == 2
        running = asyncio.ensure_future(pool.run(wait_for, release))
        waiting = asyncio.ensure_future(pool.run(wait_for, release))
        await asyncio.sleep(0)  # let both submit
        assert pool.pending == 2
        started = time.perf_counter()
        with pytest.raises(Overloaded):
            await pool.run(wait_for, release)
        assert time.perf_counter() - started < 0.05
        release.set()
        assert await asyncio.gather(running, waiting) == ["done", "done"]
        assert pool.pending == 0
        assert await pool.run(wait_for, release) == "done"  # room again
        assert pool.stats().refused == 1


async def test_a_cancelled_caller_keeps_its_slot_until_the_job_ends() -> None:
    release, started = threading.Event(), threading.Event()
    async with WorkPool(workers=0, queue_size=0) as pool:
        task = asyncio.ensure_future(pool.run(wait_for, release, started))
        assert await asyncio.to_thread(started.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(Overloaded):  # the job still runs: the slot is still taken
            await pool.run(wait_for, release)
        release.set()
        for _ in range(100):
            if pool.pending == 0:
                break
            await asyncio.sleep(0.01)
        assert pool.pending == 0


async def test_errors_come_back_typed_and_the_initializer_runs_once() -> None:
    async with WorkPool(workers=0, queue_size=4, initializer=load_model, initargs=("m",)) as pool:
        with pytest.raises(NotAnImage):
            await pool.run(reject_image)
        infos = [await pool.run(model_info) for _ in range(3)]
    assert {info[0] for info in infos} == {os.getpid()}  # in-process
    assert len({info[3] for info in infos}) == 1


async def test_closed_pool_refuses_work() -> None:
    pool = WorkPool(workers=0, queue_size=1)
    with pytest.raises(BackendUnavailable):
        await pool.run(busy, 0.0)  # not started
    await pool.start()
    await pool.close()
    await pool.close()  # idempotent
    with pytest.raises(BackendUnavailable):
        await pool.run(busy, 0.0)


# Worker processes. ---------------------------------------------------------------------


async def test_workers_load_the_model_once_and_reuse_it() -> None:
    pool = WorkPool(workers=2, queue_size=8, initializer=load_model, initargs=("plates",))
    pids = await pool.start()
    try:
        assert len(pids) == 2
        assert os.getpid() not in pids
        infos = await asyncio.gather(*(pool.run(model_info) for _ in range(8)))
    finally:
        await pool.close()
    assert {pid for pid, _, _, _ in infos} <= set(pids)
    assert {loads for _, loads, _, _ in infos} == {1}  # loaded by the initializer, once
    assert {name for _, _, name, _ in infos} == {"plates"}
    per_worker = {pid: weights for pid, _, _, weights in infos}
    for pid, _, _, weights in infos:
        assert per_worker[pid] == weights  # the same object every call in that worker


async def test_process_pool_overload_loop_and_crash_recovery() -> None:
    async with WorkPool(workers=1, queue_size=0) as pool:
        # A CPU-bound job in the worker leaves the event loop free.
        job = asyncio.ensure_future(pool.run(busy, 0.6))
        await asyncio.sleep(0)
        with pytest.raises(Overloaded):  # capacity 1, taken: refused without waiting
            await pool.run(busy, 0.0)
        lags = []
        while not job.done():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - before - 0.01)
        assert await job > 0
        assert len(lags) > 10
        assert max(lags) < 0.1
        # A job that kills its worker is retried once, then refused; the pool goes on.
        with pytest.raises(BackendUnavailable, match="retry"):
            await pool.run(die)
        assert await pool.run(busy, 0.0) >= 0
        assert pool.stats().restarts == 2


async def test_the_next_call_after_a_worker_was_killed_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with WorkPool(workers=1, queue_size=2, initializer=load_model, initargs=("m",)) as pool:
        pid = (await pool.run(model_info))[0]
        os.kill(pid, signal.SIGKILL)
        with caplog.at_level(logging.WARNING, logger="recognition.pool"):
            new_pid, loads, name, _ = await pool.run(model_info)
        assert (loads, name) == (1, "m")  # the restarted worker loaded its model
        assert new_pid != pid
        assert pool.stats().restarts == 1
        assert await _drained(pool)
    retries = [r for r in caplog.records if "retrying model_info" in r.getMessage()]
    assert [r.levelno for r in retries] == [logging.WARNING]


async def _drained(pool: WorkPool) -> bool:
    """Slots are released on the loop shortly after the worker answers."""
    for _ in range(200):
        if pool.pending == 0:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_failing_initializer_fails_start_with_a_typed_error() -> None:
    pool = WorkPool(workers=1, queue_size=1, initializer=failing_loader)
    with pytest.raises(BackendUnavailable, match=r"model\.onnx"):
        await pool.start()
