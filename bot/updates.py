"""Updates of different users run concurrently; each user's own updates one after another.

PTB processes one update at a time unless told otherwise, so one cadre's six 40-megapixel card
photos kept a resident's /help waiting for 18 s. `PerUserUpdateProcessor` (wired in
`bot.app.build_application`) lets updates of different users run at the same time and keeps the
updates of one user in the order Telegram sent them. The key of an update is its effective
user's id, else its chat's id (a channel post); an update with neither (a poll's state, a
camera event put on the queue) runs without waiting for anything but a free slot.

Why per user and not per chat: everything that remembers a step lives in ``user_data`` (a
flow's draft, read by the `InFlow` filters at check time), and PTB's `ConversationHandler`
keys conversations by chat *and* user. With each user's updates in order, a handler still sees
its own user's data as the previous update left it, filters included (the whole
`Application.process_update` runs inside the user's turn). Updates of two users in one group
may now interleave: shared state (``chat_data``, ``bot_data``, rows two people may claim) must
not assume otherwise. A `ConversationHandler` with ``per_user=False`` would need a chat key.

Two bounds. `max_running` handlers run at once (the slot is taken only once it is the
update's turn, so one user's backlog never holds slots that other users need).
PTB's own `max_concurrent_updates` (the semaphore around `do_process_update`) bounds the updates
*admitted*: running, or waiting for their user's previous update. Per-key locks live in a dict
only while an update of that key runs or waits, so the dict never outgrows the updates in
flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_RUNNING = 64
ADMITTED_PER_SLOT = 16  # updates admitted (running + waiting their turn) per running slot


def update_key(update: object) -> int | None:
    """Whose turn an update waits for: the user's id, else the chat's id, else nobody's."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


@dataclass(slots=True)
class _Turn:
    """The lock of one key, and how many updates of that key are running or waiting."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across users, in order within a user; see the module docstring."""

    def __init__(self, max_running: int = MAX_RUNNING, *, max_admitted: int | None = None):
        if max_running < 1:
            raise ValueError("max_running must be a positive integer")
        super().__init__(max_admitted or max_running * ADMITTED_PER_SLOT)
        self.max_running = max_running
        self._slots = asyncio.BoundedSemaphore(max_running)
        self._turns: dict[int, _Turn] = {}
        self._running = 0

    @property
    def running(self) -> int:
        """Updates whose handlers are running now."""
        return self._running

    @property
    def waiting_keys(self) -> int:
        """Keys with an update running or waiting (0 when idle: no lock outlives its use)."""
        return len(self._turns)

    def in_flight(self, key: int) -> int:
        """Updates of `key` (a user's or chat's id) running or waiting for their turn."""
        turn = self._turns.get(key)
        return turn.holders if turn is not None else 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this user's previous update, then for a free slot; then run it."""
        key = update_key(update)
        if key is None:
            await self._run(coroutine)
            return
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.holders += 1
        try:
            async with turn.lock:
                await self._run(coroutine)
        finally:
            turn.holders -= 1
            if turn.holders == 0:
                del self._turns[key]

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        try:
            async with self._slots:
                self._running += 1
                try:
                    await coroutine
                finally:
                    self._running -= 1
        except asyncio.CancelledError:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled before its turn: no "never awaited" warning
            raise

    async def initialize(self) -> None:
        """Nothing to allocate: locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: `Application.stop` has awaited every update task."""
