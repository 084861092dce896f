"""Each robot's own sending limits, counted per channel in this process.

WeCom and DingTalk: 20 messages a minute per robot (DingTalk then throttles for 10 minutes);
Feishu: 100 a minute and 5 a second. A throttling answer blocks the robot until it passes.
The counts live in memory: after a restart the robot's own throttling answer covers the gap.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from core.models import ChannelKind

WINDOWS: dict[ChannelKind, tuple[tuple[int, timedelta], ...]] = {
    ChannelKind.WECOM: ((20, timedelta(minutes=1)),),
    ChannelKind.DINGTALK: ((20, timedelta(minutes=1)),),
    ChannelKind.FEISHU: ((100, timedelta(minutes=1)), (5, timedelta(seconds=1))),
    ChannelKind.WEBHOOK: ((60, timedelta(minutes=1)),),
}
LONGEST = timedelta(minutes=1)


class RobotLimiter:
    def __init__(self) -> None:
        self._sent: dict[int, deque[datetime]] = {}
        self._blocked: dict[int, datetime] = {}

    def room(self, channel_id: int, kind: ChannelKind, now: datetime) -> int:
        """How many messages this robot may take right now."""
        if self._blocked.get(channel_id, now) > now:
            return 0
        sent = self._trim(channel_id, now)
        return min(
            limit - sum(1 for t in sent if t > now - window) for limit, window in WINDOWS[kind]
        )

    def next_free(self, channel_id: int, kind: ChannelKind, now: datetime) -> datetime:
        """When the robot has room for one message again."""
        blocked = self._blocked.get(channel_id)
        if blocked is not None and blocked > now:
            return blocked
        sent = self._trim(channel_id, now)
        free = now
        for limit, window in WINDOWS[kind]:
            inside = [t for t in sent if t > now - window]
            if len(inside) >= limit:
                free = max(free, inside[len(inside) - limit] + window)
        return free

    def record(self, channel_id: int, when: datetime, count: int = 1) -> None:
        self._sent.setdefault(channel_id, deque()).extend([when] * count)

    def block(self, channel_id: int, until: datetime) -> None:
        """The robot answered that it is throttled: nothing more until `until`."""
        self._blocked[channel_id] = max(until, self._blocked.get(channel_id, until))

    def _trim(self, channel_id: int, now: datetime) -> deque[datetime]:
        sent = self._sent.setdefault(channel_id, deque())
        while sent and sent[0] <= now - LONGEST:
            sent.popleft()
        return sent
