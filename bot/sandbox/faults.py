"""Fault injection (429 / 5xx / dropped connections) and Telegram's per-group flood limit."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import too_many_requests

FAULT_KINDS = ("429", "500", "502", "drop")
# Methods that post a message into a chat and so count against flood limits.
SENDING_METHODS = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendLocation",
        "sendContact",
        "sendVenue",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendSticker",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "forwardMessage",
    )
)


@dataclass
class Fault:
    """One armed fault: fires on the next ``remaining`` matching requests."""

    kind: str
    remaining: int
    method: str | None
    chat_id: int | str | None
    retry_after: int

    def matches(self, method: str, chat_id: Any) -> bool:
        method = method.lower()
        if self.method is None:
            # Without a method, never hit the polling loop: it would swallow the fault.
            if method == "getupdates":
                return False
        elif self.method.lower() != method:
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)


class Faults:
    """``sb.faults``: arm failures for upcoming Bot API calls and enforce flood limits."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.armed: list[Fault] = []
        self.fired: list[tuple[str, str]] = []  # (method, kind) of every injected fault
        self.group_flood_limit: int | None = 20
        self.flood_window = 60.0
        self.clock = clock
        self._sent: dict[int, deque[float]] = {}

    def fail_next(
        self,
        count: int = 1,
        *,
        method: str | None = None,
        chat_id: int | str | None = None,
        kind: str = "429",
        retry_after: int = 1,
    ) -> None:
        """Fail the next ``count`` calls (of ``method``, to ``chat_id``) with ``kind``.

        ``kind``: "429" (flood error with ``retry_after``), "500", "502", or "drop" (close the
        connection without an answer). With ``method=None`` any method except getUpdates.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
        if count < 1:
            raise ValueError("count must be >= 1")
        self.armed.append(Fault(kind, count, method, chat_id, retry_after))

    def clear(self) -> None:
        """Disarm all faults and forget the flood counters."""
        self.armed.clear()
        self._sent.clear()

    def take(self, method: str, chat_id: Any) -> Fault | None:
        """Consume and return the first armed fault matching this call, if any."""
        for fault in self.armed:
            if fault.matches(method, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.armed.remove(fault)
                self.fired.append((method, fault.kind))
                return fault
        return None

    def _window(self, chat_id: int) -> deque[float]:
        sent = self._sent.setdefault(chat_id, deque())
        horizon = self.clock() - self.flood_window
        while sent and sent[0] <= horizon:
            sent.popleft()
        return sent

    def check_flood(self, chat_id: int, count: int = 1) -> None:
        """Raise 429 if posting ``count`` more messages to this group exceeds the limit."""
        limit = self.group_flood_limit
        if limit is None or chat_id >= 0:
            return
        sent = self._window(chat_id)
        if len(sent) + count <= limit:
            return
        # Wait until enough old messages leave the window.
        index = min(len(sent) + count - limit - 1, len(sent) - 1)
        wait = sent[index] + self.flood_window - self.clock() if sent else self.flood_window
        raise too_many_requests(max(1, math.ceil(wait)))

    def record_sent(self, chat_id: int, count: int = 1) -> None:
        """Count messages the bot posted (only group chats are limited)."""
        if chat_id < 0:
            self._window(chat_id).extend([self.clock()] * count)
