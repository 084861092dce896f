"""Multi-step flows as typed state: one dataclass per flow, its step an Enum.

A flow's state and transitions know nothing of Telegram: a chat front end renders the state
and parses what the user sent into calls of the flow's methods, so a second front end (WeCom)
can drive the same flows. See `core.flows.base.Flow`.
"""

from core.flows.base import Flow

__all__ = ["Flow"]
