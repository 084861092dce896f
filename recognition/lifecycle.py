"""Worker processes that end with the process owning them, and stay quiet on Ctrl-C.

A pool's worker is a child of the forkserver (or of the owner, with spawn). When the owner is
killed with SIGKILL it cannot stop its workers, and a worker blocked on its call queue never
notices (it holds both ends of that pipe), so each would keep its ≈330 MB of models forever.
Two mechanisms, because neither covers every case alone:

- Linux's PR_SET_PDEATHSIG(SIGKILL), when the worker's parent is the forkserver: that server
  exits as soon as its owner's end of a pipe closes, and its death kills the worker at once.
  Not with spawn, where the parent is the owner itself: the signal follows the *thread* that
  started the worker, and a pool may (re)start workers from any thread.
- A daemon thread that checks every `WATCH_INTERVAL` seconds that the parent has not changed
  and the owner still exists, and ends the process otherwise (any OS, any start method).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

WATCH_INTERVAL = 0.5
_PR_SET_PDEATHSIG = 1


def bind_to_owner(owner: int) -> None:
    """In a fresh worker process: ignore SIGINT, and exit once `owner` (a pid) is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    if parent != owner:
        _die_with_parent()
    if not _alive(owner):  # the owner died before the two guards were in place
        os._exit(1)
    threading.Thread(
        target=_watch, args=(owner, parent), name="owner-watchdog", daemon=True
    ).start()


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # no libc symbol: the watchdog remains
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch(owner: int, parent: int) -> None:
    while os.getppid() == parent and _alive(owner):
        time.sleep(WATCH_INTERVAL)
    os._exit(1)  # no clean-up to run: the owner that wanted the results is gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else (a reused pid): not ours any more
        return False
    return True
