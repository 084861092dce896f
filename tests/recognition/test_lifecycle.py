"""Worker processes end with their owner, even after `kill -9`, and ignore Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recognition.pool import WorkPool

ROOT = Path(__file__).resolve().parents[2]
OWNER = """
import asyncio, os, sys
from recognition.pool import WorkPool

async def main():
    pool = WorkPool(workers=2, queue_size=0, context=sys.argv[1])
    pids = await pool.start()
    print(" ".join(map(str, pids)), flush=True)
    await asyncio.Event().wait()

if __name__ == "__main__":
    asyncio.run(main())
"""


def running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie (an orphaned zombie holds no memory)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_gone(pids: list[int], timeout: float) -> list[int]:
    """Poll until none of `pids` runs; the ones still running after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    alive = [pid for pid in pids if running(pid)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [pid for pid in alive if running(pid)]
    return alive


@pytest.mark.parametrize("context", ["forkserver", "spawn"])
def test_workers_die_when_their_owner_is_killed(context: str) -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, context],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # killing its group afterwards cannot reach this test
    )
    try:
        assert owner.stdout is not None
        line = owner.stdout.readline()
        pids = [int(pid) for pid in line.split()]
        assert len(pids) == 2, line
        assert all(running(pid) for pid in pids)
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        left = wait_until_gone(pids, timeout=10)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
    if left:  # never leave them behind, even when the test fails
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    assert left == [], f"workers {left} outlived their owner"


def worker_sigint_handler() -> int:
    return int(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)


async def test_workers_ignore_ctrl_c_and_the_in_process_pool_keeps_its_handler() -> None:
    async with WorkPool(workers=1, queue_size=0) as pool:
        assert await pool.run(worker_sigint_handler) == 1
    before = signal.getsignal(signal.SIGINT)
    async with WorkPool(workers=0, queue_size=0) as pool:
        assert await pool.run(worker_sigint_handler) == 0
    assert signal.getsignal(signal.SIGINT) is before
