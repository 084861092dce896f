"""Alerts out to robots outside Telegram: what each platform is sent, how it is signed, when
it may be sent, and the signed snapshot link (pure functions; no HTTP client in `core/`).

Each alert becomes one outbox delivery per matching channel (`Delivery.channel` = the
channel's kind, `chat_id` = the channel's id), recorded by the notification path with the
alert itself; `bot/channel_outbox.py` posts them with aiohttp.
"""

from core.channels.limits import RobotLimiter
from core.channels.links import sign_snapshot, snapshot_query, verify_snapshot
from core.channels.payloads import (
    Message,
    Outcome,
    Outgoing,
    build,
    classify,
    digest,
    html_to_markdown,
)
from core.channels.severity import SEVERITIES, alert_facts, alert_severity, severity_value

__all__ = [
    "SEVERITIES",
    "Message",
    "Outcome",
    "Outgoing",
    "RobotLimiter",
    "alert_facts",
    "alert_severity",
    "build",
    "classify",
    "digest",
    "html_to_markdown",
    "severity_value",
    "sign_snapshot",
    "snapshot_query",
    "verify_snapshot",
]
