"""WeCom group robot: markdown, then the snapshot as an image (base64 + MD5, ≤ 2 MB)."""

from __future__ import annotations

import base64
import hashlib
import io
import os

from PIL import Image

from bot.channel_outbox import ChannelSender
from core.bootstrap import Storage
from core.channels.pictures import LIMIT
from core.models import ChannelKind, DeliveryStatus
from tests.bot.channels.conftest import Receiver, add_channel
from tests.bot.channels.test_webhook import channel_rows, due_now
from tests.core.test_camera_events import face, post, record, world


async def alert_with(storage: Storage, image: bytes | None = None) -> int:
    w = await world(storage)
    event = await post(storage, str(w["token"]), image=image, direction="in")
    [alert] = await record(storage, event, face(w["template"]))
    return alert.id


def noisy_png(width: int = 1400, height: int = 1000) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


async def test_wecom_gets_markdown_then_the_snapshot_as_base64_with_its_md5(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    url = receiver.url("/cgi-bin/webhook/send", "key=KEY")
    await add_channel(storage, "wecom", ChannelKind.WECOM, url)
    alert_id = await alert_with(storage)
    assert await sender.drain() == 1
    text, image = receiver.calls
    assert text.query == {"key": "KEY"}
    assert image.query == {"key": "KEY"}
    body = text.json()
    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("🚨 **Person of interest**\n张三 & co\n📷 北门\n\n[Snapshot](http")
    assert f"/channels/snapshots/{alert_id}?e=" in content
    picture = image.json()
    assert picture["msgtype"] == "image"
    assert set(picture["image"]) == {"base64", "md5"}
    raw = base64.b64decode(picture["image"]["base64"], validate=True)
    assert hashlib.md5(raw).hexdigest() == picture["image"]["md5"]
    async with storage.services() as svc:
        assert raw == await svc.channels.snapshot(alert_id)  # small: sent as it is
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.SENT


async def test_a_snapshot_over_2_mb_is_resized_to_a_jpeg_within_it(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    big = noisy_png()
    assert len(big) > LIMIT
    await add_channel(storage, "wecom", ChannelKind.WECOM, receiver.url())
    await alert_with(storage, big)
    assert await sender.drain() == 1
    picture = receiver.calls[1].json()["image"]
    raw = base64.b64decode(picture["base64"], validate=True)
    assert len(raw) <= LIMIT
    assert hashlib.md5(raw).hexdigest() == picture["md5"]
    with Image.open(io.BytesIO(raw)) as image:
        assert image.format == "JPEG"
        assert image.width < 1400
        assert abs(image.width / image.height - 1.4) < 0.01


async def test_a_throttled_image_is_retried_later_without_posting_the_text_again(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    await add_channel(storage, "wecom", ChannelKind.WECOM, receiver.url())
    await alert_with(storage)
    receiver.answers += [
        (200, {"errcode": 0, "errmsg": "ok"}, {}),
        (200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {}),
    ]
    assert await sender.drain() == 0
    [row] = await channel_rows(storage)
    assert (row.status, row.payload["parts_sent"]) == (DeliveryStatus.PENDING, 1)
    assert "45009" in row.last_error
    sender.limiter = type(sender.limiter)()
    await due_now(storage, row.id)
    assert await sender.drain() == 1
    kinds = [call.json()["msgtype"] for call in receiver.calls]
    assert kinds == ["markdown", "image", "image"]  # the text went once
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.SENT
