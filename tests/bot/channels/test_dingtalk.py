"""DingTalk robot: signed URL, markdown with the snapshot link, its 10-minute throttle, and a
saturated robot folding lower alerts into a digest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

from bot.channel_outbox import ChannelSender
from core.bootstrap import Storage
from core.models import ChannelKind, DeliveryStatus
from tests.bot.channels.conftest import Receiver, add_channel
from tests.bot.channels.test_webhook import channel_rows, due_now, raise_alert

SECRET = "SEC0123456789abcdef"


async def test_dingtalk_gets_signed_markdown_with_the_snapshot_link(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    url = receiver.url("/robot/send", "access_token=TOKEN")
    await add_channel(storage, "ding", ChannelKind.DINGTALK, url, secret=SECRET)
    alert_id = await raise_alert(storage)
    assert await sender.drain() == 1
    [call] = receiver.calls
    assert set(call.query) == {"access_token", "timestamp", "sign"}
    assert call.query["access_token"] == "TOKEN"
    stamp = int(call.query["timestamp"])
    assert abs(stamp - time.time() * 1000) < 10_000  # milliseconds, within DingTalk's hour
    digest = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    assert call.query["sign"] == base64.b64encode(digest).decode()
    body = call.json()
    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "🚨 Person of interest"
    text = body["markdown"]["text"]
    assert text.startswith("🚨 **Person of interest**\n张三 & co\n📷 北门\n\n[Snapshot](")
    assert f"/channels/snapshots/{alert_id}?e=" in text


async def test_dingtalks_throttle_answer_waits_ten_minutes_and_is_no_failure(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    await add_channel(storage, "ding", ChannelKind.DINGTALK, receiver.url(), secret=SECRET)
    await raise_alert(storage)
    receiver.answers.append((200, {"errcode": 130101, "errmsg": "send too fast"}, {}))
    assert await sender.drain() == 0
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.PENDING
    assert row.next_attempt_at - datetime.now(UTC) > timedelta(minutes=9)
    await due_now(storage, row.id)
    assert await sender.drain() == 0  # the robot is blocked: nothing posted
    assert len(receiver.calls) == 1
    sender.limiter = type(sender.limiter)()
    await due_now(storage, row.id)
    assert await sender.drain() == 1
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.SENT


async def test_a_saturated_robot_sends_urgent_alerts_and_folds_the_rest_into_a_digest(
    storage: Storage, receiver: Receiver, sender: ChannelSender
) -> None:
    channel = await add_channel(storage, "ding", ChannelKind.DINGTALK, receiver.url())
    severities = ["low", "critical", "medium", "low", "high", "critical", "high"]
    async with storage.services() as svc:
        for n, severity in enumerate(severities):
            await svc.outbox.enqueue(
                channel="dingtalk",
                chat_id=channel,
                kind="alert",
                text=f"🚨 <b>alert {n}</b>\n{severity}",
                facts={"kind": "alert", "alert_id": None, "severity": severity},
            )
    now = datetime.now(UTC)
    sender.limiter.record(channel, now, 16)  # 4 of the 20 a minute are left
    assert await sender.drain() == 6  # three alone, three in a digest; one high waits
    titles = [call.json()["markdown"]["title"] for call in receiver.calls]
    assert titles[:3] == ["🚨 alert 1", "🚨 alert 5", "🚨 alert 4"]  # critical, critical, high
    assert titles[3] == "3 lower-severity alerts (sent together: the robot is at its limit)"
    digest = receiver.calls[3].json()["markdown"]["text"]
    assert "- 🚨 alert 2" in digest
    assert "- 🚨 alert 0" in digest
    assert "- 🚨 alert 3" in digest
    assert len(receiver.calls) == 4
    rows = {r.payload["text"].split("\n")[0]: r for r in await channel_rows(storage)}
    assert rows["🚨 <b>alert 0</b>"].last_error == "folded into a digest of 3"
    waiting = rows["🚨 <b>alert 6</b>"]  # high: never folded, it waits for room
    assert waiting.status is DeliveryStatus.PENDING
    assert waiting.attempts == 0  # waiting for room is not a failed attempt
    assert waiting.next_attempt_at > now + timedelta(seconds=30)
