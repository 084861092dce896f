"""Feishu bot: signed post with the snapshot link, its throttling answer, 100/min and 5/s."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

from bot.channel_outbox import ChannelSender
from core.bootstrap import Storage
from core.channels import RobotLimiter
from core.models import ChannelKind, DeliveryStatus
from tests.bot.channels.conftest import Receiver, add_channel
from tests.bot.channels.test_webhook import channel_rows, due_now, raise_alert

SECRET = "feishu-secret-xyz"


async def test_feishu_gets_a_signed_post_with_a_link_to_the_snapshot(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    url = receiver.url("/open-apis/bot/v2/hook/TOKEN")
    await add_channel(storage, "fs", ChannelKind.FEISHU, url, secret=SECRET)
    alert_id = await raise_alert(storage)
    receiver.answers.append((200, {"code": 0, "msg": "success", "data": {}}, {}))
    assert await sender.drain() == 1
    [call] = receiver.calls
    assert call.path == "/open-apis/bot/v2/hook/TOKEN"
    body = call.json()
    stamp = int(body["timestamp"])
    assert abs(stamp - time.time()) < 10  # seconds
    expected = hmac.new(f"{stamp}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    assert body["sign"] == base64.b64encode(expected).decode()
    assert set(body) == {"timestamp", "sign", "msg_type", "content"}
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "🚨 Person of interest"
    *lines, [link] = post["content"]
    assert lines == [[{"tag": "text", "text": "张三 & co"}], [{"tag": "text", "text": "📷 北门"}]]
    assert link["tag"] == "a"
    assert link["text"] == "Snapshot"
    assert f"/channels/snapshots/{alert_id}?e=" in link["href"]
    assert len(call.body) <= 20 * 1024


async def test_feishus_throttle_answer_is_a_retry_later(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    await add_channel(storage, "fs", ChannelKind.FEISHU, receiver.url(), secret=SECRET)
    await raise_alert(storage)
    receiver.answers.append((200, {"code": 11232, "msg": "frequency limited"}, {}))
    assert await sender.drain() == 0
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.PENDING
    assert row.next_attempt_at > datetime.now(UTC) + timedelta(seconds=30)
    sender.limiter = RobotLimiter()
    await due_now(storage, row.id)
    assert await sender.drain() == 1


async def test_a_bad_feishu_signature_fails_for_the_record(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    await add_channel(storage, "fs", ChannelKind.FEISHU, receiver.url(), secret="wrong")
    await raise_alert(storage)
    receiver.answers.append((200, {"code": 19021, "msg": "sign match fail"}, {}))
    await sender.drain()
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.FAILED


def test_each_robot_keeps_its_own_limits() -> None:
    limiter = RobotLimiter()
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert limiter.room(1, ChannelKind.FEISHU, now) == 5
    limiter.record(1, now, 5)
    assert limiter.room(1, ChannelKind.FEISHU, now) == 0  # 5 a second
    assert limiter.next_free(1, ChannelKind.FEISHU, now) == now + timedelta(seconds=1)
    assert limiter.room(2, ChannelKind.FEISHU, now) == 5  # another robot is not affected
    later = now + timedelta(seconds=2)
    assert limiter.room(1, ChannelKind.FEISHU, later) == 5
    for second in range(19):
        limiter.record(1, now + timedelta(seconds=2 + second), 5)  # 100 within the minute
    end = now + timedelta(seconds=25)
    assert limiter.room(1, ChannelKind.FEISHU, end) == 0
    assert limiter.next_free(1, ChannelKind.FEISHU, end) == now + timedelta(minutes=1)
    limiter.record(3, now, 20)
    assert limiter.room(3, ChannelKind.WECOM, now + timedelta(seconds=59)) == 0  # 20 a minute
    assert limiter.room(3, ChannelKind.WECOM, now + timedelta(seconds=61)) == 20
    limiter.block(4, now + timedelta(minutes=10))
    assert limiter.room(4, ChannelKind.DINGTALK, now) == 0
